package chiexample

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/go-chi/chi/v5"
	"github.com/godepend/depend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const annToken = "t-ann"

func newApp(t *testing.T) *App {
	t.Helper()
	a, err := NewApp(Options{
		Tokens: map[string]string{annToken: "ann"},
		Tasks:  []Task{{ID: 1, Title: "write the recipe"}, {ID: 2, Title: "test it"}},
		Files:  fstest.MapFS{"hello.txt": {Data: []byte("hello, chi\n")}},
	})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, a.Close()) })
	return a
}

// serve sends one request through h; token, if set, is sent as a bearer
// token.
func serve(h http.Handler, method, target, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// problemBody is the application/problem+json body (RFC 9457) depend
// answers an error with; detail is left out when it would repeat the title.
func problemBody(status int, detail string) string {
	if detail == "" {
		return fmt.Sprintf(`{"type":"about:blank","title":%q,"status":%d}`+"\n", http.StatusText(status), status)
	}
	return fmt.Sprintf(`{"type":"about:blank","title":%q,"status":%d,"detail":%q}`+"\n", http.StatusText(status), status, detail)
}

// TestMiddlewareFirstSharesOneScope: with r.Use(c.Middleware) first, the
// *Trace that traceHeader (chi middleware code) resolves is the one the
// handler gets: its provider runs once per request.
func TestMiddlewareFirstSharesOneScope(t *testing.T) {
	a := newApp(t)
	for _, tc := range []struct {
		name, method, target, token string
		wantStatus                  int
		bodyTrace                   bool // the JSON body has the handler's "trace"
	}{
		{"public depend handler", http.MethodGet, "/tasks/1", "", http.StatusOK, true},
		{"depend handler behind the auth group", http.MethodGet, "/me", annToken, http.StatusOK, true},
		{"plain handler behind the auth group", http.MethodGet, "/files/hello.txt", annToken, http.StatusOK, false},
		{"request the group refuses", http.MethodGet, "/me", "", http.StatusUnauthorized, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.traces.Load()
			rec := serve(a, tc.method, tc.target, tc.token)
			require.Equal(t, tc.wantStatus, rec.Code, rec.Body.String())

			assert.Equal(t, before+1, a.traces.Load(), "the Trace provider runs exactly once per request")
			header := rec.Header().Get("X-Trace")
			assert.Equal(t, strconv.FormatInt(before+1, 10), header, "traceHeader resolved this request's Trace")
			if tc.bodyTrace {
				var body struct {
					Trace int64 `json:"trace"`
				}
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
				assert.Equal(t, header, strconv.FormatInt(body.Trace, 10), "the handler got the Trace the middleware resolved")
			}
		})
	}
}

// TestMiddlewareOrder shows why c.Middleware comes first: chi middleware
// code that uses the Scope finds one only inside it, and without it each
// Handler opens its own.
func TestMiddlewareOrder(t *testing.T) {
	c := depend.New()
	var builds atomic.Int64
	require.NoError(t, c.Provide(func() *Trace { return &Trace{Seq: builds.Add(1)} }))
	for _, tc := range []struct {
		name       string
		use        []func(http.Handler) http.Handler
		wantStatus int
		wantBuilds int64
		wantBody   string
	}{
		{"c.Middleware first", []func(http.Handler) http.Handler{c.Middleware, traceHeader}, http.StatusOK, 1, "1\n"},
		{"c.Middleware after the code that needs it", []func(http.Handler) http.Handler{traceHeader, c.Middleware}, http.StatusInternalServerError, 0, "traceHeader must run inside c.Middleware\n"},
		{"no c.Middleware", []func(http.Handler) http.Handler{traceHeader}, http.StatusInternalServerError, 0, "traceHeader must run inside c.Middleware\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			builds.Store(0)
			r := chi.NewRouter()
			r.Use(tc.use...)
			r.Method(http.MethodGet, "/", c.Handler(func(tr *Trace) int64 { return tr.Seq }))

			rec := serve(r, http.MethodGet, "/", "")
			assert.Equal(t, tc.wantStatus, rec.Code)
			assert.Equal(t, tc.wantBody, rec.Body.String())
			assert.Equal(t, tc.wantBuilds, builds.Load(), "Trace provider calls")
		})
	}
}

// TestURLParamInProvider: a provider reads chi.URLParam from the handler's
// request and answers 400 or 404 itself; the handler runs only for a task
// that exists.
func TestURLParamInProvider(t *testing.T) {
	a := newApp(t)
	for _, tc := range []struct {
		target     string
		wantStatus int
		wantBody   string
	}{
		{"/tasks/1", http.StatusOK, `{"id":1,"title":"write the recipe","trace":%s}` + "\n"},
		{"/tasks/2", http.StatusOK, `{"id":2,"title":"test it","trace":%s}` + "\n"},
		{"/tasks/abc", http.StatusBadRequest, problemBody(http.StatusBadRequest, "task id must be a positive integer")},
		{"/tasks/0", http.StatusBadRequest, problemBody(http.StatusBadRequest, "task id must be a positive integer")},
		{"/tasks/-3", http.StatusBadRequest, problemBody(http.StatusBadRequest, "task id must be a positive integer")},
		{"/tasks/99", http.StatusNotFound, problemBody(http.StatusNotFound, "no task 99")},
	} {
		t.Run(tc.target, func(t *testing.T) {
			rec := serve(a, http.MethodGet, tc.target, "")
			assert.Equal(t, tc.wantStatus, rec.Code)
			want := tc.wantBody
			if tc.wantStatus == http.StatusOK {
				assert.Equal(t, "max-age=60", rec.Header().Get("Cache-Control"), "the r.With middleware ran")
				want = fmt.Sprintf(want, rec.Header().Get("X-Trace"))
			}
			assert.Equal(t, want, rec.Body.String())
		})
	}
}

// TestAuthGroup: the routes under r.Use(api.Middleware) or
// r.With(api.Middleware) answer 401 without a valid token and their
// handlers never run; the routes outside the group are unaffected, and the
// r.With middleware of /tasks/{id} applies to that route only.
func TestAuthGroup(t *testing.T) {
	a := newApp(t)
	for _, tc := range []struct {
		name, method, target, token string
		wantStatus                  int
		wantRuns                    int64 // runs of the group's handlers
		wantCache                   string
	}{
		{"/me without a token", http.MethodGet, "/me", "", http.StatusUnauthorized, 0, ""},
		{"/me with an unknown token", http.MethodGet, "/me", "nope", http.StatusUnauthorized, 0, ""},
		{"/me with a token", http.MethodGet, "/me", annToken, http.StatusOK, 1, ""},
		{"delete without a token: auth comes before the bad id", http.MethodDelete, "/tasks/abc", "", http.StatusUnauthorized, 0, ""},
		{"delete a bad id with a token: the id provider refuses", http.MethodDelete, "/tasks/abc", annToken, http.StatusBadRequest, 0, ""},
		{"delete without a token", http.MethodDelete, "/tasks/2", "", http.StatusUnauthorized, 0, ""},
		{"delete with a token", http.MethodDelete, "/tasks/2", annToken, http.StatusNoContent, 1, ""},
		{"delete it again", http.MethodDelete, "/tasks/2", annToken, http.StatusNotFound, 1, ""},
		{"public route without a token", http.MethodGet, "/tasks/1", "", http.StatusOK, 0, "max-age=60"},
		{"public route with an unknown token", http.MethodGet, "/tasks/1", "nope", http.StatusOK, 0, "max-age=60"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.protected.Load()
			rec := serve(a, tc.method, tc.target, tc.token)
			assert.Equal(t, tc.wantStatus, rec.Code, rec.Body.String())
			assert.Equal(t, tc.wantRuns, a.protected.Load()-before, "runs of the group's handlers")
			assert.Equal(t, tc.wantCache, rec.Header().Get("Cache-Control"))
			if tc.wantStatus == http.StatusUnauthorized {
				assert.Equal(t, `Bearer realm="tasks"`, rec.Header().Get("WWW-Authenticate"))
				assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
				assert.Equal(t, problemBody(http.StatusUnauthorized, ""), rec.Body.String())
			}
		})
	}
	t.Run("/me answers the caller", func(t *testing.T) {
		rec := serve(a, http.MethodGet, "/me", annToken)
		require.Equal(t, http.StatusOK, rec.Code)
		var body struct{ Name string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		assert.Equal(t, "ann", body.Name)
	})
}

// TestGroupMiddlewareProtectsPlainHandlers: api.Middleware guards an
// http.FileServer and a plain chi HandlerFunc, which know nothing of depend.
func TestGroupMiddlewareProtectsPlainHandlers(t *testing.T) {
	a := newApp(t)
	for _, tc := range []struct {
		name, target, token string
		wantStatus          int
		wantBody            string
	}{
		{"file without a token", "/files/hello.txt", "", http.StatusUnauthorized, problemBody(http.StatusUnauthorized, "")},
		{"file with an unknown token", "/files/hello.txt", "nope", http.StatusUnauthorized, problemBody(http.StatusUnauthorized, "")},
		{"file with a token", "/files/hello.txt", annToken, http.StatusOK, "hello, chi\n"},
		{"missing file with a token", "/files/nope.txt", annToken, http.StatusNotFound, "404 page not found\n"},
		{"plain handler without a token", "/stats", "", http.StatusUnauthorized, problemBody(http.StatusUnauthorized, "")},
		{"plain handler with a token", "/stats", annToken, http.StatusOK, "traces %d\n"}, // one Trace per request so far
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(a, http.MethodGet, tc.target, tc.token)
			assert.Equal(t, tc.wantStatus, rec.Code)
			want := tc.wantBody
			if strings.Contains(want, "%d") {
				want = fmt.Sprintf(want, a.traces.Load())
			}
			assert.Equal(t, want, rec.Body.String())
		})
	}
}

// TestInputPathParam: an Input's path:"id" field reads chi's {id} through
// HTTPOptions.PathValue; a bad id is a 422 that names path.id, with the
// value, before the handler or any provider of the route runs.
func TestInputPathParam(t *testing.T) {
	a := newApp(t)
	for _, tc := range []struct {
		target     string
		wantStatus int
		wantBody   string // %s: the request's trace
	}{
		{"/v2/tasks/1", http.StatusOK, `{"id":1,"title":"write the recipe","trace":%s}` + "\n"},
		{"/v2/tasks/2", http.StatusOK, `{"id":2,"title":"test it","trace":%s}` + "\n"},
		{"/v2/tasks/99", http.StatusNotFound, problemBody(http.StatusNotFound, "no task 99")},
		{"/v2/tasks/abc", http.StatusUnprocessableEntity, inputProblem(`{"location":"path.id","message":"want an integer","value":"abc"}`)},
		{"/v2/tasks/0", http.StatusUnprocessableEntity, inputProblem(`{"location":"path.id","message":"must be at least 1","value":"0"}`)},
		{"/v2/tasks/-3", http.StatusUnprocessableEntity, inputProblem(`{"location":"path.id","message":"must be at least 1","value":"-3"}`)},
	} {
		t.Run(tc.target, func(t *testing.T) {
			rec := serve(a, http.MethodGet, tc.target, "")
			assert.Equal(t, tc.wantStatus, rec.Code)
			want := tc.wantBody
			if tc.wantStatus == http.StatusOK {
				want = fmt.Sprintf(want, rec.Header().Get("X-Trace"))
			} else {
				assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			}
			assert.Equal(t, want, rec.Body.String())
		})
	}
}

// inputProblem is the 422 problem body of an InputError with these errors.
func inputProblem(errors ...string) string {
	return `{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request's inputs are invalid","errors":[` +
		strings.Join(errors, ",") + "]}\n"
}
