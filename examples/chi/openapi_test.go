package chiexample

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
	"github.com/godepend/depend/openapi"
)

// TestHandleOnChi registers a route with Handle on a chi router, through
// r.With and with a regexp parameter, and checks that chi serves it and
// that the OpenAPI document has it as an OpenAPI path with the Input's
// path parameter, read with chi.URLParam.
func TestHandleOnChi(t *testing.T) {
	a := newApp(t)
	r := a.Handler.(*chi.Mux)
	a.c.Handle(r.With(middleware.SetHeader("Cache-Control", "no-store")), "GET /v3/tasks/{id:[0-9]+}", getTaskByRef,
		openapi.Fails(http.StatusNotFound, "no such task"))

	rec := serve(a, "GET", "/v3/tasks/1", "")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "r.With's middleware ran")
	assert.JSONEq(t, `{"id":1,"title":"write the recipe","trace":`+rec.Header().Get("X-Trace")+`}`, rec.Body.String())
	assert.Equal(t, http.StatusNotFound, serve(a, "GET", "/v3/tasks/x", "").Code, "chi's regexp refuses it")
	assert.Equal(t, http.StatusUnprocessableEntity, serve(a, "GET", "/v3/tasks/0", "").Code, "the Input's minimum")

	doc, err := openapi.New(a.c, openapi.Info{Title: "tasks", Version: "1"})
	require.NoError(t, err)
	op := doc.Paths["/v3/tasks/{id}"]["get"]
	require.NotNil(t, op, "chi's {id:[0-9]+} is OpenAPI's {id}")
	require.Len(t, op.Parameters, 1)
	p := op.Parameters[0]
	assert.Equal(t, []any{"id", "path", true, "integer", "1"}, []any{p.Name, p.In, p.Required, p.Schema.Type, string(p.Schema.Minimum)})
	assert.Contains(t, op.Responses, "404")
	assert.Contains(t, op.Responses, "422")
}

// TestHandleInsideChiRouteDocumentsTheServedPath: a route registered with
// Handle on the router that r.Route (or r.Mount) hands out is served under
// the prefix, /v4/tasks/1, while the subrouter sees /tasks/{id}; wrapped
// in depend.Prefixed, it is documented as the path a client calls.
func TestHandleInsideChiRouteDocumentsTheServedPath(t *testing.T) {
	a := newApp(t)
	r := a.Handler.(*chi.Mux)
	r.Route("/v4", func(sub chi.Router) {
		a.c.Handle(depend.Prefixed("/v4", sub), "GET /tasks/{id:[0-9]+}", getTaskByRef)
	})
	require.Equal(t, http.StatusOK, serve(a, "GET", "/v4/tasks/1", "").Code)

	doc, err := openapi.New(a.c, openapi.Info{Title: "tasks", Version: "1"})
	require.NoError(t, err)
	assert.Contains(t, doc.Paths, "/v4/tasks/{id}", "the path chi serves")
	assert.NotContains(t, doc.Paths, "/tasks/{id}", "a path chi does not serve")
}
