package depend

// Code in this file is route and group dependencies: a Group names types
// to build before each of its handlers runs (FastAPI's dependencies=[...]),
// and wrapping a handler checks everything it reaches.

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
)

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
	sv := survey(all)
	if len(sv.bodyReaders) > 1 {
		return publicError(fmt.Errorf("%s: the request's body can be read once, but %s read it; bind it in one Input and share that value: %w", h.name, strings.Join(sv.bodyReaders, " and "), ErrBadProvider))
	}
	h.inputs = sv.inputs
	h.needReq, h.needW = h.needReq || sv.req, h.needW || sv.w
	return errors.Join(g.c.checkDeps(h.name, all), g.c.HTTPKind().checkSupplied(h.name, all))
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

// surveyed is what a handler's graph reaches, found in one walk.
type surveyed struct {
	// req and w: whether the graph reaches the request or the writer. A
	// *Scope reaches both, since anything can be resolved from it.
	req, w bool
	inputs []dep // the Inputs, in the order first reached, bound before the rest
	// bodyReaders names each Input that reads the body, once per Fresh
	// use too: a request's body can be read once.
	bodyReaders []string
}

// survey walks the graph reachable from deps, through providers.
func survey(deps []dep) surveyed {
	var sv surveyed
	seen := make(map[*provider]bool)
	var walk func([]dep)
	walk = func(deps []dep) {
		for _, d := range deps {
			switch {
			case d.kind == depInput && d.slot == slotRequest:
				sv.req = true
			case d.kind == depInput && d.slot == slotWriter:
				sv.w = true
			case d.kind == depScope:
				sv.req, sv.w = true, true
			}
			if d.p == nil {
				continue
			}
			first := !seen[d.p]
			if in := d.p.input; in != nil {
				if first {
					sv.inputs = append(sv.inputs, dep{kind: depProvider, typ: d.p.out, p: d.p})
				}
				if in.readsBody() && (first || d.kind == depFresh) {
					sv.bodyReaders = append(sv.bodyReaders, d.p.name)
				}
			}
			if first {
				seen[d.p] = true
				walk(d.p.deps)
			}
		}
	}
	walk(deps)
	return sv
}
