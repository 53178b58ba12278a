package depend

// Code in this file is Scopes beyond HTTP. A Kind declares the inputs that
// each of its Scopes is given when it opens (an RPC's metadata, a job's
// row), so that providers take them like any dependency and wiring
// mistakes are found when a unit of work is checked, not when it runs. HTTP
// is the predeclared kind "http", which supplies *http.Request and
// http.ResponseWriter; Run is the unit of work that Handler is for HTTP.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
)

// Kind is a kind of Scope, such as an RPC or a job: a name for messages
// and the types of the inputs that each of its Scopes is given when it
// opens. Declare it with Container.Kind before the Container is sealed.
// A Kind is immutable and safe for concurrent use.
type Kind struct {
	c        *Container
	name     string
	supplies []reflect.Type // the input types, in the order declared
	report   func(context.Context, error)
	err      error // why the declaration failed, or nil
}

// KindOption configures a Kind: Supplies and ReportTo make them. Options
// are immutable values and safe for concurrent use.
type KindOption interface {
	applyKind(*Kind) error
}

// Supply is a KindOption naming an input type; make one with Supplies.
// A Supply is an immutable value and safe for concurrent use.
type Supply struct{ t reflect.Type }

// Supplies returns the KindOption that each Scope of the Kind is given a
// value of type T when it opens: providers and units of work take T as a
// parameter, as they take *http.Request under Handler. It is safe for
// concurrent use.
func Supplies[T any]() Supply { return Supply{reflect.TypeFor[T]()} }

func (s Supply) applyKind(k *Kind) error {
	switch {
	case s.t == nil:
		return fmt.Errorf("the zero Supply names no type; make it with Supplies[T](): %w", ErrBadProvider)
	case s.t == contextType || s.t == scopeType || s.t == errorType:
		return fmt.Errorf("option Supplies[%v]: every Scope has its %v already; drop it: %w", s.t, s.t, ErrBadProvider)
	case isFresh(s.t):
		return fmt.Errorf("option Supplies[%v]: Fresh is only for parameters: %w", s.t, ErrBadProvider)
	case slices.Contains(k.supplies, s.t):
		return fmt.Errorf("option Supplies[%v] is given twice: %w", s.t, ErrBadProvider)
	}
	k.supplies = append(k.supplies, s.t)
	return nil
}

type reportTo func(context.Context, error)

// ReportTo returns the KindOption that sends to fn the errors that Run
// does not return: those of the cleanups that run after the outcome is
// decided (registered without BeforeResponse), those of the BeforeResponse
// cleanups of a unit of work that failed (a failed rollback), and those an integration
// passes to Kind.Report because it hides them. Without it they are logged
// with slog.Default() at level ERROR. fn must be safe for concurrent use.
func ReportTo(fn func(ctx context.Context, err error)) KindOption { return reportTo(fn) }

func (r reportTo) applyKind(k *Kind) error {
	if r == nil {
		return fmt.Errorf("ReportTo(nil): pass the func that receives the errors: %w", ErrBadProvider)
	}
	k.report = r
	return nil
}

// Kind declares a kind of Scope named name (for messages), whose Scopes are
// given the inputs that the Supplies options name. Declare every Kind
// before the Container is sealed, as Provide is called. A type that a Kind
// supplies cannot also have a provider, and two Kinds may supply the same
// type: a gRPC call and a Connect call both supply metadata.
//
// A failed declaration is kept like a failed Provide (Validate reports it),
// and the Kind it returns fails every Run and NewScope with it. Kind is
// safe for concurrent use.
func (c *Container) Kind(name string, opts ...KindOption) *Kind {
	k, err := c.declare(name, opts)
	if err != nil {
		err = fmt.Errorf("Kind %q: %w", name, err)
		c.keep(err)
		return &Kind{c: c, name: name, err: publicError(err)}
	}
	return k
}

func (c *Container) declare(name string, opts []KindOption) (*Kind, error) {
	if name == "" || strings.ContainsAny(name, " \t\n") {
		return nil, fmt.Errorf("name the kind with one word, such as \"grpc\" or \"job\": %w", ErrBadProvider)
	}
	k := &Kind{c: c, name: name}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("nil KindOption; pass Supplies[T]() or ReportTo: %w", ErrBadProvider)
		}
		if err := o.applyKind(k); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sealed.Load() {
		return nil, fmt.Errorf("declare every Kind before the first NewScope or Handler: %w", ErrSealed)
	}
	if name == httpKindName || slices.ContainsFunc(c.kinds, func(o *Kind) bool { return o.name == name }) {
		return nil, fmt.Errorf("another Kind is named %q; name each kind once: %w", name, ErrBadProvider)
	}
	for _, t := range k.supplies {
		if p := c.byType[t]; p != nil {
			return nil, fmt.Errorf("it supplies %v, which %s provides; a Scope's input has no provider: %w", t, p, ErrAlreadyProvided)
		}
	}
	for _, t := range k.supplies {
		c.supplyType(t)
	}
	c.kinds = append(c.kinds, k)
	return k, nil
}

// supplyType gives t an input slot, once. The caller holds c.mu.
func (c *Container) supplyType(t reflect.Type) int {
	if t == requestType || t == writerType {
		return slotOf(t)
	}
	if i, ok := c.slots[t]; ok {
		return i
	}
	if c.slots == nil {
		c.slots = make(map[reflect.Type]int)
	}
	c.slots[t] = firstSlot + len(c.slots)
	return c.slots[t]
}

// The input slots of HTTP's inputs; others come after them.
const (
	slotRequest = iota
	slotWriter
	firstSlot
)

const httpKindName = "http"

// slotOf returns the slot of HTTP's inputs, or -1.
func slotOf(t reflect.Type) int {
	switch t {
	case requestType:
		return slotRequest
	case writerType:
		return slotWriter
	}
	return -1
}

// slotFor returns the input slot of t, or -1 if t is not an input. The
// caller holds c.mu or the Container is sealed.
func (c *Container) slotFor(t reflect.Type) int {
	if slot := slotOf(t); slot >= 0 {
		return slot
	}
	if slot, ok := c.slots[t]; ok {
		return slot
	}
	return -1
}

// HTTPKind returns the predeclared Kind "http" of the Scopes that Handler,
// Middleware and NewHTTPScope open: it supplies *http.Request and
// http.ResponseWriter. Its Check checks funcs as Handler does. It is safe
// for concurrent use.
func (c *Container) HTTPKind() *Kind {
	return &Kind{c: c, name: httpKindName, supplies: []reflect.Type{requestType, writerType}}
}

// Name returns the Kind's name, or "" for a nil Kind. It is safe for
// concurrent use.
func (k *Kind) Name() string {
	if k == nil {
		return ""
	}
	return k.name
}

// In returns the Kind of the same name in c, which is k itself if c is
// k's Container. A Fork copies the Kinds of the Container it forks, so a
// test that forks the application runs its work with k.In(fork). If c
// has no Kind of that name, the Kind returned fails every call with
// ErrBadProvider. It is safe for concurrent use.
func (k *Kind) In(c *Container) *Kind {
	switch {
	case k == nil || k.c == nil:
		return &Kind{c: c, err: publicError(fmt.Errorf("In on a Kind that Container.Kind did not make: %w", ErrBadProvider))}
	case c == nil:
		return &Kind{c: k.c, name: k.name, err: publicError(fmt.Errorf("Kind.In(nil): pass the Container, such as a Fork: %w", ErrBadProvider))}
	case c == k.c || k.err != nil:
		return k
	case k.name == httpKindName:
		return c.HTTPKind()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range c.kinds {
		if o.name == k.name {
			return o
		}
	}
	return &Kind{c: c, name: k.name, err: publicError(fmt.Errorf("Kind.In: the Container has no Kind named %q; declare it with Container.Kind, or fork the Container that has it: %w", k.name, ErrBadProvider))}
}

// supplied reports whether k's Scopes are given t.
func (k *Kind) supplied(t reflect.Type) bool { return slices.Contains(k.supplies, t) }

// Value is an input given to a Scope when it opens; make one with With.
// A Value is immutable and safe for concurrent use; the value it holds is
// shared by every Scope it is given to.
type Value struct {
	t reflect.Type
	v any
}

// With returns v as the input of type T for Kind.NewScope and Kind.Run.
// Name T when it is an interface, since v's own type would be inferred:
// With[http.ResponseWriter](w). A nil v (a nil pointer or map, say) gives
// nothing: the calls that need the input fail with ErrNotSupplied. With is
// safe for concurrent use.
func With[T any](v T) Value {
	var x any = v
	if isNil(x) { // a nil pointer, map, slice, chan or func is not given
		x = nil
	}
	return Value{reflect.TypeFor[T](), x}
}

// isNil reports whether x is nil or holds a nil pointer, map, slice, chan,
// func or unsafe.Pointer.
func isNil(x any) bool {
	if x == nil {
		return true
	}
	switch v := reflect.ValueOf(x); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return v.IsNil()
	}
	return false
}

// NewScope opens a Scope of kind k, given values for the inputs k supplies,
// whose providers see as their context.Context one that derives from ctx
// (context.Background() if nil) and carries the Scope, so ScopeFrom finds
// it. An input k supplies that is not given (or given as nil) fails the
// calls that need it with ErrNotSupplied. A *http.Request is given to
// providers with the Scope's context, as NewHTTPScope gives it. Close the
// Scope when the unit of work ends, calling Finish first if it has
// BeforeResponse values; Run does all that.
//
// NewScope fails, and opens nothing, if a value is of a type k does not
// supply or is given twice, or if k's declaration failed. It seals the
// Container, and is safe for concurrent use.
func (k *Kind) NewScope(ctx context.Context, values ...Value) (*Scope, error) {
	if k == nil || k.c == nil {
		return nil, publicError(fmt.Errorf("NewScope on a Kind that Container.Kind did not make: %w", ErrBadProvider))
	}
	if k.err != nil {
		return nil, k.err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	c := k.c
	c.seal()
	ks := &kindScope{given: given{kind: k}}
	hs := &ks.httpScope
	if err := k.give(&hs.open, &ks.given, values); err != nil {
		return nil, publicError(err)
	}
	ctx, cancel := c.scopeContext(ctx)
	hs.ctx = scopeCtx{ctx, hs}
	if r := hs.open.req; r != nil { // as NewHTTPScope: the request carries its Scope
		hs.open.req = r.WithContext(&hs.ctx)
	}
	s := &hs.Scope
	s.c, s.given = c, &ks.given
	s.open.ctx, s.open.done = &hs.ctx, hs.ctx.Done()
	s.start(cancel)
	return s, nil
}

// kindScope is the one allocation of a Scope of a Kind: what ScopeFrom
// finds, and what the Scope was given beyond its inputs.
type kindScope struct {
	httpScope
	given given
}

// give stores values by slot, HTTP's in in and the others in g.
func (k *Kind) give(in *inputs, g *given, values []Value) error {
	for i, v := range values {
		if v.t == nil {
			return fmt.Errorf("Kind %s: value %d is the zero Value; make it with With(v): %w", k.name, i, ErrBadProvider)
		}
		if !k.supplied(v.t) {
			if i := slices.IndexFunc(k.supplies, func(t reflect.Type) bool { return t.Kind() == reflect.Interface && v.t.Implements(t) }); i >= 0 {
				return fmt.Errorf("Kind %s: With[%v] gives an input this kind does not supply; for its %v input, name the interface: With[%v](v): %w", k.name, v.t, k.supplies[i], k.supplies[i], ErrBadProvider)
			}
			return fmt.Errorf("Kind %s: With[%v] gives an input this kind does not supply (it supplies %s); declare it with Supplies[%v]() or drop it: %w", k.name, v.t, typeList(k.supplies), v.t, ErrBadProvider)
		}
		slot := k.c.slotFor(v.t)
		if g.has(in, slot) {
			return fmt.Errorf("Kind %s: With[%v] is given twice: %w", k.name, v.t, ErrBadProvider)
		}
		g.set(in, slot, v.v)
	}
	return nil
}

func typeList(ts []reflect.Type) string {
	if len(ts) == 0 {
		return "nothing"
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.String()
	}
	return strings.Join(names, ", ")
}

// Run runs fn, one unit of work, in a new Scope of kind k given values,
// and returns its outcome: the non-HTTP Handler. fn receives the Scope's
// context, which carries the Scope (ScopeFrom); it resolves what it needs
// from there, or calls Scope.Invoke.
//
// When fn returns, Run runs the cleanups of the BeforeResponse values with
// fn's error as their cause (commit on success, roll back on failure); if fn
// succeeded, their error becomes the outcome, so a failed commit never
// acknowledges a job, and if fn failed, their error (a failed rollback)
// goes to ReportTo. Then it closes the Scope with the outcome; the errors
// of the other cleanups go to ReportTo, not to the caller, since the
// outcome is already decided. A panic in fn or a provider becomes a
// *PanicError, returned; fn's own error is returned unchanged, so errors.Is
// and errors.As still see a queue's sentinels and a gRPC status.
//
// Run is safe for concurrent use.
func (k *Kind) Run(ctx context.Context, fn func(context.Context) error, values ...Value) (err error) {
	if fn == nil {
		return publicError(fmt.Errorf("Run(nil): pass the unit of work: %w", ErrBadProvider))
	}
	s, err := k.NewScope(ctx, values...)
	if err != nil {
		return err
	}
	if err := s.enter(); err != nil { // a closed or unusable Container
		err = publicError(err)
		if cerr := s.CloseWithError(err); cerr != nil {
			k.reportError(s.open.ctx, cerr)
		}
		return err
	}
	returned := false
	defer func() {
		if p := recover(); p != nil {
			err = publicError(&PanicError{Value: p, Stack: debug.Stack()})
		} else if !returned {
			err = errWorkGoexit // the cleanups roll back; the Goexit goes on
		}
		// Deferred, so that the Scope is left and closed even if a
		// BeforeResponse cleanup calls runtime.Goexit (t.FailNow in a
		// test; finish records it as the cause) or ReportTo panics.
		defer func() {
			s.leave()
			if cerr := s.CloseWithError(err); cerr != nil {
				k.reportError(s.open.ctx, cerr)
			}
		}()
		// Finish while still entered: fn may have closed the Scope, and
		// only a call in flight keeps its table from being released.
		finished := s.finish(err)
		if err == nil {
			err = finished
		} else if finished != nil { // the outcome is err's: a failed rollback is reported
			k.reportError(s.open.ctx, finished)
		}
	}()
	err = fn(s.open.ctx)
	returned = true
	return err
}

var errWorkGoexit = errors.New("depend: the unit of work called runtime.Goexit")

// Report sends err where k's ReportTo sends the errors Run does not return
// (slog.Default() without it), for an integration that hides an error from
// its caller, such as a gRPC interceptor answering Internal without the
// text. A nil err is ignored. Report is safe for concurrent use.
func (k *Kind) Report(ctx context.Context, err error) {
	if k == nil || err == nil {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	k.reportError(ctx, err)
}

func (k *Kind) reportError(ctx context.Context, err error) {
	if k.report != nil {
		k.report(ctx, err)
		return
	}
	slog.Default().ErrorContext(ctx, "unit of work: an error its caller does not see", slog.String("kind", k.name), slog.Any("err", err))
}

// Check checks roots, funcs whose parameters are what a unit of work of
// kind k needs, as Handler checks a handler: it reports, joined, every
// missing provider, cycle and captive dependency they reach, and every
// input they need that k does not supply, with the path to it. Call it at
// startup for the funcs a unit of work resolves or invokes. It seals the
// Container, and is safe for concurrent use.
func (k *Kind) Check(roots ...any) error {
	if k == nil || k.c == nil {
		return publicError(fmt.Errorf("Check on a Kind that Container.Kind did not make: %w", ErrBadProvider))
	}
	if k.err != nil {
		return k.err
	}
	c := k.c
	c.seal()
	var errs []error
	for i, root := range roots {
		t := reflect.TypeOf(root)
		if t == nil || t.Kind() != reflect.Func {
			errs = append(errs, publicError(fmt.Errorf("Kind %s: Check: root %d is %T, want a func whose parameters are what the unit of work needs: %w", k.name, i, root, ErrBadProvider)))
			continue
		}
		name := fmt.Sprintf("Kind %s: %s", k.name, funcName(reflect.ValueOf(root)))
		deps := c.link(params(t))
		errs = append(errs, c.checkDeps(name, deps), k.checkSupplied(name, deps))
	}
	return errors.Join(errs...)
}

// checkSupplied reports, joined, each input that deps reach and k does not
// supply, with the path from deps to it.
func (k *Kind) checkSupplied(name string, deps []dep) error {
	var errs []error
	seen := make(map[*provider]bool)
	var path []reflect.Type
	var walk func([]dep)
	walk = func(deps []dep) {
		for _, d := range deps {
			if d.kind == depInput && !k.supplied(d.typ) {
				errs = append(errs, publicError(fmt.Errorf("%s: %w", name, &GraphError{
					Err: ErrNotSupplied, Path: append(slices.Clone(path), d.typ),
					Detail: fmt.Sprintf("%v is an input of %s, and Scopes of kind %s are not given it (they supply %s)",
						d.typ, k.c.suppliers(d.typ), k.name, typeList(k.supplies)),
				})))
			}
			if d.p == nil || seen[d.p] {
				continue
			}
			seen[d.p] = true
			path = append(path, d.p.out)
			walk(d.p.deps)
			path = path[:len(path)-1]
		}
	}
	walk(deps)
	return errors.Join(errs...)
}

// suppliers names the kinds that supply t, for messages.
func (c *Container) suppliers(t reflect.Type) string {
	var names []string
	if slotOf(t) >= 0 {
		names = append(names, httpKindName)
	}
	for _, k := range c.kinds {
		if k.supplied(t) {
			names = append(names, k.name)
		}
	}
	return "Scopes of kind " + strings.Join(names, " or ")
}

// unsuppliable reports, for Validate, each provider whose value no Kind
// can ever build: it needs inputs that no single Kind supplies together,
// such as *http.Request and a job's row. It is reported where the
// combination first appears, not again at everything that depends on it.
// The caller holds c.mu.
func (c *Container) unsuppliable() []error {
	kinds := append([]*Kind{c.HTTPKind()}, c.kinds...)
	covered := func(need []reflect.Type) bool {
		return slices.ContainsFunc(kinds, func(k *Kind) bool {
			return !slices.ContainsFunc(need, func(t reflect.Type) bool { return !k.supplied(t) })
		})
	}
	needs := make([][]reflect.Type, len(c.providers)) // the inputs each provider reaches
	done := make([]bool, len(c.providers))
	var reach func(p *provider) []reflect.Type
	reach = func(p *provider) []reflect.Type {
		if done[p.id] {
			return needs[p.id]
		}
		done[p.id] = true // a cycle, reported elsewhere, stops here
		var need []reflect.Type
		for _, d := range p.deps {
			switch {
			case d.kind == depInput:
				need = append(need, d.typ)
			case d.p != nil:
				need = append(need, reach(d.p)...)
			}
		}
		slices.SortFunc(need, func(a, b reflect.Type) int { return strings.Compare(a.String(), b.String()) })
		needs[p.id] = slices.Compact(need)
		return needs[p.id]
	}
	var errs []error
	for _, p := range c.providers {
		need := reach(p)
		if covered(need) || slices.ContainsFunc(p.deps, func(d dep) bool { return d.p != nil && !covered(reach(d.p)) }) {
			continue
		}
		var from []string
		for _, t := range need {
			from = append(from, fmt.Sprintf("%v (%s)", t, c.suppliers(t)))
		}
		errs = append(errs, publicError(&GraphError{Err: ErrNotSupplied, Path: []reflect.Type{p.out},
			Detail: fmt.Sprintf("%v needs %s, and no kind of Scope is given all of them, so it can never be built", p.out, strings.Join(from, " and "))}))
	}
	return errs
}
