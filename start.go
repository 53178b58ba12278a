package depend

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// Code in this file builds the Singletons at startup, so that a database
// that cannot be opened fails the deployment, not the first request.

// Start checks c as Validate does and builds its Singletons, each at most
// once. Without roots it builds every Singleton; with roots (funcs such as
// handlers, whose parameters are what they need) it also checks what those
// reach, as Handler does, and builds only the Singletons they reach, through
// providers of any lifetime. ctx bounds the startup: once it has ended, no
// further Singleton starts, and observers see it as the Event's Context. It
// does not reach the providers, since a Singleton cannot take a
// context.Context (it would be one request's); one whose open may hang sets
// its own deadline. A failure is reported with the path from the Singleton
// that needed it, such as
//
//	depend: Start: build *Repo: build *sql.DB: unable to open database file
//
// and every failure is reported, joined; what depends on a failed Singleton
// is not built. A Singleton that failed is built again by the next use, as
// always. Start seals the Container. Call it after the registrations and
// before serving:
//
//	if err := c.Start(ctx); err != nil {
//		log.Fatal(err)
//	}
//
// Start is safe for concurrent use, also with requests being served.
func (c *Container) Start(ctx context.Context, roots ...any) error {
	rootDeps, err := rootParams(roots)
	if err != nil {
		return publicError(fmt.Errorf("Start: %w", err))
	}
	if err := c.Validate(); err != nil {
		return err
	}
	s := c.NewScope(ctx)
	defer s.Close() // Singletons depend only on Singletons: nothing is left in s
	var errs []error
	for i, in := range rootDeps {
		if err := c.checkDeps(fmt.Sprintf("Start: root %d", i), c.link(in)); err != nil {
			errs = append(errs, err)
		}
	}
	if errs != nil {
		return errors.Join(errs...)
	}
	if err := s.enter(); err != nil {
		return publicError(fmt.Errorf("Start: %w", err))
	}
	defer s.leave()
	st := &starter{s: s, done: make(map[*provider]error)}
	for _, p := range c.startTargets(rootDeps) {
		st.build(p, nil)
	}
	s.raiseObserverPanic()
	return errors.Join(st.errs...)
}

// rootParams returns the parameter types of each root func.
func rootParams(roots []any) ([][]reflect.Type, error) {
	in := make([][]reflect.Type, len(roots))
	for i, fn := range roots {
		v := reflect.ValueOf(fn)
		if fn == nil || v.Kind() != reflect.Func || v.IsNil() {
			return nil, fmt.Errorf("root %d is %T; want a func such as a handler, whose parameters are what it needs: %w", i, fn, ErrBadProvider)
		}
		in[i] = params(v.Type())
	}
	return in, nil
}

// startTargets lists the Singletons to build: those the roots reach, or
// without roots all of them, those no other Singleton needs first, so that a
// failure's path starts where a reader would. The Container is sealed.
func (c *Container) startTargets(roots [][]reflect.Type) []*provider {
	if len(roots) == 0 {
		var all []*provider
		for _, p := range c.providers {
			if p.life == Singleton {
				all = append(all, p)
			}
		}
		return sortRoots(all, all)
	}
	var targets []*provider
	seen := make(map[*provider]bool)
	var walk func([]dep)
	walk = func(deps []dep) {
		for _, d := range deps {
			switch {
			case d.p == nil || seen[d.p]:
			case d.p.life == Singleton:
				seen[d.p] = true
				targets = append(targets, d.p)
			default:
				seen[d.p] = true
				walk(d.p.deps)
			}
		}
	}
	for _, in := range roots {
		walk(c.link(in))
	}
	return targets
}

// starter builds Singletons in dependency order, each at most once.
type starter struct {
	s    *Scope
	done map[*provider]error // built (nil) or failed, by provider
	errs []error             // each failure once, with its path
}

// build builds p after the Singletons it depends on; path is the chain of
// Singletons that led to p.
func (st *starter) build(p *provider, path []reflect.Type) error {
	if err, ok := st.done[p]; ok {
		return err
	}
	path = append(path, p.out)
	for _, d := range p.deps { // Validate made sure they are Singletons
		if err := st.build(d.p, path); err != nil {
			st.done[p] = &BuildError{p.out, err} // not called: a dependency failed
			return st.done[p]
		}
	}
	_, err := st.s.get(p)
	st.done[p] = err
	if err != nil {
		for i := len(path) - 2; i >= 0; i-- {
			err = &BuildError{path[i], err}
		}
		st.errs = append(st.errs, publicError(fmt.Errorf("Start: %w", err)))
	}
	return st.done[p]
}
