package depend

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// provider is one registration. Its identity, not its func pointer, keys the
// cache: two closures made by one factory share a code pointer but are two
// providers.
type provider struct {
	id       int
	name     string // the func and where it is declared, for messages
	fn       reflect.Value
	typed    Provider // nil: called through erased or reflection
	erased   *erased  // non-nil: called shape-erased, which comes first
	word     word     // the func value, for an erased call
	out      reflect.Type
	in       []reflect.Type
	as       []reflect.Type
	life     Lifetime
	teardown Teardown     // when the cleanup runs
	cleanup  reflect.Type // the cleanup result's canonical type, or nil
	errOut   bool         // the last result is an error

	input *inputPlan // non-nil for a provider made by Input
	notes []any      // the values of the Annotations given to Provide

	// Set by link and check, under Container.mu, until the Container is
	// sealed; read-only afterwards.
	deps   []dep
	broken error // a cycle or captive dependency found at seal
	// direct is set at seal for an erased provider whose dependencies
	// are all providers' values or the context: a lean build resolves
	// and calls it in one frame (Scope.buildDirect).
	direct bool
}

func (p *provider) String() string { return p.name }

// provides lists the types p is registered under.
func (p *provider) provides() []reflect.Type {
	return append([]reflect.Type{p.out}, p.as...)
}

// cleanupTypes are the accepted cleanup shapes, each also the canonical type
// a named cleanup type is converted to.
var cleanupTypes = []reflect.Type{
	reflect.TypeFor[func()](),
	reflect.TypeFor[func() error](),
	reflect.TypeFor[func(error)](),
	reflect.TypeFor[func(error) error](),
}

func cleanupType(t reflect.Type) reflect.Type {
	if t.Kind() != reflect.Func {
		return nil
	}
	for _, c := range cleanupTypes {
		if t.ConvertibleTo(c) {
			return c
		}
	}
	return nil
}

// builtin reports whether t is supplied by the Scope itself rather than by a
// provider.
func builtin(t reflect.Type) bool {
	switch t {
	case contextType, scopeType, requestType, writerType:
		return true
	}
	return false
}

const shapes = "func(deps...) T, (T, error), (T, cleanup) or (T, cleanup, error)"

func newProvider(fn any, opts []Option) (*provider, error) {
	var o options
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("Provide: nil Option; pass NoCache, Singleton or As[I](): %w", ErrBadProvider)
		}
		if err := opt.apply(&o); err != nil {
			return nil, fmt.Errorf("Provide: %w", err)
		}
	}
	p := &provider{life: o.lifetime, teardown: o.teardown, as: o.as, notes: o.notes}
	if tp, ok := fn.(Provider); ok {
		p.typed = tp
		if in, ok := tp.(interface{ inputPlan() (*inputPlan, error) }); ok {
			plan, err := in.inputPlan()
			if err != nil {
				return nil, fmt.Errorf("Provide: %w", err)
			}
			if plan.readsBody() && p.life == NoCache {
				return nil, fmt.Errorf("Provide: %T reads the request's body, which can be read once: drop NoCache: %w", tp, ErrBadProvider)
			}
			p.input = plan
		}
		fn = tp.funcValue()
	}
	v := reflect.ValueOf(fn)
	if fn == nil || v.Kind() != reflect.Func {
		return nil, fmt.Errorf("Provide(%T): want a provider func of the form %s: %w", fn, shapes, ErrBadProvider)
	}
	t := v.Type()
	if v.IsNil() {
		return nil, fmt.Errorf("Provide(%v): the func is nil: %w", t, ErrBadProvider)
	}
	p.fn, p.in = v, params(t)
	p.name = t.String() + " " + funcName(v)
	if p.input != nil {
		p.name = "depend." + inputName(t.Out(0))
	}
	if err := p.setResults(t); err != nil {
		return nil, fmt.Errorf("Provide %s: %w", p, err)
	}
	if t.IsVariadic() {
		return nil, fmt.Errorf("Provide %s: variadic providers are not supported; take a slice instead: %w", p, ErrBadProvider)
	}
	if err := p.checkTeardown(); err != nil {
		return nil, fmt.Errorf("Provide %s: %w", p, err)
	}
	// Even a typed provider is called shape-erased when its signature
	// allows: that skips the generic dictionaries and the interface call.
	if p.input == nil { // an Input is bound by its Scope, never called
		p.erased, p.word = newErased(t), funcWord(fn)
	}
	for _, i := range p.as {
		if i.Kind() != reflect.Interface {
			return nil, fmt.Errorf("Provide %s: As[%v]: %v is not an interface: %w", p, i, i, ErrBadProvider)
		}
		if builtin(i) {
			return nil, fmt.Errorf("Provide %s: As[%v]: %v is supplied by the Scope and cannot be provided; drop the As: %w", p, i, i, ErrBadProvider)
		}
		if i == errorType {
			return nil, fmt.Errorf("Provide %s: As[error]: a provider cannot provide error itself; drop the As: %w", p, ErrBadProvider)
		}
		if !p.out.Implements(i) {
			return nil, fmt.Errorf("Provide %s: As[%v]: %v does not implement %v: %w", p, i, p.out, i, ErrBadProvider)
		}
	}
	return p, nil
}

func (p *provider) setResults(t reflect.Type) error {
	n := t.NumOut()
	if n == 0 || n > 3 {
		return fmt.Errorf("got %d results, want %s: %w", n, shapes, ErrBadProvider)
	}
	p.out = t.Out(0)
	switch {
	case p.out == errorType:
		return fmt.Errorf("a provider cannot provide error itself; return (T, error): %w", ErrBadProvider)
	case builtin(p.out):
		return fmt.Errorf("%v is supplied by the Scope and cannot be provided: %w", p.out, ErrBadProvider)
	case isFresh(p.out) || p.out.Kind() == reflect.Pointer && isFresh(p.out.Elem()):
		return fmt.Errorf("provide %v's inner type instead; Fresh is only for parameters: %w", p.out, ErrBadProvider)
	}
	last := t.Out(n - 1)
	p.errOut = n > 1 && last == errorType
	if n == 3 && !p.errOut {
		return fmt.Errorf("the third result is %v, want error (shapes: %s): %w", last, shapes, ErrBadProvider)
	}
	if n == 3 || (n == 2 && !p.errOut) {
		if p.cleanup = cleanupType(t.Out(1)); p.cleanup == nil {
			return fmt.Errorf("the second result is %v, want error or a cleanup (func(), func() error, func(error) or func(error) error): %w", t.Out(1), ErrBadProvider)
		}
	}
	if p.typed != nil && (p.cleanup != nil || !p.errOut) {
		return fmt.Errorf("typed providers return (T, error): %w", ErrBadProvider)
	}
	return nil
}

// depKind says where a parameter's value comes from.
type depKind uint8

const (
	depProvider depKind = iota // a provider's value, shared per its lifetime
	depFresh                   // Fresh[T]: a new call of T's provider
	depMissing                 // nothing provides it
	depContext                 // the Scope's context
	depScope                   // the Scope itself
	depInput                   // an input the Scope is given when it opens, in slot
)

// dep is one compiled parameter.
type dep struct {
	kind  depKind
	slot  uint16       // for depInput: where the Scope keeps the value (kind.go)
	typ   reflect.Type // the parameter's type; for Fresh[T], T
	p     *provider    // for depProvider and depFresh
	fresh freshMarker  // for depFresh: wraps a value into Fresh[T]
}

// isFresh reports whether t is Fresh[U] for some U. A struct that embeds a
// Fresh (or a *Fresh, nil in its zero value) has its methods too, but is a
// type of its own, so t is recognised by its name without calling them.
func isFresh(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == freshMarkerType.PkgPath() &&
		strings.HasPrefix(t.Name(), "Fresh[") && t.Implements(freshMarkerType)
}

// link compiles parameter types to deps against the current registrations.
// The caller holds c.mu or the Container is sealed.
func (c *Container) link(in []reflect.Type) []dep {
	deps := make([]dep, len(in))
	for i, t := range in {
		deps[i] = c.depFor(t)
	}
	return deps
}

func (c *Container) depFor(t reflect.Type) dep {
	switch t {
	case contextType:
		return dep{kind: depContext, typ: t}
	case scopeType:
		return dep{kind: depScope, typ: t}
	}
	if slot := c.slotFor(t); slot >= 0 {
		return dep{kind: depInput, typ: t, slot: uint16(slot)}
	}
	if isFresh(t) {
		f := reflect.Zero(t).Interface().(freshMarker)
		inner := f.freshOf()
		if p := c.byType[inner]; p != nil {
			return dep{kind: depFresh, typ: inner, p: p, fresh: f}
		}
		return dep{kind: depMissing, typ: inner}
	}
	if p := c.byType[t]; p != nil {
		return dep{kind: depProvider, typ: t, p: p}
	}
	return dep{kind: depMissing, typ: t}
}

// seal compiles the graph once: it links every provider, marks those that
// can never be built (cycles, captives) and sizes the per-scope tables.
func (c *Container) seal() {
	if c.sealed.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sealed.Load() {
		return
	}
	for _, p := range c.check(c.providers) {
		if !errors.Is(p, ErrNotProvided) {
			// A missing dependency fails only the values that need it, at
			// resolution; a cycle or captive must never start building.
			p.node.broken = p.GraphError
		}
	}
	c.failedAtSeal = len(c.failed)
	if len(c.failed) > 0 {
		c.unusable = fmt.Errorf("registrations of this Container failed, so it serves no Scope; fix them (Validate lists them): %w", errors.Join(c.failed...))
	}
	if c.general {
		for _, p := range c.providers {
			p.erased = nil
		}
	}
	c.lean = !c.general && c.observer == nil
	for _, p := range c.providers {
		p.direct = p.erased.direct(p.deps)
	}
	n := len(c.providers)
	c.singles = make([]singleton, n)
	c.tables.New = func() any { return newTable(n) }
	c.sealed.Store(true)
}

// Validate checks the whole graph and reports every problem, joined: each
// registration call that failed (Provide, Replace, Observe, SetParallel),
// each missing dependency with the chain that needs it, each cycle with its
// full loop, and each captive dependency (a Singleton that depends on a
// Scoped or NoCache value or on a per-request input). It returns nil when
// every registration succeeded and every provider can be built. Validate
// is safe for concurrent use.
func (c *Container) Validate() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, err := range c.failed {
		errs = append(errs, publicError(err))
	}
	for _, p := range dedupe(c.check(c.providers)) {
		errs = append(errs, publicError(p.GraphError))
	}
	errs = append(errs, c.unsuppliable()...)
	return errors.Join(errs...)
}

// problem is a GraphError and the provider it was found at.
type problem struct {
	*GraphError
	node *provider
}

// checker walks the graph depth first, from the providers nothing depends
// on, so that a reported path starts where a user would start reading.
type checker struct {
	color    []uint8     // by provider id: 0 unvisited, 1 on the path, 2 done
	path     []*provider // the current DFS path
	cycles   map[string]bool
	problems []problem
}

// check reports the problems reachable from roots, in a deterministic order.
// Until the Container is sealed it first links the providers against the
// current registrations; once sealed, links are read-only. The caller holds
// c.mu.
func (c *Container) check(roots []*provider) []problem {
	if !c.sealed.Load() {
		for _, p := range c.providers {
			p.deps = c.link(p.in)
		}
	}
	k := &checker{color: make([]uint8, len(c.providers)), cycles: map[string]bool{}}
	for _, p := range sortRoots(roots, c.providers) {
		if k.color[p.id] == 0 {
			k.visit(p)
		}
	}
	return k.problems
}

// sortRoots puts the roots nothing depends on first.
func sortRoots(roots, all []*provider) []*provider {
	depended := make(map[*provider]bool)
	for _, p := range all {
		for _, d := range p.deps {
			if d.p != nil {
				depended[d.p] = true
			}
		}
	}
	out := slices.Clone(roots)
	slices.SortStableFunc(out, func(a, b *provider) int {
		switch {
		case depended[a] == depended[b]:
			return 0
		case depended[b]:
			return -1
		}
		return 1
	})
	return out
}

func (k *checker) visit(p *provider) {
	k.color[p.id] = 1
	k.path = append(k.path, p)
	for _, d := range p.deps {
		k.edge(p, d)
	}
	k.path = k.path[:len(k.path)-1]
	k.color[p.id] = 2
}

func (k *checker) edge(p *provider, d dep) {
	if p.life == Singleton {
		if why := captive(d); why != "" {
			k.report(p, ErrCaptive, []reflect.Type{p.out, d.typ}, fmt.Sprintf(
				"Singleton %v depends on %s, so it would capture one request's value and share it with every later request; make %v Scoped or NoCache, or make what it depends on a Singleton",
				p.out, why, p.out))
		}
	}
	switch {
	case d.kind == depMissing:
		k.report(p, ErrNotProvided, append(k.types(), d.typ), fmt.Sprintf("nothing provides %v; register a provider for it with Provide", d.typ))
	case d.p != nil && k.color[d.p.id] == 1:
		k.cycle(d.p)
	case d.p != nil && k.color[d.p.id] == 0:
		k.visit(d.p)
	}
}

// captive says why a Singleton must not depend on d, or "" if it may.
func captive(d dep) string {
	switch d.kind {
	case depContext, depScope, depInput:
		return fmt.Sprintf("the per-request input %v", d.typ)
	case depFresh:
		return fmt.Sprintf("Fresh[%v], a value built for one use site", d.typ)
	case depProvider:
		if d.p.life != Singleton {
			return fmt.Sprintf("%v, which is %s", d.typ, d.p.life)
		}
	}
	return ""
}

func (k *checker) cycle(back *provider) {
	start := slices.Index(k.path, back)
	loop := k.path[start:]
	// Rotate so that one loop found from different entry points reads the
	// same, then report it once.
	first := 0
	for i, p := range loop {
		if p.id < loop[first].id {
			first = i
		}
	}
	rotated := append(slices.Clone(loop[first:]), loop[:first]...)
	types := make([]reflect.Type, 0, len(rotated)+1)
	for _, p := range rotated {
		types = append(types, p.out)
	}
	types = append(types, rotated[0].out)
	key := formatPath(types)
	if k.cycles[key] {
		return
	}
	k.cycles[key] = true
	err := &GraphError{Err: ErrCycle, Path: types, Detail: "a value cannot be built from itself; remove one of these dependencies"}
	for _, p := range rotated {
		k.problems = append(k.problems, problem{err, p})
	}
}

func (k *checker) report(p *provider, kind error, path []reflect.Type, detail string) {
	k.problems = append(k.problems, problem{&GraphError{Err: kind, Path: path, Detail: detail}, p})
}

func (k *checker) types() []reflect.Type {
	types := make([]reflect.Type, len(k.path))
	for i, p := range k.path {
		types[i] = p.out
	}
	return types
}

// dedupe drops repeated GraphErrors, which a cycle reports once per member.
func dedupe(problems []problem) []problem {
	seen := make(map[*GraphError]bool)
	out := problems[:0:0]
	for _, p := range problems {
		if !seen[p.GraphError] {
			seen[p.GraphError] = true
			out = append(out, p)
		}
	}
	return out
}
