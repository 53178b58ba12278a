package chiexample

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/godepend/depend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RequestID is chi's request id, as a provided type.
type RequestID string

// snippet chi-requestid-provider
func requestID(r *http.Request) RequestID {
	return RequestID(middleware.GetReqID(r.Context())) // "" before middleware.RequestID ran
}

// end snippet

// TestRequestIDAfterMiddleware documents which request id a provider that
// reads middleware.GetReqID gets, depending on where middleware.RequestID is
// and who resolves the provider first. The value is cached for the request,
// so the first resolution decides: a Handler joining c.Middleware's Scope
// gives providers its own request, which RequestID has tagged, but
// middleware code that resolves it through ScopeFrom caches "": providers it
// builds see the request c.Middleware received, whether that code runs
// before or after RequestID. Only RequestID placed before c.Middleware gives
// middleware code the id.
func TestRequestIDAfterMiddleware(t *testing.T) {
	const id = "req-abc"
	c := depend.New()
	var builds atomic.Int64
	require.NoError(t, c.Provide(func(r *http.Request) RequestID {
		builds.Add(1)
		return requestID(r)
	}))
	// early is middleware code that resolves the RequestID before the handler.
	early := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, ok := depend.ScopeFrom(r.Context())
			if !ok {
				http.Error(w, "early must run inside c.Middleware", http.StatusInternalServerError)
				return
			}
			v, err := depend.Resolve[RequestID](s)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("X-Early", string(v))
			next.ServeHTTP(w, r)
		})
	}
	type seen struct {
		Provided RequestID // what the handler got from the provider
		Own      string    // middleware.GetReqID of the handler's own request
	}
	handler := c.Handler(func(r *http.Request, v RequestID) seen {
		return seen{Provided: v, Own: middleware.GetReqID(r.Context())}
	})
	type mw = func(http.Handler) http.Handler
	for _, tc := range []struct {
		name      string
		use       []mw
		early     bool
		wantEarly RequestID // what early resolved
		want      RequestID // what the handler got
	}{
		{"(a) RequestID after c.Middleware, first resolved by the handler",
			[]mw{c.Middleware, middleware.RequestID}, false, "", id},
		{"(b) resolved early, between c.Middleware and RequestID: \"\" is cached",
			[]mw{c.Middleware, early, middleware.RequestID}, true, "", ""},
		// Middleware code resolves with the Scope's request, the one
		// c.Middleware received, even when it runs after RequestID: only
		// a Handler joining the Scope updates the request providers see.
		{"resolved early, after RequestID: \"\" is cached too",
			[]mw{c.Middleware, middleware.RequestID, early}, true, "", ""},
		{"RequestID before c.Middleware, resolved early",
			[]mw{middleware.RequestID, c.Middleware, early}, true, id, id},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := builds.Load()
			r := chi.NewRouter()
			r.Use(tc.use...)
			r.Method(http.MethodGet, "/", handler)

			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set(middleware.RequestIDHeader, id)
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

			var got seen
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
			assert.Equal(t, id, got.Own, "the handler's own request carries the id")
			assert.Equal(t, tc.want, got.Provided, "the handler's RequestID")
			assert.Equal(t, int64(1), builds.Load()-before, "the provider runs once: its value is cached for the request")
			early, resolvedEarly := rec.Header()["X-Early"]
			require.Equal(t, tc.early, resolvedEarly, "early ran")
			if tc.early {
				assert.Equal(t, []string{string(tc.wantEarly)}, early, "the RequestID early resolved")
			}
		})
	}
}
