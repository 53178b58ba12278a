package depend_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

type noteID struct {
	ID int64 `path:"id"`
}

type statusful struct{}

func (statusful) StatusCode() int { return http.StatusAccepted }

func TestHandleServesAndRecordsTheRoute(t *testing.T) {
	c, _ := newHTTP(t)
	require.NoError(t, c.Provide(depend.Input[noteID]()))
	require.NoError(t, c.Provide(authUser))
	mux := http.NewServeMux()
	c.Group(depend.Require[*httpUser]()).Handle(mux, "GET /notes/{id}",
		func(in noteID) (int64, error) { return in.ID, nil }, depend.Annotate("a note"))

	rec := serve(mux, "GET", "/notes/7", "Authorization", "Bearer ada")
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "7\n", rec.Body.String())

	routes := c.Routes()
	require.Len(t, routes, 1)
	r := routes[0]
	assert.Equal(t, "GET", r.Method)
	assert.Equal(t, "/notes/{id}", r.Pattern)
	assert.Contains(t, r.Handler, "route_test.go")
	assert.Equal(t, []reflect.Type{reflect.TypeFor[noteID]()}, r.Params)
	assert.Equal(t, []reflect.Type{reflect.TypeFor[*httpUser]()}, r.Requires)
	assert.Equal(t, reflect.TypeFor[int64](), r.Body)
	assert.Equal(t, 200, r.Status)
	assert.Equal(t, []any{"a note"}, r.Notes)
	var reached []reflect.Type
	for _, n := range r.Reach {
		reached = append(reached, n.Type)
	}
	assert.Equal(t, []reflect.Type{reflect.TypeFor[*httpUser](), reflect.TypeFor[noteID]()}, reached, "requirements first")
	require.Len(t, r.Reach[1].Inputs, 1)
	assert.Equal(t, "path", r.Reach[1].Inputs[0].In)
}

func TestRouteStatusAndBodyFollowTheHandlersResults(t *testing.T) {
	type note struct{ Text string }
	tests := []struct {
		name   string
		fn     any
		body   reflect.Type
		status int
	}{
		{"a value", func() note { return note{} }, reflect.TypeFor[note](), 200},
		{"a value and an error", func() (*note, error) { return nil, nil }, reflect.TypeFor[*note](), 200},
		{"a Response", func() depend.Response[note] { return depend.Created("/n/1", note{}) }, reflect.TypeFor[note](), 0},
		{"a value with StatusCode", func() statusful { return statusful{} }, reflect.TypeFor[statusful](), 0},
		{"an error only", func() error { return nil }, nil, 204},
		{"nothing", func() {}, nil, 204},
		{"the writer", func(w http.ResponseWriter) { w.WriteHeader(200) }, nil, 0},
		{"a HandlerFunc", func(w http.ResponseWriter, r *http.Request) {}, nil, 0},
		{"the Scope", func(*depend.Scope) error { return nil }, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			c.Handle(http.NewServeMux(), "POST /x", tt.fn)
			r := c.Routes()[0]
			assert.Equal(t, tt.body, r.Body)
			assert.Equal(t, tt.status, r.Status)
		})
	}
}

func TestRoutePatternsSplitTheirMethod(t *testing.T) {
	tests := []struct{ pattern, method, path string }{
		{"GET /a", "GET", "/a"},
		{"DELETE\t /b/{id}", "DELETE", "/b/{id}"},
		{"/c", "", "/c"},
		{"GET example.com/d", "GET", "example.com/d"},
	}
	c := depend.New()
	mux := http.NewServeMux()
	for _, tt := range tests {
		c.Handle(mux, tt.pattern, func() {})
	}
	for i, r := range c.Routes() {
		assert.Equal(t, tests[i].method, r.Method, tests[i].pattern)
		assert.Equal(t, tests[i].path, r.Pattern, tests[i].pattern)
	}
}

func TestHandleRefusesWhatCannotBeRouted(t *testing.T) {
	c := depend.New()
	mux := http.NewServeMux()
	c.Handle(mux, "GET /taken", func() {})

	err := panicOf(func() { c.Handle(nil, "GET /x", func() {}) })
	assert.ErrorIs(t, err, depend.ErrBadProvider)
	assert.ErrorContains(t, err, `depend: Handle(nil, "GET /x"): pass the router`)

	err = panicOf(func() { c.Handle(mux, "GET /missing", func(*httpUser) {}) })
	assert.ErrorIs(t, err, depend.ErrNotProvided)

	assert.NotNil(t, recoverOf(func() { c.Handle(mux, "GET /taken", func() {}) }), "ServeMux refuses a pattern registered twice")

	err = panicOf(func() { (&depend.Group{}).Handle(mux, "GET /y", func() {}) })
	assert.ErrorIs(t, err, depend.ErrBadProvider)

	require.Len(t, c.Routes(), 1, "a refused route is not recorded")
}

// recoverOf returns what f panicked with, or nil.
func recoverOf(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// panicOf returns the error f panicked with.
func panicOf(f func()) error {
	p := recoverOf(f)
	err, _ := p.(error)
	if err == nil && p != nil {
		return errors.New("panicked with a non-error")
	}
	return err
}

// TestRoutesAndNodesDuringHandle: Routes and Nodes are documented as safe
// for concurrent use, and Handle as safe when mux.Handle is; run under
// -race.
func TestRoutesAndNodesDuringHandle(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(depend.Input[noteID]()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			for _, r := range c.Routes() {
				_ = len(r.Reach)
			}
			for _, n := range c.Nodes() {
				_ = n.Inputs
			}
		}
	}()
	mux := http.NewServeMux()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Handle(mux, fmt.Sprintf("GET /n%d/{id}", i), func(in noteID) int64 { return in.ID })
		}()
	}
	wg.Wait()
	<-done
	assert.Len(t, c.Routes(), 20)
}

func TestPrefixedRecordsThePathAClientCalls(t *testing.T) {
	c := depend.New()
	outer := http.NewServeMux()
	inner := http.NewServeMux()
	outer.Handle("/v4/", http.StripPrefix("/v4", inner))
	c.Handle(depend.Prefixed("/v4/", inner), "GET /tasks/{id}", func() string { return "task" })
	c.Handle(depend.Prefixed("/api", depend.Prefixed("/v5", inner)), "GET /items", func() {})

	rec := serve(outer, "GET", "/v4/tasks/1")
	assert.Equal(t, 200, rec.Code, "the inner mux routes the pattern as given")
	routes := c.Routes()
	assert.Equal(t, "/v4/tasks/{id}", routes[0].Pattern)
	assert.Equal(t, "/api/v5/items", routes[1].Pattern, "outermost prefix first")
}
