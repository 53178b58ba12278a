package depend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Scope is one request's cache: each Scoped provider runs at most once in it,
// however many parameters, providers and goroutines ask for its value.
// Values with cleanups are torn down, newest first, when the Scope closes
// (BeforeResponse ones earlier, by Finish).
//
// A Scope is safe for concurrent use. Close it when the request ends; after
// Close every method returns ErrScopeClosed. So do Resolve and Invoke on a
// nil *Scope, on which Close does nothing.
type Scope struct {
	c *Container
	// in is what providers see of the request: &open, or the inputs of a
	// Handler that joined Middleware's Scope with its own, while it runs
	// (see exchange.outer). Swapped atomically, so goroutines that resolve
	// meanwhile see one set or the other, never half of each.
	// Nil means &open, so that opening a Scope stores nothing atomically.
	in   atomic.Pointer[inputs]
	open inputs // the inputs the Scope was opened with; set before it is shared
	// cancel is non-nil for a parallel Scope: it cancels the context the
	// Scope created and owns. Set at open, read-only afterwards.
	cancel context.CancelCauseFunc

	// life is the Scope's lifecycle in one word: the calls in flight, Close
	// included (a multiple of lifeCall), and the flags lifeClosed and
	// lifeReleased. One atomic Add enters a call and one leaves it.
	life atomic.Uint32
	// lean is set at open when the Scope's resolutions may take the lean
	// path (resolution): no observer, not parallel, not forced general.
	// It shares life's word, which keeps the Scope at 128 bytes.
	lean bool
	// table is the Scope's cache, set at open; calls in flight read it
	// without atomics, as life orders its release after they left.
	table *table

	mu    sync.Mutex // guards table.cleanups, the slots' wait channels and cause
	cause error      // how the request ended, passed to func(error) cleanups

	observerPanic atomic.Pointer[panicked] // the first observer panic not raised yet

	// given is what a Scope of a Kind was opened with beyond inputs: its
	// Kind and its other inputs' values; nil for NewScope and HTTP. Set at
	// open. One pointer, so that the Scope stays at 128 bytes: the size
	// class of every request's one allocation is on the request path.
	given *given
}

// inputs are what a Scope's providers see of the request: its context and,
// for an HTTP request, the request and writer of the handler that runs
// (slots slotRequest and slotWriter, kind.go). A Scope of a Kind that
// supplies them has them here too; its other inputs are in given.
type inputs struct {
	ctx  context.Context
	done <-chan struct{} // ctx.Done(), read once
	req  *http.Request
	w    http.ResponseWriter
}

// given is what a Scope of a Kind is opened with beyond its inputs: the
// Kind, and the values of the inputs it supplies other than HTTP's. They
// are fixed at open, so they stay put when a Handler that joins the Scope
// swaps its inputs, and they live in the Scope's own allocation
// (kindScope), so a Kind's Scope allocates no more than before.
type given struct {
	kind *Kind
	vals []any // by slot - firstSlot; nil where not given
}

// input returns the value of the input d, HTTP's from in and the others
// from s.given.
func (s *Scope) input(in *inputs, d *dep) (any, error) {
	switch d.slot {
	case slotRequest:
		if in.req != nil {
			return in.req, nil
		}
	case slotWriter:
		if in.w != nil {
			return in.w, nil
		}
	default:
		if g := s.given; g != nil {
			if i := int(d.slot) - firstSlot; i < len(g.vals) && g.vals[i] != nil {
				return g.vals[i], nil
			}
		}
	}
	return nil, s.missing(d.typ)
}

// ofKind returns the Kind that opened s, or nil for a Scope opened by
// Container.NewScope or the HTTP layer.
func (s *Scope) ofKind() *Kind {
	if s.given == nil {
		return nil
	}
	return s.given.kind
}

// missing is the error of an input t that the Scope s was not given.
func (s *Scope) missing(t reflect.Type) error {
	k := s.ofKind()
	// Opened by Handler, Middleware or NewHTTPScope: its context is its
	// own scopeCtx. A Scope that NewScope opened on another Scope's
	// context has a scopeCtx too, but not its own.
	sc, _ := s.open.ctx.(*scopeCtx)
	isHTTP := sc != nil && &sc.hs.Scope == s
	if k == nil && slotOf(t) >= 0 {
		return errNotHTTP(t)
	}
	var opened string
	switch {
	case k != nil && k.supplied(t):
		opened = "this Scope of kind " + k.name + ", opened without it"
	case k != nil:
		opened = "Scopes of kind " + k.name
	case isHTTP:
		opened = "Scopes of kind " + httpKindName
	default:
		opened = "a Scope opened by NewScope, which is given no inputs"
	}
	return &GraphError{Err: ErrNotSupplied, Path: []reflect.Type{t},
		Detail: fmt.Sprintf("%v is an input of %s, not of %s", t, s.c.suppliers(t), opened)}
}

// has reports whether the input in slot was given, in in or g.
func (g *given) has(in *inputs, slot int) bool {
	switch slot {
	case slotRequest:
		return in.req != nil
	case slotWriter:
		return in.w != nil
	}
	i := slot - firstSlot
	return i < len(g.vals) && g.vals[i] != nil
}

// set gives the input in slot the value v, of the slot's type: HTTP's in
// in, the others in g.
func (g *given) set(in *inputs, slot int, v any) {
	switch slot {
	case slotRequest:
		in.req, _ = v.(*http.Request)
	case slotWriter:
		in.w, _ = v.(http.ResponseWriter)
	default:
		i := slot - firstSlot
		if i >= len(g.vals) {
			g.vals = append(g.vals, make([]any, i+1-len(g.vals))...)
		}
		g.vals[i] = v
	}
}

// NewScope opens a Scope, one request's cache, whose providers see ctx as
// their context.Context. A nil ctx means context.Background(). The first call
// seals the Container: Provide fails from then on. NewScope is safe for
// concurrent use.
//
// NewScope does not fail: if a registration call failed before the
// Container was sealed, every Resolve and Invoke in the Scope returns that
// failure, so a half-wired graph never serves a request. Call Validate (or
// Start) at startup to learn it before any request does.
func (c *Container) NewScope(ctx context.Context) *Scope {
	if ctx == nil {
		ctx = context.Background()
	}
	c.seal()
	ctx, cancel := c.scopeContext(ctx)
	s := &Scope{c: c, open: inputs{ctx: ctx, done: ctx.Done()}}
	s.start(cancel)
	return s
}

// start readies a Scope whose open inputs are set, before it is shared.
func (s *Scope) start(cancel context.CancelCauseFunc) {
	s.cancel = cancel
	s.table = s.c.tables.Get().(*table)
	s.lean = s.c.lean && cancel == nil
}

// inputs returns what the Scope's providers see of the request now.
func (s *Scope) inputs() *inputs {
	if in := s.in.Load(); in != nil {
		return in
	}
	return &s.open
}

// Context returns the context the Scope's providers see. It is safe for
// concurrent use.
func (s *Scope) Context() context.Context { return s.inputs().ctx }

// errNilScope is the error of a method called on a nil *Scope, such as the
// one ScopeFrom returns with ok false.
var errNilScope = fmt.Errorf("nil *Scope: open one with Container.NewScope, or check ScopeFrom's ok: %w", ErrScopeClosed)

// Lifecycle flags and the unit of the call count, in Scope.life.
const (
	lifeClosed   = 1 << iota // Close has begun: no call enters any more
	lifeReleased             // the table went back to the pool
	lifeCall                 // one call in flight
)

// enter registers a call in flight, so the table outlives it.
func (s *Scope) enter() error {
	if s == nil {
		return errNilScope
	}
	if s.life.Add(lifeCall)&lifeClosed != 0 {
		s.leave()
		return ErrScopeClosed
	}
	if s.c.closed.Load() {
		s.leave()
		return ErrContainerClosed
	}
	if s.c.unusable != nil {
		s.leave()
		return s.c.unusable
	}
	return nil
}

// leave ends a call; the last one out of a closed Scope returns its table to
// the pool. The compare-and-swap makes that happen once, even when a stale
// call enters and leaves after the release.
func (s *Scope) leave() {
	if s.life.Add(^uint32(lifeCall-1)) == lifeClosed && s.life.CompareAndSwap(lifeClosed, lifeClosed|lifeReleased) {
		s.release()
	}
}

// release returns the table to the pool. Its caller owns the table: the
// Scope is closed and no call is in flight.
func (s *Scope) release() {
	t := s.table
	s.table = nil // a stale call that got past enter would crash, not read another request
	t.reset()
	s.c.tables.Put(t)
}

// closing reports whether Close has begun.
func (s *Scope) closing() bool { return s.life.Load()&lifeClosed != 0 }

func (s *Scope) resolveType(t reflect.Type) (v any, err error) {
	if err := s.enter(); err != nil {
		return nil, publicError(fmt.Errorf("resolve %v: %w", t, err))
	}
	defer s.leave()
	d, ok := s.c.hotDeps.load(t)
	if !ok {
		if d, ok = s.c.lookup(t); !ok {
			d = s.c.depFor(t)
		}
		s.c.hotDeps.store(t, d) // the graph is sealed: d is final
	}
	if !s.lean {
		v, err = s.value(nil, &d)
		s.raiseObserverPanic()
		if err != nil {
			return nil, publicError(err)
		}
		return v, nil
	}
	// A lean resolution, in this frame; a lean Scope has no observer
	// whose panic to raise.
	var r resolution
	defer s.settle(&r, &err)
	if v, err = s.value(&r, &d); err != nil {
		return nil, publicError(err)
	}
	return v, nil
}

// lookup finds the provider of t without building a dep for builtins.
func (c *Container) lookup(t reflect.Type) (dep, bool) {
	if p := c.byType[t]; p != nil {
		return dep{kind: depProvider, typ: t, p: p}, true
	}
	return dep{}, false
}

// resolve returns the value for one compiled parameter, outside any lean
// resolution.
func (s *Scope) resolve(d dep) (any, error) { return s.value(nil, &d) }

// value is resolve without copying the dep, for the per-provider hot path.
// A non-nil r is the lean resolution the value is part of.
func (s *Scope) value(r *resolution, d *dep) (any, error) {
	if r == nil && s.c.observer != nil { // a lean resolution has no observer
		s.observeHit(d)
	}
	switch d.kind {
	case depProvider:
		if p := d.p; p.life == Scoped { // the hot path, kept in this frame
			t := s.table
			sl := &t.slots[p.id]
			if sl.state.Load() == slotReady {
				return sl.val, sl.err
			}
			// fill's lean case, in this frame: one call less per build.
			if r != nil && r.depth < len(r.building) && r.n < len(r.claimed) && sl.state.CompareAndSwap(slotEmpty, slotBuilding) {
				r.claimed[r.n] = int32(p.id)
				r.n++
				return s.buildLean(r, sl, p)
			}
			return s.fill(r, t, sl, p) // a lost claim waits there, as its CAS fails too
		}
		return s.get(d.p)
	case depFresh:
		v, err := s.build(d.p, nil, false)
		if err != nil {
			return nil, err
		}
		return d.fresh.wrap(v), nil
	case depContext:
		return s.inputs().ctx, nil
	case depScope:
		return s, nil
	case depInput:
		return s.input(s.inputs(), d)
	}
	return nil, &GraphError{Err: ErrNotProvided, Path: []reflect.Type{d.typ}, Detail: fmt.Sprintf("nothing provides %v; register a provider for it with Provide", d.typ)}
}

func errNotHTTP(t reflect.Type) error {
	return fmt.Errorf("%v exists only in a Scope opened for an HTTP request, by Handler, Middleware or NewHTTPScope: %w", t, ErrNotProvided)
}

// get returns the value of a Singleton or NoCache provider; resolve serves
// the Scoped ones.
func (s *Scope) get(p *provider) (any, error) {
	if p.life == Singleton {
		return s.c.singles[p.id].get(s, p)
	}
	return s.build(p, nil, false)
}

// build calls p's provider once and, given the slot sl, publishes the
// result there, whatever happens. Its cleanup is owned by the Container for
// a Singleton and by s otherwise. A panic becomes a PanicError, and
// runtime.Goexit an error, so that no waiter is stranded.
func (s *Scope) build(p *provider, sl *slot, single bool) (v any, err error) {
	if s.c.observer != nil {
		defer s.observeCall(p, time.Now(), &err)
	}
	done := false
	defer func() {
		if !done {
			if r := recover(); r != nil {
				err = &PanicError{Value: r, Stack: debug.Stack()}
			} else {
				err = errGoexit
			}
			v, err = nil, &BuildError{p.out, err}
		}
		if sl != nil {
			sl.set(v, err)
			s.publish(sl)
		}
	}()
	// No check of the context here: started, right before the func is
	// called, is the one that keeps a provider from starting after the
	// request ended, and a second one per build costs more than it saves.
	if p.broken != nil {
		err = p.broken
	} else if err = s.prefetch(p.deps); err == nil {
		if e := p.erased; e != nil { // the common case, kept in this frame
			var args [maxWords]word
			if args, err = s.words(nil, p.deps, nil); err == nil {
				if err = s.started(p); err == nil {
					v, err = e.call(p.word, &args)
				}
			}
		} else {
			v, err = s.call(p, single)
		}
	}
	if err != nil {
		v, err = nil, &BuildError{p.out, err}
	}
	done = true
	return v, err
}

// call resolves p's dependencies and calls its func, typed or through
// reflection; build serves erased ones.
func (s *Scope) call(p *provider, single bool) (any, error) {
	if p.typed != nil {
		return p.typed.call(s, p)
	}
	v, cl, err := s.callReflect(p)
	if cl != nil {
		if cerr := s.own(single, cleanup{p.out, cl, p.teardown == BeforeResponse}); cerr != nil && err == nil {
			err = cerr
		}
	}
	return v, err
}

// started is checked once p's dependencies are resolved, right before its
// func is called: a dependency may have finished after the Scope's context
// ended, and no provider may start then. Singletons are exempt, as their
// build is shared with waiters from other Scopes.
func (s *Scope) started(p *provider) error {
	if p.life == Singleton {
		return nil
	}
	if closed(s.inputs().done) {
		return s.notStarted()
	}
	return nil
}

func (s *Scope) notStarted() error { return fmt.Errorf("not started: %w", s.ctxErr()) }

func (s *Scope) callReflect(p *provider) (v any, cl any, err error) {
	args, err := s.args(p.deps, p.in)
	if err != nil {
		return nil, nil, err
	}
	if err := s.started(p); err != nil {
		return nil, nil, err
	}
	out := p.fn.Call(args)
	if p.errOut {
		err, _ = out[len(out)-1].Interface().(error)
	}
	if p.cleanup != nil && !out[1].IsNil() {
		cl = out[1].Convert(p.cleanup).Interface()
	}
	return out[0].Interface(), cl, err
}

// args resolves parameters for a reflective call.
func (s *Scope) args(deps []dep, in []reflect.Type) ([]reflect.Value, error) {
	args := make([]reflect.Value, len(deps))
	for i := range deps {
		v, err := s.value(nil, &deps[i])
		if err != nil {
			return nil, err
		}
		if v == nil {
			args[i] = reflect.Zero(in[i])
		} else {
			args[i] = reflect.ValueOf(v)
		}
	}
	return args, nil
}

// cleanup is one registered teardown: fn is one of the canonical cleanup
// func types.
type cleanup struct {
	typ   reflect.Type
	fn    any  // nil once Finish has taken it
	early bool // BeforeResponse: Finish runs it
}

// run calls the cleanup; a panic becomes an error and the next one still runs.
func (c cleanup) run(cause error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
		if err != nil {
			err = fmt.Errorf("cleanup %v: %w", c.typ, err)
		}
	}()
	switch f := c.fn.(type) {
	case func():
		f()
	case func() error:
		return f()
	case func(error):
		f(cause)
	case func(error) error:
		return f(cause)
	}
	return nil
}

// own registers a cleanup with its owner. If the owner has already closed,
// the cleanup runs at once and the value must not be used.
func (s *Scope) own(single bool, cl cleanup) error {
	if single {
		return s.c.own(cl)
	}
	s.mu.Lock()
	if s.closing() {
		s.mu.Unlock()
		return errors.Join(ErrScopeClosed, cl.run(ErrScopeClosed))
	}
	t := s.table
	t.cleanups = append(t.cleanups, cl)
	if cl.early {
		t.early.Add(1)
	}
	s.mu.Unlock()
	return nil
}

func (c *Container) own(cl cleanup) error {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return errors.Join(ErrContainerClosed, cl.run(nil))
	}
	c.cleanups = append(c.cleanups, cl)
	c.mu.Unlock()
	return nil
}

// Close ends the request: it runs the cleanups of the values built in the
// Scope, newest first, and returns their errors joined. A cleanup that panics
// becomes an error and the others still run. Cleanups that take an error get
// the cause recorded by CloseWithError, or nil. Close is idempotent and safe
// for concurrent use; values still being built when it is called are torn
// down as soon as they are done.
func (s *Scope) Close() error { return s.CloseWithError(nil) }

// CloseWithError is Close for a request that ended with cause: cleanups of
// the form func(error) or func(error) error receive it, so a transaction can
// roll back instead of committing. A nil cause keeps any cause recorded
// earlier (by Finish, or by Handler); a non-nil one replaces it. If a
// Finish is running its cleanups, CloseWithError waits for it first. It is
// safe for concurrent use.
func (s *Scope) CloseWithError(cause error) error {
	if s == nil {
		return nil // nothing was opened, so nothing is left to close
	}
	alone, ok := s.claimClose()
	if !ok {
		return nil
	}
	if alone {
		return s.closeAlone(cause)
	}
	s.mu.Lock()
	if cause != nil {
		s.cause = cause
	}
	if wait := s.table.finishing; wait != nil {
		// A Finish is running newer cleanups, and its error is the cause
		// the older ones must learn: wait for it.
		s.mu.Unlock()
		<-wait
		s.mu.Lock()
	}
	cause = s.cause
	cleanups := s.table.cleanups
	s.mu.Unlock()
	err := runCleanups(cleanups, cause)
	s.endParallel()
	s.leave()
	return err
}

// closeAlone is CloseWithError when no call was in flight: none can enter
// now, and everything else that writes what mu guards (setCause included)
// counts as a call, so the cause and the cleanups are read without mu.
// No Finish is running, as it would be a call.
func (s *Scope) closeAlone(cause error) error {
	if cause != nil {
		s.cause = cause
	}
	err := runCleanups(s.table.cleanups, s.cause)
	s.endParallel()
	s.release()
	return err
}

// claimClose marks s closed with one compare-and-swap, unless another Close
// did (ok false). With no call in flight the caller owns the table and
// releases it (alone); otherwise it counts as a call in flight until it
// leaves, so the table outlives the cleanups it runs.
func (s *Scope) claimClose() (alone, ok bool) {
	for {
		old := s.life.Load()
		switch {
		case old&lifeClosed != 0:
			return false, false
		case old == 0:
			if s.life.CompareAndSwap(0, lifeClosed|lifeReleased) {
				return true, true
			}
		case s.life.CompareAndSwap(old, old+lifeCall|lifeClosed):
			return false, true
		}
	}
}

// setCause records how the request ended, unless something already did.
// It counts as a call in flight, so that a Close that finds none may read
// the cause without Scope.mu; after such a Close (lifeReleased) the cause
// has been read and is not written any more.
func (s *Scope) setCause(err error) {
	if s.life.Add(lifeCall)&lifeReleased == 0 {
		s.mu.Lock()
		if s.cause == nil {
			s.cause = err
		}
		s.mu.Unlock()
	}
	s.leave()
}

// runCleanups runs cleanups newest first and returns their errors joined.
// A cleanup that calls runtime.Goexit (t.FailNow in a test) does not cost
// the older ones: they run as the goroutine exits, learning the Goexit as
// the cause if there was none.
func runCleanups(cleanups []cleanup, cause error) error {
	if len(cleanups) == 0 { // most requests: skip setting up the deferred func
		return nil
	}
	var errs []error
	i := len(cleanups) - 1
	defer func() {
		if i >= 0 { // cleanups[i] called runtime.Goexit
			if cause == nil {
				cause = errCleanupGoexit
			}
			_ = runCleanups(cleanups[:i], cause)
		}
	}()
	for ; i >= 0; i-- {
		if cleanups[i].fn == nil { // Finish ran it
			continue
		}
		if err := cleanups[i].run(cause); err != nil {
			errs = append(errs, publicError(err))
		}
	}
	return errors.Join(errs...)
}

var errCleanupGoexit = errors.New("depend: a cleanup called runtime.Goexit")

// Close runs the Singletons' cleanups, newest first, and returns their errors
// joined. Scopes opened from c fail with ErrContainerClosed afterwards. Close
// is idempotent and safe for concurrent use; close the Scopes first.
func (c *Container) Close() error {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return nil
	}
	c.closed.Store(true)
	cleanups := c.cleanups
	c.cleanups = nil
	c.mu.Unlock()
	return runCleanups(cleanups, nil)
}
