package chiexample

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/godepend/depend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Deadline is what a provider saw of its context.
type Deadline struct {
	At  time.Time
	OK  bool
	Ctx context.Context
}

// innerKey marks the contexts derived inside middleware.Timeout.
type innerKey struct{}

// TestTimeoutInsideMiddleware: with middleware.Timeout inside c.Middleware,
// a provider built while the handler runs must see the handler's request
// context: its deadline, and the values the middlewares between added.
//
// The case "provider takes context.Context" fails with the library as it is
// today: providers are given the context c.Middleware opened the Scope
// with, which has no deadline. The fix is being made in the root package.
func TestTimeoutInsideMiddleware(t *testing.T) {
	// Long enough never to fire under -race; the test checks the deadline,
	// not timing.
	const timeout = time.Minute
	for _, tc := range []struct {
		name    string
		provide any // provides Deadline
	}{
		{"provider takes context.Context", func(ctx context.Context) Deadline {
			at, ok := ctx.Deadline()
			return Deadline{At: at, OK: ok, Ctx: ctx}
		}},
		{"provider takes *http.Request", func(r *http.Request) Deadline {
			at, ok := r.Context().Deadline()
			return Deadline{At: at, OK: ok, Ctx: r.Context()}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := depend.New()
			require.NoError(t, c.Provide(tc.provide))
			var handlerCtx context.Context
			var got Deadline
			handler := func(ctx context.Context, d Deadline) {
				handlerCtx, got = ctx, d
			}
			mark := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), innerKey{}, "inner")))
				})
			}

			// snippet chi-timeout
			r := chi.NewRouter()
			r.Use(c.Middleware)
			r.Use(middleware.Timeout(timeout)) // inside c.Middleware
			// end snippet
			r.Use(mark)
			r.Method(http.MethodGet, "/", c.Handler(handler))

			start := time.Now()
			rec := serve(r, http.MethodGet, "/", "")
			end := time.Now()
			require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String()) // the handler returns nothing
			require.NotNil(t, handlerCtx, "the handler ran")

			want, ok := handlerCtx.Deadline()
			require.True(t, ok, "the handler's context has middleware.Timeout's deadline")
			assert.WithinRange(t, want, start.Add(timeout), end.Add(timeout))

			require.True(t, got.OK, "a provider built while the handler runs must see the handler's deadline, "+
				"but its context has none: it was given the context c.Middleware opened the Scope with, "+
				"not the request context middleware.Timeout derived")
			assert.Equal(t, want, got.At, "the provider's deadline is the handler's")
			assert.Equal(t, "inner", got.Ctx.Value(innerKey{}), "the provider's context is the handler's or derives from it")
			_, inScope := depend.ScopeFrom(got.Ctx)
			assert.True(t, inScope, "the provider's context still carries the Scope")
		})
	}
}

// TestTimeoutOutsideMiddleware: middleware.Timeout before c.Middleware
// bounds the whole Scope, so a provider sees the deadline whether middleware
// code or the handler resolves it first.
func TestTimeoutOutsideMiddleware(t *testing.T) {
	const timeout = time.Minute
	c := depend.New()
	require.NoError(t, c.Provide(func(ctx context.Context) Deadline {
		at, ok := ctx.Deadline()
		return Deadline{At: at, OK: ok, Ctx: ctx}
	}))
	var got, early Deadline
	resolveEarly := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, ok := depend.ScopeFrom(r.Context())
			if !ok {
				http.Error(w, "resolveEarly must run inside c.Middleware", http.StatusInternalServerError)
				return
			}
			var err error
			if early, err = depend.Resolve[Deadline](s); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	handler := c.Handler(func(d Deadline) { got = d })
	for _, tc := range []struct {
		name  string
		use   []func(http.Handler) http.Handler
		early bool
	}{
		{"resolved by the handler", []func(http.Handler) http.Handler{middleware.Timeout(timeout), c.Middleware}, false},
		{"resolved by middleware code", []func(http.Handler) http.Handler{middleware.Timeout(timeout), c.Middleware, resolveEarly}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, early = Deadline{}, Deadline{}
			r := chi.NewRouter()
			r.Use(tc.use...)
			r.Method(http.MethodGet, "/", handler)

			start := time.Now()
			rec := serve(r, http.MethodGet, "/", "")
			end := time.Now()
			require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String()) // the handler returns nothing
			require.True(t, got.OK, "the provider's context has Timeout's deadline")
			assert.WithinRange(t, got.At, start.Add(timeout), end.Add(timeout))
			if tc.early {
				assert.Equal(t, got, early, "the handler got the value middleware code resolved")
			}
		})
	}
}
