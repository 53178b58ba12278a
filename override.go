package depend

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// Overrides for tests. A test forks the application's Container and replaces
// providers in the fork: the original is never written to, so forks can be
// made and used by parallel tests, and the request path of every Container
// is the same code whether it was forked or not.

// Fork returns a new, unsealed Container with the registrations of c: the
// same providers, lifetimes and As bindings, the same Kinds (reach the
// fork's copy of a Kind with Kind.In), HTTPOptions, observers and parallel
// setting, and the failed registrations, but none of c's state. The fork builds its
// own Singletons and runs their cleanups at its own Close, and it can take
// more Provide calls, observers or Replace calls before its first NewScope or
// Handler; handlers wrapped by c stay c's. c may be sealed or not, and is
// left unchanged.
//
// Fork is safe for concurrent use, also with requests served by c.
func (c *Container) Fork() *Container {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := New()
	f.providers = make([]*provider, len(c.providers))
	for i, p := range c.providers {
		q := *p
		// Links and graph problems are per Container: the fork links
		// against its own providers when it is validated or sealed.
		q.deps, q.broken = nil, nil
		f.providers[i] = &q
	}
	for t, p := range c.byType {
		f.byType[t] = f.providers[p.id]
	}
	// The fork's Scopes are of the same kinds; Kind.In finds the copies.
	f.slots = maps.Clone(c.slots)
	for _, k := range c.kinds {
		fk := *k
		fk.c = f
		f.kinds = append(f.kinds, &fk)
	}
	f.http.Store(c.http.Load())
	f.observer, f.parallel = c.observer, c.parallel
	// The failures that shaped c's graph; a call refused because c was
	// already sealed says nothing about the fork's.
	f.failed = slices.Clone(c.failed)
	if c.sealed.Load() {
		f.failed = slices.Clone(c.failed[:c.failedAtSeal])
	}
	return f
}

// Replace swaps the provider of the type fn provides for fn, on a Container
// that is not sealed yet, typically a Fork made by a test. fn's parameters are
// its own dependencies, linked like any provider's; call Validate after the
// replacements to check the resulting graph.
//
// Options not given are taken from the provider being replaced: without a
// Lifetime, fn keeps its lifetime; without a Teardown, fn's cleanup runs
// when the old one's would; and without As, fn keeps its As bindings,
// so a fake keeps the wiring of the value it stands in for. If fn provides
// an interface that another provider offers through As, only that
// interface is rebound; the other provider keeps its own type.
//
// Replace fails with ErrNotProvided if nothing provides fn's type (so a typo
// cannot silently add a provider), with ErrSealed after the first NewScope
// or Handler, and with ErrAlreadyProvided if one of fn's As types belongs to a
// third provider. A failed Replace is kept, as a failed Provide is. It is
// safe for concurrent use.
func (c *Container) Replace(fn any, opts ...Option) error {
	return c.keep(c.replace(fn, opts))
}

func (c *Container) replace(fn any, opts []Option) error {
	p, err := newProvider(fn, opts)
	if err != nil {
		return fmt.Errorf("Replace: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sealed.Load() {
		return fmt.Errorf("Replace %s: replace providers before the first NewScope or Handler, or Fork the Container and replace in the fork: %w", p, ErrSealed)
	}
	old := c.byType[p.out]
	if old == nil {
		return fmt.Errorf("Replace %s: nothing provides %v, so there is nothing to replace; check the type, or use Provide to add a provider: %w", p, p.out, ErrNotProvided)
	}
	inherit(p, old, opts)
	if err := p.checkTeardown(); err != nil { // with the lifetime it inherited
		return fmt.Errorf("Replace %s: %w", p, err)
	}
	for _, t := range p.provides() {
		if c.slots[t] > 0 { // as Provide: a Kind's input has no provider
			return fmt.Errorf("Replace %s: %v is an input of %s, given to each Scope when it opens, and cannot be provided: %w", p, t, c.suppliers(t), ErrBadProvider)
		}
		if owner := c.byType[t]; owner != nil && owner != old {
			return fmt.Errorf("Replace %s: %v is provided by %s; Replace that type on its own: %w", p, t, owner, ErrAlreadyProvided)
		}
	}
	if old.out == p.out {
		c.takeOver(old, p)
	} else {
		c.rebind(old, p)
	}
	return nil
}

// inherit gives p the lifetime and As bindings of old that opts leave unset.
func inherit(p, old *provider, opts []Option) {
	var o options
	for _, opt := range opts {
		_ = opt.apply(&o) // already validated by newProvider
	}
	if !o.lifetimeSet {
		p.life = old.life
	}
	if !o.teardownSet && p.cleanup != nil && p.life != Singleton {
		p.teardown = old.teardown
	}
	if len(o.as) == 0 && old.out == p.out {
		p.as = old.as
	}
}

// takeOver puts p in old's place: same id, so ids stay dense, and every type
// old was registered under is unbound before p's types are bound, so no As
// binding keeps pointing at the replaced provider.
func (c *Container) takeOver(old, p *provider) {
	for _, t := range old.provides() {
		delete(c.byType, t)
	}
	p.id = old.id
	c.providers[p.id] = p
	for _, t := range p.provides() {
		c.byType[t] = p
	}
}

// rebind moves the interfaces p provides away from old, which keeps its
// own type, and adds p as a new provider.
func (c *Container) rebind(old, p *provider) {
	moved := p.provides()
	// Clone: the slice may be shared with the Container this one was
	// forked from, which must not change.
	old.as = slices.DeleteFunc(slices.Clone(old.as), func(t reflect.Type) bool {
		return slices.Contains(moved, t)
	})
	p.id = len(c.providers)
	c.providers = append(c.providers, p)
	for _, t := range moved {
		c.byType[t] = p
	}
}
