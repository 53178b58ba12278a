package depend

// Code in this file registers handlers as routes, keeping their method and
// pattern, so that tools can describe an API from its graph: Routes lists
// each route with every provider it reaches, and the openapi package turns
// that into an OpenAPI document.

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
)

// Mux is a router that Handle registers with: *http.ServeMux, chi.Router,
// or any router with this method. It must accept a pattern that starts with
// a method, such as "GET /notes/{id}", as both of those do.
type Mux interface {
	Handle(pattern string, handler http.Handler)
}

// Prefixed returns a Mux that registers with mux and has Handle record
// each route under prefix, for a router that is served under prefix: a chi
// subrouter from r.Route("/v4", ...) or r.Mount, or a ServeMux behind
// http.StripPrefix. Routes, and so the OpenAPI document, then show the
// path a client calls, /v4/tasks/{id}, while mux sees the pattern it
// routes, /tasks/{id}. It is safe for concurrent use if mux is.
func Prefixed(prefix string, mux Mux) Mux {
	return &prefixMux{Mux: mux, prefix: strings.TrimSuffix(prefix, "/")}
}

type prefixMux struct {
	Mux
	prefix string
}

// Handle is Group.Handle for the Container's own routes, with no
// requirements.
func (c *Container) Handle(mux Mux, pattern string, fn any, notes ...Annotation) {
	c.Group().Handle(mux, pattern, fn, notes...)
}

// Handle wraps fn with Handler and registers it with mux under pattern,
// as mux.Handle(pattern, g.Handler(fn)) does, and records the route for
// Routes: its method and pattern, its handler, what it reaches and notes,
// the values of Annotations such as the openapi package's Summary.
//
// Like Handler, it panics if fn's graph is broken; it also panics if mux is
// nil, and when mux itself panics (a malformed or conflicting pattern) the
// route is not recorded. It is safe for concurrent use if mux.Handle is.
func (g *Group) Handle(mux Mux, pattern string, fn any, notes ...Annotation) {
	g.mustBeMade("Handle")
	if mux == nil {
		panic(publicError(fmt.Errorf("Handle(nil, %q): pass the router to register with, such as an *http.ServeMux: %w", pattern, ErrBadProvider)))
	}
	h := g.Handler(fn).(*handler)
	mux.Handle(pattern, h)
	r := route{pattern: pattern, h: h, requires: make([]reflect.Type, len(g.requires))}
	for p, ok := mux.(*prefixMux); ok; p, ok = p.Mux.(*prefixMux) {
		r.prefix += p.prefix
	}
	for i, req := range g.requires {
		r.requires[i] = req.t
	}
	for _, n := range notes {
		r.notes = append(r.notes, n.v)
	}
	g.c.mu.Lock()
	g.c.routes = append(g.c.routes, r)
	g.c.mu.Unlock()
}

// route is one call of Handle.
type route struct {
	pattern  string
	prefix   string // from Prefixed, outermost first
	h        *handler
	requires []reflect.Type
	notes    []any
}

// Route describes a handler registered with Handle. It is a snapshot:
// changing it changes nothing in the Container.
type Route struct {
	// Method is the pattern's method, such as "GET"; "" if it has none.
	Method string
	// Pattern is the rest of the pattern as given, such as "/notes/{id}"
	// (with its host, if it names one), under the prefix of Prefixed.
	Pattern string
	// Handler names the handler func and where it is declared, such as
	// "main.listNotes (/src/app/notes.go:42)".
	Handler string
	// Params are the handler's parameters as declared.
	Params []reflect.Type
	// Requires are the Group's requirements, outermost first.
	Requires []reflect.Type
	// Body is the type of the JSON body the handler answers with: T for a
	// handler that returns T, (T, error) or Response[T]; nil if it returns
	// no value.
	Body reflect.Type
	// Status is the success status the handler's signature determines: 200
	// for a value, 204 for no value when the handler takes no
	// http.ResponseWriter or *Scope. It is 0 when the status is decided at
	// run time: by a Response, by the value's StatusCode method, or by the
	// handler writing the response itself.
	Status int
	// Notes are the values of the Annotations given to Handle, in order.
	Notes []any
	// Reach describes every provider that the requirements and the
	// handler's parameters lead to, each once, in the order first reached:
	// the inputs the route binds and the notes of its dependencies are
	// there.
	Reach []Node
}

// Routes describes the routes registered with Handle, in the order they
// were registered. It is safe for concurrent use.
func (c *Container) Routes() []Route {
	c.mu.Lock()
	routes := slices.Clone(c.routes)
	c.mu.Unlock()
	out := make([]Route, len(routes))
	for i, r := range routes {
		out[i] = r.describe()
	}
	return out
}

func (r *route) describe() Route {
	h := r.h
	d := Route{
		Pattern: strings.TrimLeft(r.pattern, " \t"), Handler: funcName(h.fn),
		Params: slices.Clone(h.in), Requires: slices.Clone(r.requires),
		Notes: slices.Clone(r.notes), Reach: reachNodes(slices.Concat(h.pre, h.deps)),
	}
	if i := strings.IndexAny(d.Pattern, " \t"); i >= 0 {
		d.Method, d.Pattern = d.Pattern[:i], strings.TrimLeft(d.Pattern[i+1:], " \t")
	}
	if strings.HasPrefix(d.Pattern, "/") {
		d.Pattern = r.prefix + d.Pattern
	}
	d.Body, d.Status = h.success()
	return d
}

var statusCoderType = reflect.TypeFor[statusCoder]()

// success returns the type of the value h answers with, and its status if
// the signature alone decides it.
func (h *handler) success() (reflect.Type, int) {
	if !h.value {
		if slices.Contains(h.in, writerType) || slices.Contains(h.in, scopeType) {
			return nil, 0 // it may write the response itself
		}
		return nil, http.StatusNoContent
	}
	t := h.fn.Type().Out(0)
	if r, ok := reflect.Zero(t).Interface().(responder); ok {
		return r.bodyType(), 0
	}
	if t.Implements(statusCoderType) {
		return t, 0
	}
	return t, http.StatusOK
}
