package depend

// Code in this file is the net/http layer: Handler, Middleware, Group and
// how an error becomes a response. A handler is compiled once, when it is
// wrapped; serving a request does no reflection analysis, only the calls.

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"runtime/debug"
	"slices"
	"sync"
)

// HTTPError is an error with an HTTP status: FastAPI's HTTPException. When a
// provider or a handler returns it, Handler answers with Status and Message,
// and the handler (or whatever needed the provider) does not run.
//
// Any error whose chain has a StatusCode() int method is treated the same
// way; HTTPError is the ready-made one. A nil *HTTPError returned as an
// error reads as a 500. An HTTPError is safe for concurrent use as long as
// nobody modifies it.
type HTTPError struct {
	Status  int         // the response status, 300 to 599
	Message string      // the response body; clients see it, so keep secrets out. Empty: the status text
	Header  http.Header // added to the response, e.g. WWW-Authenticate for a 401
	Err     error       // the cause, for logs and errors.Is; never sent to the client
}

// Error returns the message the client sees. It is safe for concurrent use.
func (e *HTTPError) Error() string {
	if e == nil { // a typed nil returned as an error: nothing says what failed
		return http.StatusText(http.StatusInternalServerError)
	}
	if e.Message != "" {
		return e.Message
	}
	return http.StatusText(e.Status)
}

// StatusCode returns the response status. It is safe for concurrent use.
func (e *HTTPError) StatusCode() int {
	if e == nil {
		return http.StatusInternalServerError
	}
	return e.Status
}

// Unwrap returns the cause. It is safe for concurrent use.
func (e *HTTPError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// HTTPOptions configures how Handler and Middleware answer a request that
// failed. Set it with Container.SetHTTPOptions before serving. The zero value
// means the defaults. HTTPOptions is a plain value; the funcs it holds must
// be safe for concurrent use.
type HTTPOptions struct {
	// WriteError writes the response for a failed request, for example as
	// application/problem+json (RFC 9457). status and message are what the
	// client may see: the StatusCode() and message of the first error in the
	// chain that has a StatusCode() int method, or 500 and "Internal Server
	// Error" for any other error. err is the whole error, to choose a problem
	// type with errors.Is or errors.As; never send its text, it can hold
	// secrets. The headers of an HTTPError are already set. WriteError is not
	// called once the response has started. Nil means http.Error(w, message,
	// status): a text/plain body.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, message string, err error)

	// ReportError receives the errors the client does not see in full: those
	// answered with a 5xx status, an error that came after the response had
	// started, and the errors of cleanups. Nil means logging them with
	// slog.Default() at level ERROR.
	ReportError func(r *http.Request, err error)
}

// SetHTTPOptions sets how Handler and Middleware answer failed requests. It
// is safe for concurrent use, but configure it before serving: a request
// that is already failing may use the previous options.
func (c *Container) SetHTTPOptions(o HTTPOptions) { c.http.Store(&o) }

var defaultHTTPOptions HTTPOptions

func (c *Container) httpOptions() *HTTPOptions {
	if o := c.http.Load(); o != nil {
		return o
	}
	return &defaultHTTPOptions
}

func (o *HTTPOptions) report(r *http.Request, err error) {
	if o.ReportError != nil {
		o.ReportError(r, err)
		return
	}
	slog.Default().ErrorContext(r.Context(), "request failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
}

func (o *HTTPOptions) writeError(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if o.WriteError != nil {
		o.WriteError(w, r, status, msg, err)
		return
	}
	http.Error(w, msg, status)
}

type statusCoder interface{ StatusCode() int }

// publicStatus returns the status and the message the client may see for err.
func publicStatus(err error) (int, string) {
	var sc statusCoder
	if errors.As(err, &sc) {
		if code := sc.StatusCode(); code >= 300 && code <= 599 {
			if e, ok := sc.(error); ok {
				return code, e.Error()
			}
		}
	}
	return http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError)
}

// Requirement names a type a Group builds before each of its handlers runs.
// Make one with Require. It is an immutable value, safe for concurrent use.
type Requirement struct{ t reflect.Type }

// Require returns the Requirement that T be built, from the request's cache
// like any parameter, before the handlers of a Group run. It is safe for
// concurrent use.
func Require[T any]() Requirement { return Requirement{reflect.TypeFor[T]()} }

// Group is a set of routes with dependencies that must be built before each
// of their handlers runs, although the handlers do not take their values:
// FastAPI's dependencies=[...] on a route, a router or the app. An auth
// check that fails with 401 for a whole group is one Require of a type whose
// provider checks the token.
//
// The requirements are built in order, outer groups first, then the
// handler's parameters; an error stops the request before the handler runs.
// The values are cached like any other, so a handler that also takes one gets
// the same value. A Group is immutable and safe for concurrent use.
type Group struct {
	c        *Container
	requires []Requirement // outermost first
}

// Group returns a Group whose handlers require the given types. It is safe
// for concurrent use; the requirements are checked when a handler is
// wrapped.
func (c *Container) Group(requires ...Requirement) *Group {
	return &Group{c: c, requires: slices.Clone(requires)}
}

// Group returns a nested Group that requires g's types, then the given
// ones. It is safe for concurrent use.
func (g *Group) Group(requires ...Requirement) *Group {
	return &Group{c: g.c, requires: slices.Concat(g.requires, requires)}
}

// Handler returns an http.Handler that calls fn for each request, with fn's
// parameters resolved in the request's Scope.
//
// fn may take any provided type, Fresh[T], *Scope, http.ResponseWriter,
// *http.Request and context.Context (the request's context, which carries the
// Scope), in any order. Providers may take http.ResponseWriter and
// *http.Request too. fn may return nothing, error, T or (T, error): a T is
// written as JSON with status 200, or with its own StatusCode() int if it has
// one. An error, a provider's included, is answered as HTTPOptions describe:
// its StatusCode() and message if its chain has a StatusCode() int method,
// otherwise 500 with a generic body while the real error is reported. Once
// the response has started no second status is written.
//
// Under Middleware, Handler uses the request's Scope; otherwise it opens one
// and closes it when fn has returned and the response is written. Cleanups
// that take an error receive fn's error, a provider's error or fn's panic as
// an error; after a panic the cleanups run and then the panic continues, so
// net/http and recovery middleware still see it.
//
// Handler checks fn's whole dependency graph when it is called and panics,
// as http.ServeMux does for a bad pattern, if a provider is missing, a cycle
// or a captive dependency is reachable, or fn's signature is not accepted.
// It seals the Container. Handler is safe for concurrent use, and so is the
// http.Handler it returns.
func (c *Container) Handler(fn any) http.Handler { return c.Group().Handler(fn) }

// Handler is Container.Handler for the routes of g: g's requirements are
// built before fn's parameters. It is safe for concurrent use, and so is the
// http.Handler it returns.
func (g *Group) Handler(fn any) http.Handler {
	g.mustBeMade("Handler")
	h, err := g.compile(fn)
	if err != nil {
		panic(err)
	}
	return h
}

// Middleware returns an http.Handler that opens the request's Scope, puts it
// in the request's context and calls next. Handlers under it use that Scope,
// so a request has exactly one cache, and values that middleware code
// resolved (find the Scope with ScopeFrom) are the ones handlers get. The
// Scope is closed when next returns; a panic in next is recorded as the cause
// for the cleanups, which run before the panic continues.
//
// Middleware seals the Container. It is safe for concurrent use, and so is
// the http.Handler it returns.
func (c *Container) Middleware(next http.Handler) http.Handler { return c.Group().Middleware(next) }

// Middleware is Container.Middleware for g: g's requirements are built
// before next is called, and an error among them answers the request
// without calling next. This protects handlers that know nothing of depend,
// such as a file server. Like Handler, it panics if a requirement's graph is
// broken. It is safe for concurrent use, and so is the http.Handler it
// returns.
func (g *Group) Middleware(next http.Handler) http.Handler {
	g.mustBeMade("Middleware")
	if next == nil {
		panic(publicError(fmt.Errorf("Middleware(nil): pass the http.Handler to wrap: %w", ErrBadProvider)))
	}
	g.c.seal()
	h := &handler{c: g.c, name: "Middleware", next: next, needReq: true, needW: true}
	if err := g.link(h); err != nil {
		panic(err)
	}
	return h
}

func (g *Group) mustBeMade(what string) {
	if g == nil || g.c == nil {
		panic(publicError(fmt.Errorf("%s on a Group that Container.Group did not make (or a nil Container): %w", what, ErrBadProvider)))
	}
}

// ScopeFrom returns the Scope that Middleware or Handler opened for the
// request whose context ctx is or derives from. It is safe for concurrent
// use.
func ScopeFrom(ctx context.Context) (*Scope, bool) {
	if ctx == nil {
		return nil, false
	}
	hs, ok := ctx.Value(scopeKey{}).(*httpScope)
	if !ok {
		return nil, false
	}
	return &hs.Scope, true
}

// handler is a compiled Handler or Middleware.
type handler struct {
	c    *Container
	name string // for messages: "Handler <signature> (<file:line>)" or "Middleware"
	pre  []dep  // the Group's requirements, built first; their values are dropped

	// A Handler's fn, compiled.
	fn     reflect.Value
	fast   func(http.ResponseWriter, *http.Request) error // fn without reflect.Call, for the common shapes
	erased *erased                                        // fn's shape, if it can be called shape-erased (erased.go)
	word   word                                           // fn's func value, for the erased call
	in     []reflect.Type
	deps   []dep
	value  bool // fn returns a value to write as JSON
	errOut bool // fn's last result is an error

	next http.Handler // a Middleware's handler

	// What the graph reaches, so a request derives only what is used.
	needReq bool // *http.Request: derive a request whose context carries the Scope
	needW   bool // http.ResponseWriter: track whether the response has started
}

var (
	handlerFuncType    = reflect.TypeFor[func(http.ResponseWriter, *http.Request)]()
	handlerErrFuncType = reflect.TypeFor[func(http.ResponseWriter, *http.Request) error]()
)

func (g *Group) compile(fn any) (*handler, error) {
	v := reflect.ValueOf(fn)
	if fn == nil || v.Kind() != reflect.Func || v.IsNil() {
		return nil, publicError(fmt.Errorf("Handler(%T): want a func whose parameters are its dependencies: %w", fn, ErrBadProvider))
	}
	t := v.Type()
	h := &handler{c: g.c, name: "Handler " + t.String() + " " + funcName(v), fn: v, in: params(t)}
	if err := h.setResults(t); err != nil {
		return nil, publicError(fmt.Errorf("%s: %w", h.name, err))
	}
	if t.IsVariadic() {
		return nil, publicError(fmt.Errorf("%s: variadic handlers are not supported: %w", h.name, ErrBadProvider))
	}
	switch {
	case t.ConvertibleTo(handlerFuncType):
		f := v.Convert(handlerFuncType).Interface().(func(http.ResponseWriter, *http.Request))
		h.fast = func(w http.ResponseWriter, r *http.Request) error { f(w, r); return nil }
	case t.ConvertibleTo(handlerErrFuncType):
		h.fast = v.Convert(handlerErrFuncType).Interface().(func(http.ResponseWriter, *http.Request) error)
	default:
		h.erased, h.word = newErased(t), funcWord(fn)
	}
	g.c.seal()
	h.deps = g.c.link(h.in)
	if err := g.link(h); err != nil {
		return nil, err
	}
	g.c.addHandler(v, g.requires)
	return h, nil
}

func (h *handler) setResults(t reflect.Type) error {
	switch n := t.NumOut(); {
	case n == 0:
	case n == 1:
		h.errOut = t.Out(0) == errorType
		h.value = !h.errOut
	case n == 2 && t.Out(1) == errorType && t.Out(0) != errorType:
		h.value, h.errOut = true, true
	default:
		return fmt.Errorf("want no results, error, T or (T, error): %w", ErrBadProvider)
	}
	return nil
}

// link compiles g's requirements into h and checks everything h reaches.
// The Container is sealed.
func (g *Group) link(h *handler) error {
	var errs []error
	for i, r := range g.requires {
		if r.t == nil {
			errs = append(errs, publicError(fmt.Errorf("%s: requirement %d is the zero Requirement; make it with Require[T](): %w", h.name, i, ErrBadProvider)))
		}
	}
	if errs != nil {
		return errors.Join(errs...)
	}
	types := make([]reflect.Type, len(g.requires))
	for i, r := range g.requires {
		types[i] = r.t
	}
	h.pre = g.c.link(types)
	all := slices.Concat(h.pre, h.deps)
	r, w := uses(all)
	h.needReq, h.needW = h.needReq || r, h.needW || w
	return g.c.checkDeps(h.name, all)
}

// checkDeps reports, joined, every problem of the graph reachable from deps:
// missing providers (deps' own included), cycles and captive dependencies.
func (c *Container) checkDeps(name string, deps []dep) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, err := range c.failed {
		errs = append(errs, publicError(fmt.Errorf("%s: a registration failed: %w", name, err)))
	}
	var roots []*provider
	for _, d := range deps {
		if d.kind == depMissing {
			errs = append(errs, publicError(fmt.Errorf("%s: %w", name, &GraphError{
				Err: ErrNotProvided, Path: []reflect.Type{d.typ},
				Detail: fmt.Sprintf("nothing provides %v; register a provider for it with Provide", d.typ),
			})))
		}
		if d.p != nil && !slices.Contains(roots, d.p) {
			roots = append(roots, d.p)
		}
	}
	for _, p := range dedupe(c.check(roots)) {
		errs = append(errs, publicError(fmt.Errorf("%s: %w", name, p.GraphError)))
	}
	return errors.Join(errs...)
}

// uses reports whether deps reach the request or the response writer,
// directly or through providers. A *Scope reaches both, since anything can
// be resolved from it.
func uses(deps []dep) (req, w bool) {
	seen := make(map[*provider]bool)
	var walk func([]dep)
	walk = func(deps []dep) {
		for _, d := range deps {
			switch d.kind {
			case depRequest:
				req = true
			case depWriter:
				w = true
			case depScope:
				req, w = true, true
			}
			if d.p != nil && !seen[d.p] {
				seen[d.p] = true
				walk(d.p.deps)
			}
		}
	}
	walk(deps)
	return req, w
}

type scopeKey struct{}

// scopeCtx is a request's context that carries its Scope for ScopeFrom.
type scopeCtx struct {
	context.Context
	hs *httpScope
}

func (c *scopeCtx) Value(key any) any {
	if key == (scopeKey{}) {
		return c.hs
	}
	return c.Context.Value(key)
}

// httpScope is a Scope opened for one HTTP request, allocated in one piece
// with the context that carries it and the writer that tracks the response.
type httpScope struct {
	Scope
	ctx scopeCtx
	tw  trackWriter

	// A Handler's arguments of interface type, stored here (the httpScope
	// is on the heap anyway) so that they pass to reflect.Value.Call as
	// values of that type at no cost.
	argCtx context.Context
	argW   http.ResponseWriter
}

func (c *Container) openHTTP(w http.ResponseWriter, r *http.Request) *httpScope {
	hs := &httpScope{}
	ctx, cancel := c.scopeContext(r.Context())
	hs.ctx = scopeCtx{ctx, hs}
	hs.tw.ResponseWriter = w
	s := &hs.Scope
	s.c, s.ctx, s.done, s.req, s.w, s.cancel = c, &hs.ctx, hs.ctx.Done(), r, &hs.tw, cancel
	s.table.Store(c.tables.Get().(*table))
	return hs
}

// NewHTTPScope opens the Scope of one HTTP request outside Handler and
// Middleware: for a test of a provider that reads the request, or for an
// integration that routes by itself. Its providers see r, with a context
// that carries the Scope (see ScopeFrom), r's context as their
// context.Context, and w. Close it when the request ends; call Finish
// first if it has BeforeResponse values and a response follows.
//
// A nil r opens a Scope on context.Background() in which *http.Request is
// not available, and a nil w one without http.ResponseWriter. Like
// NewScope, it seals the Container and is safe for concurrent use.
func (c *Container) NewHTTPScope(w http.ResponseWriter, r *http.Request) *Scope {
	c.seal()
	if r == nil {
		s := c.NewScope(context.Background())
		s.w = w
		return s
	}
	hs := c.openHTTP(w, r)
	hs.req = r.WithContext(&hs.ctx)
	if w == nil {
		hs.w = nil
	}
	return &hs.Scope
}

// exchange is one request as one handler sees it.
type exchange struct {
	hs    *httpScope
	s     *Scope
	ctx   context.Context     // the request's context, carrying s
	r     *http.Request       // what fn and next get
	w     http.ResponseWriter // what fn and next get: tw when tracked
	tw    *trackWriter        // nil when nothing but the handler itself writes
	owned bool                // the handler opened s and closes it

	// A Handler that joined Middleware's Scope and gave it its own inputs
	// puts back the Scope's previous ones when it ends.
	restore bool
	outer   inputs
}

// inputs are what a Scope's providers see of the request: its context and
// the request and writer of the handler that is running.
type inputs struct {
	ctx  context.Context
	done <-chan struct{}
	req  *http.Request
	w    http.ResponseWriter
}

// swap makes in the inputs of s's providers and returns the previous ones.
func (s *Scope) swap(in inputs) inputs {
	prev := inputs{s.ctx, s.done, s.req, s.w}
	s.ctx, s.done, s.req, s.w = in.ctx, in.done, in.req, in.w
	return prev
}

// begin joins the request's Scope, or opens one.
func (h *handler) begin(w http.ResponseWriter, r *http.Request) exchange {
	ctx := r.Context()
	if hs, ok := ctx.Value(scopeKey{}).(*httpScope); ok && hs.c == h.c {
		x := exchange{hs: hs, s: &hs.Scope, ctx: ctx, r: r, w: w}
		if tw, ok := w.(*trackWriter); ok && tw == &hs.tw {
			x.tw = tw
		} else if h.needW {
			x.tw = &trackWriter{ResponseWriter: w}
			x.w = x.tw
		}
		// Providers built while this handler runs see its context, request
		// and writer: a router or a middleware inside Middleware may have
		// replaced them (a timeout's deadline, say). Write only if one
		// changed: under Middleware -> ServeMux -> Handler none has, and
		// goroutines that middleware code started may be reading them.
		s := x.s
		if ctx != s.ctx || r != s.req || x.w != s.w {
			x.outer = s.swap(inputs{ctx, ctx.Done(), r, x.w})
			x.restore = true
		}
		return x
	}
	hs := h.c.openHTTP(w, r)
	x := exchange{hs: hs, s: &hs.Scope, ctx: &hs.ctx, r: r, w: w, owned: true}
	if h.needReq {
		x.r = r.WithContext(&hs.ctx)
		hs.req = x.r
	}
	if h.needW {
		x.tw = &hs.tw
		x.w = x.tw
	}
	return x
}

// ServeHTTP serves one request: requirements, then fn or next, then the
// BeforeResponse cleanups, then the response, then the other cleanups.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := h.begin(w, r)
	finished := false
	defer func() {
		if !finished {
			x.abort(recover())
		}
	}()
	body, err := h.run(&x)
	if err != nil {
		x.fail(err)
	} else if body != nil {
		body.send(x.w)
	}
	finished = true
	x.end()
}

// run calls fn or next and ends the handler's part of the request: fn's
// value is encoded first, so that a value that cannot be encoded rolls back
// like any error; then the BeforeResponse cleanups run, and their error
// fails the request in place of the value.
func (h *handler) run(x *exchange) (*jsonBuffer, error) {
	if err := x.s.enter(); err != nil {
		return nil, &HTTPError{Status: http.StatusServiceUnavailable, Err: publicError(err)}
	}
	defer x.s.leave()
	v, err := h.call(x)
	var body *jsonBuffer
	if err == nil && h.value {
		body, err = h.encode(x, v)
	}
	if ferr := x.s.finish(err); ferr != nil {
		if err != nil { // the response is err's; a failed rollback is reported
			x.s.c.httpOptions().report(x.request(), ferr)
		}
		err = cmp.Or(err, ferr)
	}
	if err != nil && body != nil {
		body.free()
		body = nil
	}
	return body, err
}

// call builds the requirements and calls fn or next, returning fn's value.
func (h *handler) call(x *exchange) (any, error) {
	for _, d := range h.pre {
		_, err := x.s.resolve(d)
		x.s.raiseObserverPanic()
		if err != nil {
			return nil, publicError(err)
		}
	}
	switch {
	case h.next != nil:
		h.next.ServeHTTP(x.w, x.r)
		return nil, nil
	case h.fast != nil:
		return nil, h.fast(x.w, x.r)
	}
	if err := x.s.prefetch(h.deps); err != nil {
		return nil, publicError(err)
	}
	if h.erased != nil {
		return h.callErased(x)
	}
	var buf [8]reflect.Value
	args := buf[:0]
	for i, d := range h.deps {
		v, err := x.arg(d, h.in[i])
		x.s.raiseObserverPanic()
		if err != nil {
			return nil, publicError(err)
		}
		args = append(args, v)
	}
	return h.result(h.fn.Call(args))
}

// arg returns the value of one of fn's parameters.
func (x *exchange) arg(d dep, t reflect.Type) (reflect.Value, error) {
	// The writer and the context go in as values of their interface type,
	// so that reflect.Value.Call need not check that they implement it.
	switch d.kind {
	case depContext:
		x.hs.argCtx = x.ctx
		return reflect.ValueOf(&x.hs.argCtx).Elem(), nil
	case depRequest:
		return reflect.ValueOf(x.r), nil
	case depWriter:
		x.hs.argW = x.w
		return reflect.ValueOf(&x.hs.argW).Elem(), nil
	}
	v, err := x.s.resolve(d)
	if err != nil || v == nil {
		return reflect.Zero(t), err
	}
	return reflect.ValueOf(v), nil
}

// callErased calls fn shape-erased: no reflection and no allocation.
func (h *handler) callErased(x *exchange) (any, error) {
	var args [maxWords]word
	err := x.s.words(h.deps, &args, x)
	x.s.raiseObserverPanic()
	if err != nil {
		return nil, publicError(err)
	}
	return h.erased.call(h.word, &args)
}

func (h *handler) result(out []reflect.Value) (any, error) {
	if h.errOut {
		if err, _ := out[len(out)-1].Interface().(error); err != nil {
			return nil, err
		}
	}
	if !h.value {
		return nil, nil
	}
	return out[0].Interface(), nil
}

// encode encodes fn's result v as the JSON response to send.
func (h *handler) encode(x *exchange, v any) (*jsonBuffer, error) {
	if x.tw != nil && x.tw.wrote {
		return nil, fmt.Errorf("depend: %s wrote the response and also returned a value; do one or the other", h.name)
	}
	return encodeJSON(v)
}

// jsonBuffer holds an encoded response, so that a value that cannot be
// encoded is answered with a 500 rather than a truncated 200, and nothing
// is written before the BeforeResponse cleanups have run.
type jsonBuffer struct {
	bytes.Buffer
	enc    *json.Encoder
	status int
}

var jsonBuffers = sync.Pool{New: func() any {
	b := new(jsonBuffer)
	b.enc = json.NewEncoder(&b.Buffer)
	return b
}}

func encodeJSON(v any) (*jsonBuffer, error) {
	b := jsonBuffers.Get().(*jsonBuffer)
	if err := b.enc.Encode(v); err != nil {
		b.free()
		return nil, fmt.Errorf("depend: encode the handler's %T result as JSON: %w", v, err)
	}
	b.status = http.StatusOK
	if sc, ok := v.(statusCoder); ok {
		if code := sc.StatusCode(); code >= 200 && code <= 599 {
			b.status = code
		}
	}
	return b, nil
}

// send writes the response and frees b.
func (b *jsonBuffer) send(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if b.status != http.StatusOK { // Write sends 200 by itself
		w.WriteHeader(b.status)
	}
	w.Write(b.Bytes()) // an error means the client went away: nothing to tell it
	b.free()
}

func (b *jsonBuffer) free() {
	if b.Cap() <= 64<<10 { // let the GC have the rare huge one
		b.Reset()
		jsonBuffers.Put(b)
	}
}

// fail records err as how the request ended and answers it, unless the
// response has already started.
func (x *exchange) fail(err error) {
	x.s.setCause(err)
	o := x.s.c.httpOptions()
	r := x.request()
	if x.tw != nil && x.tw.wrote {
		o.report(r, fmt.Errorf("depend: %s %s: the response had started, so this error was not sent: %w", r.Method, r.URL.Path, err))
		return
	}
	status, msg := publicStatus(err)
	if status >= 500 {
		o.report(r, err)
	}
	var he *HTTPError
	if errors.As(err, &he) && he != nil {
		for k, v := range he.Header {
			x.w.Header()[k] = v
		}
	}
	o.writeError(x.w, r, status, msg, err)
}

// request returns the request with a context that carries the Scope, for
// the hooks: one that nothing else needed is derived now, on this rare path.
func (x *exchange) request() *http.Request {
	if x.r.Context() != x.ctx {
		x.r = x.r.WithContext(x.ctx)
	}
	return x.r
}

// end gives a joined Scope its inputs back, or closes the Scope if the
// handler opened it and reports the cleanups' errors: the response is
// already written, so the client cannot learn them.
func (x *exchange) end() {
	if x.restore { // before and after the handler, middleware code sees its own
		x.s.swap(x.outer)
	}
	if !x.owned {
		return
	}
	if err := x.s.Close(); err != nil {
		x.s.c.httpOptions().report(x.request(), err)
	}
}

var errHandlerGoexit = errors.New("depend: the handler called runtime.Goexit")

// abort ends a request whose handler panicked (p != nil) or called
// runtime.Goexit: the cleanups learn it, then the panic continues.
func (x *exchange) abort(p any) {
	cause := errHandlerGoexit
	if p != nil {
		pe := &PanicError{Value: p}
		if p != http.ErrAbortHandler { // a deliberate abort, not a bug
			pe.Stack = debug.Stack()
		}
		cause = publicError(pe)
	}
	x.s.setCause(cause)
	x.end()
	if p != nil {
		panic(p)
	}
}

// trackWriter remembers whether the response has started, so that an error
// after that is not answered with a second status. It passes Flush, Hijack
// and ReadFrom through, and http.ResponseController finds the writer it wraps
// with Unwrap.
type trackWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *trackWriter) WriteHeader(code int) {
	if code < 100 || code > 199 || code == http.StatusSwitchingProtocols { // 1xx, but 101, are informational
		w.wrote = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *trackWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *trackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *trackWriter) Flush() {
	w.wrote = true
	_ = http.NewResponseController(w.ResponseWriter).Flush() // http.Flusher has no way to report it
}

func (w *trackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.wrote = true
	}
	return conn, rw, err
}

func (w *trackWriter) ReadFrom(r io.Reader) (int64, error) {
	w.wrote = true
	return io.Copy(w.ResponseWriter, r)
}
