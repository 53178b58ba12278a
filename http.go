package depend

// Code in this file is the net/http layer's core: Handler, Middleware and
// ScopeFrom, how a handler is compiled once when it is wrapped, and how one
// request is served: join or open the Scope, call, finish, answer, close.
// Serving a request does no reflection analysis, only the calls.
// response.go turns results and errors into responses; group.go holds the
// Groups and their requirements.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"runtime/debug"
)

// Handler returns an http.Handler that calls fn for each request, with fn's
// parameters resolved in the request's Scope.
//
// fn may take any provided type, Fresh[T], *Scope, http.ResponseWriter,
// *http.Request and context.Context (the request's context, which carries the
// Scope), in any order. Providers may take http.ResponseWriter and
// *http.Request too. fn may return nothing, error, T or (T, error): a T is
// written as JSON with status 200, or with its own StatusCode() int if it has
// one, or as a Response says; a fn that returns no value and wrote nothing
// answers 204 No Content. An error, a provider's included, is answered as HTTPOptions describe:
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
	c      *Container
	name   string // for messages: "Handler <signature> (<file:line>)" or "Middleware"
	pre    []dep  // the Group's requirements, built first; their values are dropped
	inputs []dep  // the Inputs the graph reaches, bound before anything else

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
		h.erased, h.word = g.c.newErased(t), funcWord(fn)
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

// openHTTP opens the Scope of the request r, whose context derives from
// parent and carries the Scope.
func (c *Container) openHTTP(w http.ResponseWriter, r *http.Request, parent context.Context) *httpScope {
	hs := &httpScope{}
	ctx, cancel := c.scopeContext(parent)
	hs.ctx = scopeCtx{ctx, hs}
	hs.tw.ResponseWriter = w
	s := &hs.Scope
	s.c = c
	// Field by field: copying a whole inputs into the heap object would
	// pay a bulk write barrier while the garbage collector marks.
	s.open.ctx = &hs.ctx
	s.open.done = hs.ctx.Done()
	s.open.req = r
	s.open.w = &hs.tw
	s.start(cancel)
	return hs
}

// NewHTTPScope opens the Scope of one HTTP request outside Handler and
// Middleware: for a test of a provider that reads the request, or for an
// integration that routes by itself. As under Handler, its providers see
// as their context.Context the Scope's context, which derives from r's and
// carries the Scope (see ScopeFrom); as *http.Request, r with that context;
// and as http.ResponseWriter, a writer that wraps w and knows whether the
// response has started (http.ResponseController and its Unwrap method reach
// w). Close it when the request ends; call Finish first if it has
// BeforeResponse values and a response follows.
//
// A nil r opens a Scope on context.Background() in which *http.Request is
// not available, and a nil w one without http.ResponseWriter. Like
// NewScope, it seals the Container and is safe for concurrent use.
func (c *Container) NewHTTPScope(w http.ResponseWriter, r *http.Request) *Scope {
	c.seal()
	parent := context.Background()
	if r != nil {
		parent = r.Context()
	}
	hs := c.openHTTP(w, r, parent)
	if r != nil {
		hs.open.req = r.WithContext(&hs.ctx)
	}
	if w == nil {
		hs.open.w = nil
	}
	return &hs.Scope
}

// same reports whether two interface values are the same, without
// panicking on a value of a type that == cannot compare (a context that is
// a struct holding a map, say), which counts as different.
func same(a, b any) bool {
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && (ta == nil || ta.Comparable() && a == b)
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

	// outer is the Scope's inputs before this Handler, which joined
	// Middleware's Scope, gave it its own; end puts them back. Nil when
	// nothing was replaced.
	outer *inputs
}

// begin joins the request's Scope, or opens one, and sets up x, which is
// zero: filled in place rather than returned, as the exchange is large.
func (h *handler) begin(x *exchange, w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Only an HTTP Scope is joined: one of another Kind (a job, an RPC
	// whose context reached an in-process handler) has its own inputs and
	// outcome, and Finish here would commit its transaction early.
	if hs, ok := ctx.Value(scopeKey{}).(*httpScope); ok && hs.c == h.c && (hs.ofKind() == nil || hs.ofKind().name == httpKindName) {
		x.hs, x.s, x.ctx, x.r, x.w = hs, &hs.Scope, ctx, r, w
		if tw, ok := w.(*trackWriter); ok && tw == &hs.tw {
			x.tw = tw
		} else if h.needW {
			x.tw = &trackWriter{ResponseWriter: w}
			x.w = x.tw
		}
		// Providers built while this handler runs see its context, request
		// and writer: a router or a middleware inside Middleware may have
		// replaced them (a timeout's deadline, say). Under Middleware ->
		// ServeMux -> Handler none was, and nothing is allocated.
		if cur := x.s.inputs(); !same(ctx, cur.ctx) || r != cur.req || !same(x.w, cur.w) {
			x.outer = cur
			x.s.in.Store(&inputs{ctx: ctx, done: ctx.Done(), req: r, w: x.w})
		}
		return
	}
	hs := h.c.openHTTP(w, r, r.Context())
	x.hs, x.s, x.ctx, x.r, x.w, x.owned = hs, &hs.Scope, &hs.ctx, r, w, true
	if h.needReq {
		x.r = r.WithContext(&hs.ctx)
		hs.open.req = x.r // before anything else can see the Scope
	}
	if h.needW {
		x.tw = &hs.tw
		x.w = x.tw
	}
}

// ServeHTTP serves one request: requirements, then fn or next, then the
// BeforeResponse cleanups, then the response, then the other cleanups.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var x exchange
	h.begin(&x, w, r)
	finished := false
	defer func() {
		if !finished {
			x.abort(recover())
		}
	}()
	body, err := h.run(&x)
	switch {
	case err != nil:
		x.fail(err)
	case body != nil:
		body.send(x.w)
	case h.next == nil && !h.value && (x.tw == nil || !x.tw.wrote) && !x.hs.tw.wrote:
		x.w.WriteHeader(http.StatusNoContent) // nothing to say, and nothing said
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
	if h.inputs != nil {
		if err := x.s.bindInputs(h.inputs); err != nil {
			return nil, err
		}
	}
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
		x.s.raiseObserverPanic()
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
	case depInput:
		switch d.slot {
		case slotRequest:
			return reflect.ValueOf(x.r), nil
		case slotWriter:
			x.hs.argW = x.w
			return reflect.ValueOf(&x.hs.argW).Elem(), nil
		}
	}
	v, err := x.s.resolve(d)
	if err != nil || v == nil {
		return reflect.Zero(t), err
	}
	return reflect.ValueOf(v), nil
}

// callErased calls fn shape-erased: no reflection and no allocation.
func (h *handler) callErased(x *exchange) (any, error) {
	if x.s.lean {
		return h.callLean(x)
	}
	args, err := x.s.words(nil, h.deps, x)
	x.s.raiseObserverPanic()
	if err != nil {
		return nil, publicError(err)
	}
	return h.erased.call(h.word, &args)
}

// callLean is callErased as one lean resolution (see invokeLean).
func (h *handler) callLean(x *exchange) (v any, err error) {
	var r resolution
	defer x.s.settle(&r, &err)
	args, err := x.s.words(&r, h.deps, x)
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
	if x.outer != nil { // before and after the handler, middleware code sees its own
		x.s.in.Store(x.outer)
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
