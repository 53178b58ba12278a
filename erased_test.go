package depend_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// Types for the shape-erased call tests: one per parameter position.
type (
	e1 struct{ n int }
	e2 struct{ n int }
	e3 struct{ n int }
	e4 struct{ n int }
	e5 struct{ n int }
	e6 struct{ n int }
	e7 struct{ n int }
)

type erasedCtxKey struct{}

// provideLeaves registers e1..e7, each a pointer-only provider, which the
// shape-erased call handles.
func provideLeaves(t *testing.T, c *depend.Container) {
	provide(t, c, func() *e1 { return &e1{1} })
	provide(t, c, func() (*e2, error) { return &e2{2}, nil })
	provide(t, c, func() *e3 { return &e3{3} })
	provide(t, c, func() *e4 { return &e4{4} })
	provide(t, c, func() *e5 { return &e5{5} })
	provide(t, c, func() *e6 { return &e6{6} })
	provide(t, c, func() *e7 { return &e7{7} })
}

// TestErasedShapes covers every arity and result shape of the shape-erased
// call, with context.Context and http.ResponseWriter as two-word
// parameters, and a signature too wide for it (seven words), which falls
// back to reflection: all must see the same values.
func TestErasedShapes(t *testing.T) {
	errFail := errors.New("failed")
	for _, tc := range []struct {
		name    string
		fn      any
		wantErr bool // fn returns errFail
	}{
		{"none", func() error { return nil }, false},
		{"one word", func(a *e1) error { return check(a.n == 1) }, false},
		{"context", func(ctx context.Context) error { return check(ctx.Value(erasedCtxKey{}) == "v") }, false},
		{"context and pointers", func(ctx context.Context, a *e1, b *e2, c *e3, d *e4) error {
			return check(ctx.Value(erasedCtxKey{}) == "v" && a.n+b.n+c.n+d.n == 10)
		}, false},
		{"six words", func(a *e1, b *e2, c *e3, d *e4, e *e5, f *e6) error {
			return check(a.n+b.n+c.n+d.n+e.n+f.n == 21)
		}, false},
		{"seven words fall back", func(a *e1, b *e2, c *e3, d *e4, e *e5, f *e6, g *e7) error {
			return check(a.n+b.n+c.n+d.n+e.n+f.n+g.n == 28)
		}, false},
		{"scope", func(s *depend.Scope) error { return check(s != nil) }, false},
		{"error result", func(*e1) error { return errFail }, true},
		{"pointer and error result", func(*e2) (*e1, error) { return nil, errFail }, true},
		{"no results", func(*e1, *e2) {}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := depend.New()
			provideLeaves(t, c)
			s := c.NewScope(context.WithValue(context.Background(), erasedCtxKey{}, "v"))
			defer s.Close()
			err := s.Invoke(tc.fn)
			if tc.wantErr {
				require.ErrorIs(t, err, errFail)
				return
			}
			require.NoError(t, err)
		})
	}
}

// erasedSum is what the providers of TestErasedProvidersOfEveryArity
// build: a sum of their arguments weighted by position, so that arguments
// passed in the wrong order give another sum.
type erasedSum struct{ n int }

func weigh(ns ...int) *erasedSum {
	sum := 0
	for i, n := range ns {
		sum += (i + 1) * n
	}
	return &erasedSum{sum}
}

func ctxN(ctx context.Context) int { return len(ctx.Value(erasedCtxKey{}).(string)) }

// TestErasedProvidersOfEveryArity resolves providers called shape-erased
// with every word count, context.Context among them, in both result
// shapes: each must receive its arguments in order.
func TestErasedProvidersOfEveryArity(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   any
		want int
	}{
		{"0", func() *erasedSum { return weigh() }, 0},
		{"1", func(a *e1) *erasedSum { return weigh(a.n) }, 1},
		{"2", func(a *e1, b *e2) *erasedSum { return weigh(a.n, b.n) }, 5},
		{"3", func(a *e1, b *e2, c *e3) *erasedSum { return weigh(a.n, b.n, c.n) }, 14},
		{"4", func(a *e1, b *e2, c *e3, d *e4) *erasedSum { return weigh(a.n, b.n, c.n, d.n) }, 30},
		{"5", func(ctx context.Context, c *e3, d *e4, e *e5) *erasedSum { return weigh(ctxN(ctx), c.n, d.n, e.n) }, 3 + 6 + 12 + 20},
		{"6", func(a *e1, b *e2, c *e3, d *e4, e *e5, f *e6) *erasedSum { return weigh(a.n, b.n, c.n, d.n, e.n, f.n) }, 91},
		{"0 and error", func() (*erasedSum, error) { return weigh(), nil }, 0},
		{"1 and error", func(a *e1) (*erasedSum, error) { return weigh(a.n), nil }, 1},
		{"2 and error", func(ctx context.Context) (*erasedSum, error) { return weigh(ctxN(ctx)), nil }, 3},
		{"3 and error", func(a *e1, b *e2, c *e3) (*erasedSum, error) { return weigh(a.n, b.n, c.n), nil }, 14},
		{"4 and error", func(ctx context.Context, a *e1, b *e2) (*erasedSum, error) { return weigh(ctxN(ctx), a.n, b.n), nil }, 3 + 2 + 6},
		{"5 and error", func(a *e1, b *e2, c *e3, d *e4, e *e5) (*erasedSum, error) {
			return weigh(a.n, b.n, c.n, d.n, e.n), nil
		}, 55},
		{"6 and error", func(ctx context.Context, a *e1, b *e2, c *e3, d *e4) (*erasedSum, error) {
			return weigh(ctxN(ctx), a.n, b.n, c.n, d.n), nil
		}, 3 + 2 + 6 + 12 + 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := depend.New()
			provideLeaves(t, c)
			provide(t, c, tc.fn)
			s := c.NewScope(context.WithValue(context.Background(), erasedCtxKey{}, "abc"))
			defer s.Close()
			got, err := depend.Resolve[*erasedSum](s)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.n)
		})
	}
}

var errCheck = errors.New("check failed")

func check(ok bool) error {
	if !ok {
		return errCheck
	}
	return nil
}

// TestErasedProviders checks providers called shape-erased: a nil pointer
// result stays a typed nil, an error result is wrapped with the path, and a
// context parameter sees the Scope's context.
func TestErasedProviders(t *testing.T) {
	errFail := errors.New("failed")
	c := depend.New()
	provide(t, c, func(ctx context.Context) *e1 { return &e1{len(ctx.Value(erasedCtxKey{}).(string))} })
	provide(t, c, func(a *e1) *e2 { return nil })
	provide(t, c, func(a *e1, b *e2) (*e3, error) {
		if b != nil {
			return &e3{a.n}, nil
		}
		return nil, errFail
	})
	s := c.NewScope(context.WithValue(context.Background(), erasedCtxKey{}, "abc"))
	defer s.Close()
	a, err := depend.Resolve[*e1](s)
	require.NoError(t, err)
	assert.Equal(t, 3, a.n)
	b, err := depend.Resolve[*e2](s)
	require.NoError(t, err)
	assert.Nil(t, b)
	_, err = depend.Resolve[*e3](s)
	require.ErrorIs(t, err, errFail)
	assert.Equal(t, "depend: build *depend_test.e3: failed", err.Error())
}

// TestErasedInvokeOfANilFunc checks that a nil func is refused even when
// Invoke has already compiled a func of its type.
func TestErasedInvokeOfANilFunc(t *testing.T) {
	c := depend.New()
	provideLeaves(t, c)
	s := c.NewScope(context.Background())
	defer s.Close()
	require.NoError(t, s.Invoke(func(*e1) error { return nil }))
	var nilFn func(*e1) error
	err := s.Invoke(nilFn)
	require.ErrorIs(t, err, depend.ErrBadProvider)
}

// TestErasedWriterOutsideHTTP checks that an http.ResponseWriter parameter
// of an erased call fails clearly in a Scope that has no request.
func TestErasedWriterOutsideHTTP(t *testing.T) {
	c := depend.New()
	s := c.NewScope(context.Background())
	defer s.Close()
	err := s.Invoke(func(http.ResponseWriter) {})
	require.ErrorIs(t, err, depend.ErrNotProvided)
	assert.Contains(t, err.Error(), "exists only in a Scope opened for an HTTP request")
}

// TestTypedProvidersOfValues covers Func0..Func6 with value types, which
// the shape-erased call does not take, so the typed call serves them.
func TestTypedProvidersOfValues(t *testing.T) {
	type (
		s1 string
		s2 string
		s3 string
		s4 string
		s5 string
		s6 string
	)
	c := depend.New()
	for _, p := range []depend.Provider{
		depend.Func0(func() (int, error) { return 1, nil }),
		depend.Func1(func(a int) (s1, error) { return s1(rune('a' + a - 1)), nil }),
		depend.Func2(func(a int, b s1) (s2, error) { return s2(b) + "b", nil }),
		depend.Func3(func(a int, b s1, c s2) (s3, error) { return s3(c) + "c", nil }),
		depend.Func4(func(a int, b s1, c s2, d s3) (s4, error) { return s4(d) + "d", nil }),
		depend.Func5(func(a int, b s1, c s2, d s3, e s4) (s5, error) { return s5(e) + "e", nil }),
		depend.Func6(func(a int, b s1, c s2, d s3, e s4, f s5) (s6, error) { return s6(f) + "f", nil }),
	} {
		provide(t, c, p)
	}
	s := c.NewScope(context.Background())
	defer s.Close()
	got, err := depend.Resolve[s6](s)
	require.NoError(t, err)
	assert.Equal(t, s6("abcdef"), got)
}

// TestErasedHandlerSeesItsOwnRequest checks a Handler called shape-erased
// under Middleware, behind a router that derives the request's context: its
// context, request and writer are the ones it was served with, not the
// ones the Scope was opened with, and its *T result is written as JSON.
func TestErasedHandlerSeesItsOwnRequest(t *testing.T) {
	c := depend.New()
	provide(t, c, func() *e1 { return &e1{1} })
	var got bool
	h := c.Handler(func(ctx context.Context, r *http.Request, w http.ResponseWriter, a *e1) (*e2, error) {
		got = ctx.Value(erasedCtxKey{}) == "routed" && r.Context() == ctx && a.n == 1
		w.Header().Set("X-Seen", "yes")
		return &e2{2}, nil
	})
	router := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), erasedCtxKey{}, "routed")))
	})
	rec := httptest.NewRecorder()
	c.Middleware(router).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.True(t, got, "the handler did not get its own context and request")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "yes", rec.Header().Get("X-Seen"))
	assert.JSONEq(t, "{}", rec.Body.String()) // e2's field is unexported
}
