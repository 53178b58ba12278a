package depend

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
)

// Container holds the providers of an application and its Singletons.
//
// Register every provider with Provide before the first NewScope or Handler;
// from then on the graph is compiled and sealed, and the Container is safe for
// concurrent use.
type Container struct {
	mu        sync.Mutex                 // guards providers, byType, seal and Singleton cleanups
	providers []*provider                // by id; append-only until sealed, then immutable
	byType    map[reflect.Type]*provider // provided type (and As interfaces) -> provider; immutable once sealed
	sealed    atomic.Bool                // set under mu once the graph is compiled
	closed    atomic.Bool                // set under mu by Close
	cleanups  []cleanup                  // Singleton cleanups in creation order; guarded by mu
	singles   []singleton                // by provider id, sized at seal; each guards itself
	tables    sync.Pool                  // of *table, sized at seal
	invokes   sync.Map                   // reflect.Type of an Invoke func -> *call
	// hotCalls and hotDeps are small caches in front of invokes and of the
	// lookups of Resolve; each guards itself.
	hotCalls hotTypes[*call]
	hotDeps  hotTypes[dep]
	observer func(Event) // set by Observe under mu before sealing; read-only afterwards
	parallel bool        // set by SetParallel under mu before sealing; read-only afterwards
	// general forces the general path (no erased call, no lean resolution),
	// for tests that compare the two; set before sealing, read-only after.
	general bool
	// lean says Scopes may resolve on the lean path (resolution): no
	// observer and not general. Set under mu at seal, read-only afterwards.
	lean bool

	http        atomic.Pointer[HTTPOptions] // set by SetHTTPOptions; nil means the defaults
	jsonBuffers sync.Pool                   // of *jsonBuffer, for handlers' results

	handlers []drawnRoot // funcs wrapped by Handler, for WriteDOT; guarded by mu
	routes   []route     // registered by Handle, for Routes; guarded by mu

	// kinds are the Kinds declared with Container.Kind, and slots the input
	// slot of each type they supply beyond HTTP's; written under mu until
	// sealed, read-only afterwards.
	kinds []*Kind
	slots map[reflect.Type]int

	failed       []error // failed registration calls, unprefixed; guarded by mu
	failedAtSeal int     // len(failed) when sealed: the failures that shape the graph; guarded by mu
	// unusable reports the registrations that failed before sealing to
	// every Scope; set under mu at seal, read-only afterwards.
	unusable error
}

// keep records a failed registration call, so that it cannot be lost when
// the caller ignores the error, and returns it for the caller.
func (c *Container) keep(err error) error {
	if err == nil {
		return nil
	}
	c.mu.Lock()
	c.failed = append(c.failed, err)
	c.mu.Unlock()
	return publicError(err)
}

// New returns an empty Container, as does a zero Container. It is safe for
// concurrent use once sealed.
func New() *Container {
	return &Container{byType: make(map[reflect.Type]*provider)}
}

// Lifetime says how long a provided value lives and who shares it. A
// Lifetime is an Option: pass NoCache or Singleton to Provide. Lifetimes are
// constants and safe for concurrent use.
type Lifetime uint8

const (
	// Scoped is the default lifetime: the value is built at most once per
	// Scope (per request) and shared by everything in that Scope.
	Scoped Lifetime = iota
	// NoCache makes the provider run for every use; its value is never
	// shared, not even within one request.
	NoCache
	// Singleton builds the value at most once per Container, lazily and safely
	// under concurrency, and shares it with every Scope. Its cleanup runs at
	// Container.Close. A Singleton may depend only on other Singletons.
	Singleton
)

// String returns the lifetime's name as used in messages and graphs. It is
// safe for concurrent use.
func (l Lifetime) String() string {
	switch l {
	case Scoped:
		return "scoped"
	case NoCache:
		return "nocache"
	case Singleton:
		return "singleton"
	}
	return fmt.Sprintf("Lifetime(%d)", uint8(l))
}

func (l Lifetime) apply(o *options) error {
	if l > Singleton {
		return fmt.Errorf("%v is not a lifetime; pass Scoped, NoCache or Singleton: %w", l, ErrBadProvider)
	}
	return setOnce(&o.lifetime, &o.lifetimeSet, l, "lifetime")
}

// setOnce sets the option *cur to v, refusing a second value of the same
// kind that contradicts the first.
func setOnce[T comparable](cur *T, set *bool, v T, kind string) error {
	if *set && *cur != v {
		return fmt.Errorf("options %v and %v contradict each other; pass at most one %s: %w", *cur, v, kind, ErrBadProvider)
	}
	*cur, *set = v, true
	return nil
}

// Option configures one Provide call. Options are immutable values and safe
// for concurrent use.
type Option interface {
	apply(*options) error
}

type options struct {
	lifetime    Lifetime
	lifetimeSet bool
	teardown    Teardown
	teardownSet bool
	as          []reflect.Type
	notes       []any // from Annotate
}

type asOption struct{ iface reflect.Type }

func (a asOption) apply(o *options) error {
	o.as = append(o.as, a.iface)
	return nil
}

// As returns an Option that makes a provider of a concrete type also provide
// the interface I, so parameters of type I get the same value (and the same
// cache entry) as parameters of the concrete type. It is safe for
// concurrent use.
func As[I any]() Option { return asOption{reflect.TypeFor[I]()} }

// Fresh asks for a value of T built anew at this use site only, as FastAPI's
// Depends(f, use_cache=False) does. Declare a provider or handler parameter of
// type Fresh[T]; Value holds the new value.
//
// The fresh value neither comes from nor goes into the request cache, and a
// cleanup it returns still runs when the Scope closes. T's own dependencies
// still come from the cache. FastAPI differs in one detail: when nothing in
// the request has used the cached slot yet, its no-cache call fills the slot,
// so a later cached use sees the "fresh" value. depend never does that, so a
// cached T and a Fresh[T] are always distinct values, whatever the order in
// which they are resolved; reordering parameters cannot change behaviour.
//
// A Fresh value is safe for concurrent use as far as T is.
type Fresh[T any] struct {
	Value T // the value built for this use site
}

func (Fresh[T]) freshOf() reflect.Type { return reflect.TypeFor[T]() }

func (Fresh[T]) wrap(v any) any {
	t, _ := v.(T)
	return Fresh[T]{Value: t}
}

// freshMarker is implemented by every Fresh[T].
type freshMarker interface {
	freshOf() reflect.Type
	wrap(v any) any
}

var (
	freshMarkerType = reflect.TypeFor[freshMarker]()
	errorType       = reflect.TypeFor[error]()
	contextType     = reflect.TypeFor[context.Context]()
	scopeType       = reflect.TypeFor[*Scope]()
	requestType     = reflect.TypeFor[*http.Request]()
	writerType      = reflect.TypeFor[http.ResponseWriter]()
)

// Provide registers fn as the provider of the type of its first result. fn's
// parameters are its dependencies. The accepted result shapes are T,
// (T, error), (T, cleanup) and (T, cleanup, error), where cleanup is one of
// func(), func() error, func(error) or func(error) error; the forms that take
// an error learn how the request ended (nil on success).
//
// Without options the value is Scoped: built at most once per Scope, and
// its cleanup runs when the Scope closes. Pass NoCache, Singleton,
// BeforeResponse or As; Annotations are kept for tools that read Nodes.
//
// A func whose parameters are pointers, context.Context or
// http.ResponseWriter and whose results are *T or (*T, error) is called
// directly, without reflection (see docs/performance.md); so is a typed
// provider made by Func0 to Func6, whatever its types. Pointers to
// incomplete C types (cgo's opaque *C.struct_x) are the exception: an
// interface holds them differently. Other funcs are called through
// reflect. Provide is safe for concurrent use, and fails with ErrSealed once
// the Container has been sealed by NewScope or Handler.
//
// A failed Provide is also kept by the Container, like the failures of
// Replace, Observe and SetParallel, so that ignoring its error loses
// nothing: Validate reports it, Handler and Middleware refuse to wrap, and
// if it failed before the Container was sealed, every Resolve and Invoke in
// its Scopes fails with it. Register, then check once:
//
//	c.Provide(NewDB, depend.Singleton)
//	c.Provide(NewRepo)
//	if err := c.Validate(); err != nil {
//		log.Fatal(err)
//	}
func (c *Container) Provide(fn any, opts ...Option) error {
	return c.keep(c.provide(fn, opts))
}

func (c *Container) provide(fn any, opts []Option) error {
	p, err := newProvider(fn, opts)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sealed.Load() {
		return fmt.Errorf("Provide %s: register every provider before the first NewScope or Handler: %w", p, ErrSealed)
	}
	for _, t := range p.provides() {
		if c.slots[t] > 0 {
			return fmt.Errorf("Provide %s: %v is an input of %s, given to each Scope when it opens, and cannot be provided: %w", p, t, c.suppliers(t), ErrBadProvider)
		}
		if prev := c.byType[t]; prev != nil {
			return fmt.Errorf("Provide %s: %v is already provided by %s; remove one of them or give them distinct types: %w", p, t, prev, ErrAlreadyProvided)
		}
	}
	if c.byType == nil { // a zero Container, not made by New
		c.byType = make(map[reflect.Type]*provider)
	}
	p.id = len(c.providers)
	c.providers = append(c.providers, p)
	for _, t := range p.provides() {
		c.byType[t] = p
	}
	return nil
}

// Resolve returns the value of T in the Scope s, building it and what it
// depends on as needed. T may be any provided type, context.Context, *Scope or
// Fresh[U]. Resolve is safe for concurrent use.
func Resolve[T any](s *Scope) (T, error) {
	v, err := s.resolveType(reflect.TypeFor[T]())
	t, _ := v.(T)
	return t, err
}

// Invoke calls fn with its parameters resolved in the Scope. If fn's last
// result is an error, Invoke returns it; other results are discarded. A panic
// in fn itself is not recovered: it propagates to the caller, and the Scope
// stays usable and closable. Invoke is safe for concurrent use.
func (s *Scope) Invoke(fn any) error {
	if s == nil {
		return publicError(errNilScope)
	}
	call, err := s.c.invokeCall(fn)
	if err != nil {
		return publicError(err)
	}
	if err := s.enter(); err != nil {
		return publicError(err)
	}
	defer s.leave()
	if err := s.prefetch(call.deps); err != nil {
		s.raiseObserverPanic()
		return publicError(err)
	}
	if call.erased != nil {
		return s.invokeErased(call, funcWord(fn))
	}
	args, err := s.args(call.deps, call.in)
	s.raiseObserverPanic()
	if err != nil {
		return publicError(err)
	}
	out := reflect.ValueOf(fn).Call(args)
	if call.errOut {
		if err, _ := out[len(out)-1].Interface().(error); err != nil {
			return err
		}
	}
	return nil
}

// invokeErased is Invoke for a func of an erasable shape: no reflection and
// no allocation.
func (s *Scope) invokeErased(call *call, fn word) error {
	if s.lean {
		return s.invokeLean(call, fn)
	}
	args, err := s.words(nil, call.deps, nil)
	s.raiseObserverPanic()
	if err != nil {
		return publicError(err)
	}
	_, err = call.erased.call(fn, &args)
	return err
}

// invokeLean is invokeErased as one lean resolution; a lean Scope has no
// observer whose panic to raise. settle does not recover a panic of fn's
// own, which propagates as Invoke promises.
func (s *Scope) invokeLean(call *call, fn word) (err error) {
	var r resolution
	defer s.settle(&r, &err)
	args, err := s.words(&r, call.deps, nil)
	if err != nil {
		return publicError(err)
	}
	_, err = call.erased.call(fn, &args)
	return err
}

// call is a compiled function signature: its dependencies and results.
type call struct {
	in     []reflect.Type
	deps   []dep
	errOut bool    // the last result is an error
	erased *erased // non-nil if the func can be called shape-erased
}

func (c *Container) invokeCall(fn any) (*call, error) {
	t := reflect.TypeOf(fn)
	if t != nil && funcWord(fn) != nil {
		if cl, ok := c.hotCalls.load(t); ok {
			return cl, nil
		}
		if cached, ok := c.invokes.Load(t); ok {
			c.hotCalls.store(t, cached.(*call))
			return cached.(*call), nil
		}
	}
	if t == nil || t.Kind() != reflect.Func || reflect.ValueOf(fn).IsNil() {
		return nil, fmt.Errorf("Invoke(%v): want a func whose parameters are the dependencies to resolve: %w", t, ErrBadProvider)
	}
	if t.IsVariadic() {
		return nil, fmt.Errorf("Invoke(%v): variadic funcs are not supported: %w", t, ErrBadProvider)
	}
	c.seal()
	cl := &call{in: params(t), errOut: t.NumOut() > 0 && t.Out(t.NumOut()-1) == errorType, erased: c.newErased(t)}
	cl.deps = c.link(cl.in)
	c.invokes.Store(t, cl)
	return cl, nil
}

// hotTypes is a small direct-mapped cache keyed by reflect.Type, in front
// of a map or a sync.Map: a hit is an index and a comparison, where the map
// hashes an interface. An entry is written once, when its place is free, and
// never changed, so the cache is safe for concurrent use and a miss costs at
// most one allocation per place. An entry's place is the address of its
// type's descriptor, less the bits that alignment keeps zero.
type hotTypes[V any] struct {
	entries [16]atomic.Pointer[hotEntry[V]]
}

type hotEntry[V any] struct {
	addr uintptr      // typeAddr(t)
	t    reflect.Type // keeps the type, and so its address, alive
	v    V
}

func (h *hotTypes[V]) load(t reflect.Type) (V, bool) {
	addr := typeAddr(t)
	if e := h.entries[addr>>4%uintptr(len(h.entries))].Load(); e != nil && e.addr == addr {
		return e.v, true
	}
	var zero V
	return zero, false
}

// store caches v for t, unless t's place is taken.
func (h *hotTypes[V]) store(t reflect.Type, v V) {
	addr := typeAddr(t)
	if e := &h.entries[addr>>4%uintptr(len(h.entries))]; e.Load() == nil {
		e.CompareAndSwap(nil, &hotEntry[V]{addr, t, v})
	}
}

func params(t reflect.Type) []reflect.Type {
	in := make([]reflect.Type, t.NumIn())
	for i := range in {
		in[i] = t.In(i)
	}
	return in
}

// funcName names a func for messages: its package-qualified name and where it
// is declared.
func funcName(fn reflect.Value) string {
	f := runtime.FuncForPC(fn.Pointer())
	if f == nil {
		return fn.Type().String()
	}
	file, line := f.FileLine(fn.Pointer())
	return fmt.Sprintf("%s (%s:%d)", f.Name(), file, line)
}
