package depend_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// Types of a small request graph: Service needs Repo and User, both need Tx.
type (
	Pool  struct{ _ int } // not zero-size: distinct values have distinct addresses
	Repo  struct{ Tx *Tx }
	User  struct{ Name string }
	Audit struct {
		User *User
		Tx   *Tx
	}
	Greeter interface{ Greet() string }
)

func (u *User) Greet() string { return "hello " + u.Name }

// counter counts provider calls by name, safely across goroutines.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func newCounter() *counter { return &counter{n: map[string]int{}} }

func (c *counter) inc(name string) {
	c.mu.Lock()
	c.n[name]++
	c.mu.Unlock()
}

func (c *counter) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

func provide(t *testing.T, c *depend.Container, fn any, opts ...depend.Option) {
	t.Helper()
	require.NoError(t, c.Provide(fn, opts...))
}

func scope(t *testing.T, c *depend.Container) *depend.Scope {
	t.Helper()
	s := c.NewScope(context.Background())
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

// graph registers Tx <- Repo, User; Audit(User, Tx); each counts its calls.
func graph(t *testing.T, calls *counter) *depend.Container {
	c := depend.New()
	provide(t, c, func() *Tx { calls.inc("tx"); return &Tx{} })
	provide(t, c, func(tx *Tx) *Repo { calls.inc("repo"); return &Repo{Tx: tx} })
	provide(t, c, func() *User { calls.inc("user"); return &User{Name: "ada"} })
	provide(t, c, func(u *User, tx *Tx) *Audit { calls.inc("audit"); return &Audit{u, tx} })
	provide(t, c, func(r *Repo, a *Audit, u *User) *Service { calls.inc("service"); return &Service{} })
	return c
}

// sharedCode returns a provider of *T made by reflect.MakeFunc: all such
// funcs share one code pointer, as closures from one factory do.
func sharedCode[T any](calls *atomic.Int32) any {
	typ := reflect.TypeFor[func() *T]()
	return reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
		calls.Add(1)
		return []reflect.Value{reflect.ValueOf(new(T))}
	}).Interface()
}

type codeError struct{ code int }

func (e *codeError) Error() string { return fmt.Sprintf("code %d", e.code) }

func mustErr[T any](_ T, err error) error { return err }

func TestFresh(t *testing.T) {
	var txCalls, poolCalls, cleanups atomic.Int32
	c := depend.New()
	provide(t, c, func() *Pool { poolCalls.Add(1); return &Pool{} })
	provide(t, c, func(p *Pool) (*Tx, func()) {
		txCalls.Add(1)
		return &Tx{}, func() { cleanups.Add(1) }
	})
	s := c.NewScope(context.Background())
	require.NoError(t, s.Invoke(func(fresh depend.Fresh[*Tx], cached *Tx, fresh2 depend.Fresh[*Tx], again *Tx) {
		assert.NotSame(t, fresh.Value, cached)
		assert.NotSame(t, fresh.Value, fresh2.Value)
		assert.Same(t, cached, again, "a Fresh call does not fill the cache, whatever the order")
	}))
	assert.Equal(t, int32(3), txCalls.Load())
	assert.Equal(t, int32(1), poolCalls.Load(), "a fresh value's dependencies come from the cache")
	fresh, err := depend.Resolve[depend.Fresh[*Tx]](s)
	require.NoError(t, err)
	assert.NotNil(t, fresh.Value)
	require.NoError(t, s.Close())
	assert.Equal(t, int32(4), cleanups.Load(), "fresh values are torn down too")
}

func TestAs(t *testing.T) {
	var calls atomic.Int32
	c := depend.New()
	provide(t, c, func() *User { calls.Add(1); return &User{Name: "ada"} }, depend.As[Greeter]())
	s := scope(t, c)
	require.NoError(t, s.Invoke(func(g Greeter, u *User) {
		assert.Equal(t, "hello ada", g.Greet())
		assert.Same(t, u, g.(*User), "the interface shares the concrete type's cache entry")
	}))
	assert.Equal(t, int32(1), calls.Load())
}

func TestInvoke(t *testing.T) {
	errHandler := errors.New("handler failed")
	c := depend.New()
	provide(t, c, func() *Tx { return &Tx{} })
	s := scope(t, c)
	for _, tc := range []struct {
		name string
		fn   any
		want error
	}{
		{"no results", func(*Tx) {}, nil},
		{"nil error", func(*Tx) error { return nil }, nil},
		{"error", func(*Tx) error { return errHandler }, errHandler},
		{"value and error", func(*Tx) (int, error) { return 1, errHandler }, errHandler},
		{"value only", func(*Tx) int { return 1 }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Invoke(tc.fn)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.Same(t, tc.want, err, "the func's own error is returned as is")
		})
	}
}

func TestInvokeMisuse(t *testing.T) {
	c := depend.New()
	s := scope(t, c)
	var nilFunc func()
	for _, tc := range []struct {
		name string
		fn   any
		want string
	}{
		{"nil", nil, "want a func"},
		{"not a func", 42, "want a func"},
		{"nil func", nilFunc, "want a func"},
		{"variadic", func(...int) {}, "variadic"},
		{"missing", func(*Tx) {}, "nothing provides *depend_test.Tx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Invoke(tc.fn)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "depend: "), err.Error())
		})
	}
}

func TestInvokePanicLeavesTheScopeClosable(t *testing.T) {
	var cleaned atomic.Int32
	c := depend.New()
	provide(t, c, func() (*Tx, func()) { return &Tx{}, func() { cleaned.Add(1) } })
	s := c.NewScope(context.Background())
	assert.PanicsWithValue(t, "handler bug", func() {
		s.Invoke(func(*Tx) { panic("handler bug") })
	})
	require.NoError(t, s.Close())
	assert.Equal(t, int32(1), cleaned.Load())
}

func TestResolveMissing(t *testing.T) {
	c := depend.New()
	provide(t, c, func(p *Pool) *Tx { return &Tx{} })
	s := scope(t, c)
	_, err := depend.Resolve[*Repo](s)
	require.ErrorIs(t, err, depend.ErrNotProvided)
	_, err = depend.Resolve[*Tx](s)
	require.ErrorIs(t, err, depend.ErrNotProvided)
	assert.Equal(t, "depend: build *depend_test.Tx: not provided: *depend_test.Pool: nothing provides *depend_test.Pool; register a provider for it with Provide", err.Error())
	_, err = depend.Resolve[depend.Fresh[*Repo]](s)
	require.ErrorIs(t, err, depend.ErrNotProvided)
}

type Pool2 struct{}

func containsPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func TestProvideRejects(t *testing.T) {
	var nilFunc func() *Tx
	for _, tc := range []struct {
		name string
		fn   any
		opts []depend.Option
		want string
	}{
		{"nil", nil, nil, "Provide(<nil>): want a provider func"},
		{"not a func", 42, nil, "Provide(int): want a provider func"},
		{"nil func", nilFunc, nil, "the func is nil"},
		{"no result", func() {}, nil, "got 0 results"},
		{"four results", func() (int, int, int, int) { return 0, 0, 0, 0 }, nil, "got 4 results"},
		{"error type", func() error { return nil }, nil, "cannot provide error itself"},
		{"bad second result", func() (*Tx, int) { return nil, 0 }, nil, "the second result is int"},
		{"bad third result", func() (*Tx, func(), int) { return nil, nil, 0 }, nil, "the third result is int"},
		{"bad cleanup", func() (*Tx, func(int), error) { return nil, nil, nil }, nil, "the second result is func(int)"},
		{"context", func() context.Context { return nil }, nil, "supplied by the Scope"},
		{"fresh", func() depend.Fresh[*Tx] { return depend.Fresh[*Tx]{} }, nil, "Fresh is only for parameters"},
		{"variadic", func(...int) *Tx { return nil }, nil, "variadic providers are not supported"},
		{"two lifetimes", func() *Tx { return nil }, []depend.Option{depend.NoCache, depend.Singleton}, "contradict"},
		{"nil option", func() *Tx { return nil }, []depend.Option{nil}, "nil Option"},
		{"unknown lifetime", func() *Tx { return nil }, []depend.Option{depend.Lifetime(7)}, "Lifetime(7) is not a lifetime"},
		{"As a struct", func() *User { return nil }, []depend.Option{depend.As[User]()}, "is not an interface"},
		{"As unimplemented", func() *Tx { return nil }, []depend.Option{depend.As[Greeter]()}, "does not implement"},
		{"typed provider of a func type", depend.Func0(func() (func(), error) { return nil, nil }), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := depend.New().Provide(tc.fn, tc.opts...)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, depend.ErrBadProvider)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "depend: "), err.Error())
		})
	}
}

func TestProvideRejectsASecondProvider(t *testing.T) {
	c := depend.New()
	provide(t, c, func() *User { return nil }, depend.As[Greeter]())
	for _, tc := range []struct {
		name string
		fn   any
		opts []depend.Option
	}{
		{"same type", func() *User { return nil }, nil},
		{"same interface", func() *Audit { return nil }, []depend.Option{depend.As[fmt.Stringer](), depend.As[Greeter]()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Provide(tc.fn, tc.opts...)
			require.ErrorIs(t, err, depend.ErrAlreadyProvided)
			assert.Contains(t, err.Error(), "is already provided by func() *depend_test.User")
		})
	}
}

func (*Audit) Greet() string  { return "" }
func (*Audit) String() string { return "" }

func TestProvideAfterTheFirstScopeIsRefused(t *testing.T) {
	c := depend.New()
	provide(t, c, func() *Tx { return &Tx{} })
	require.NoError(t, c.Validate())
	provide(t, c, func() *Pool { return &Pool{} }) // Validate does not seal
	scope(t, c)
	err := c.Provide(func() *User { return nil })
	require.ErrorIs(t, err, depend.ErrSealed)
	assert.Contains(t, err.Error(), "register every provider before the first NewScope or Handler")
}

func TestLifetimeString(t *testing.T) {
	for l, want := range map[depend.Lifetime]string{
		depend.Scoped: "scoped", depend.NoCache: "nocache", depend.Singleton: "singleton", 7: "Lifetime(7)",
	} {
		assert.Equal(t, want, l.String())
	}
}

type (
	regDB   struct{ name string }
	regRepo struct{}
)

// A registration call that fails is kept by the Container, so that code
// which ignores its error, as quick snippets do, still fails at startup:
// Validate reports it, Handler and Middleware refuse to wrap, and no Scope
// serves a half-wired graph in which the first provider silently won.
func TestFailedRegistrationsCannotBeLost(t *testing.T) {
	tests := []struct {
		name     string
		register func(c *depend.Container)
		sentinel error
		message  string
	}{
		{"not a func", func(c *depend.Container) { c.Provide(42) }, depend.ErrBadProvider, "Provide(int)"},
		{"a wrong shape", func(c *depend.Container) { c.Provide(func() (*regDB, int) { return nil, 0 }) }, depend.ErrBadProvider, "the second result is int"},
		{"a duplicate", func(c *depend.Container) { c.Provide(func() *regDB { return &regDB{name: "second"} }) }, depend.ErrAlreadyProvided, "*depend_test.regDB is already provided"},
		{"a Replace of nothing", func(c *depend.Container) { c.Replace(func() *regRepo { return nil }) }, depend.ErrNotProvided, "nothing to replace"},
		{"a nil observer", func(c *depend.Container) { c.Observe(nil) }, depend.ErrBadProvider, "Observe"},
		{"a bad option", func(c *depend.Container) { c.Provide(func() *regRepo { return nil }, depend.Lifetime(9)) }, depend.ErrBadProvider, "Lifetime(9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newApp := func() *depend.Container {
				c := depend.New()
				c.Provide(func() *regDB { return &regDB{name: "first"} })
				tt.register(c) // the error is ignored, as in a snippet
				return c
			}

			err := newApp().Validate()
			require.ErrorIs(t, err, tt.sentinel)
			require.ErrorContains(t, err, tt.message)

			for what, wrap := range map[string]func(c *depend.Container){
				"Handler":    func(c *depend.Container) { c.Handler(func(*regDB) {}) },
				"Middleware": func(c *depend.Container) { c.Middleware(http.NotFoundHandler()) },
			} {
				func() {
					defer func() {
						p := recover()
						require.NotNil(t, p, "%s wrapped a Container whose registration failed", what)
						require.ErrorIs(t, p.(error), tt.sentinel)
						require.ErrorContains(t, p.(error), "a registration failed")
					}()
					wrap(newApp())
				}()
			}

			s := newApp().NewScope(context.Background())
			db, err := depend.Resolve[*regDB](s)
			require.ErrorIs(t, err, tt.sentinel, "a Scope served a Container whose registration failed")
			require.ErrorContains(t, err, "registrations of this Container failed")
			require.Nil(t, db)
			require.ErrorIs(t, s.Invoke(func(*regDB) {}), tt.sentinel)
			require.NoError(t, s.Close())
		})
	}
}

// A registration refused because the Container was already sealed does not
// take down the Scopes that are serving, but Validate still reports it.
func TestRegistrationAfterSealIsReported(t *testing.T) {
	c := depend.New()
	provide(t, c, func() *regDB { return &regDB{} })
	s := scope(t, c)
	require.ErrorIs(t, c.Provide(func() *regRepo { return nil }), depend.ErrSealed)
	require.ErrorIs(t, c.SetParallel(true), depend.ErrSealed)
	_, err := depend.Resolve[*regDB](s)
	require.NoError(t, err)
	err = c.Validate()
	require.ErrorIs(t, err, depend.ErrSealed)
	require.ErrorContains(t, err, "depend: Provide func() *depend_test.regRepo")
	require.ErrorContains(t, err, "depend: SetParallel: call it before")
}

// TestZeroContainer checks that a Container declared as a variable, not made
// by New, works instead of panicking on a nil map at the first Provide.
func TestZeroContainerWorks(t *testing.T) {
	var c depend.Container
	require.NoError(t, c.Provide(func() *Tx { return &Tx{} }))
	require.NoError(t, c.Validate())
	s := c.NewScope(t.Context())
	defer s.Close()
	tx, err := depend.Resolve[*Tx](s)
	require.NoError(t, err)
	assert.NotNil(t, tx)
}

// TestStructEmbeddingFreshIsItsOwnType checks that a struct that embeds a
// Fresh is provided and resolved like any type, not taken for a Fresh
// parameter (which made reflect.Value.Call panic in Invoke).
func TestStructEmbeddingFreshIsItsOwnType(t *testing.T) {
	t.Run("provided", func(t *testing.T) {
		c := depend.New()
		provide(t, c, func() *Tx { return &Tx{} })
		require.NoError(t, c.Provide(func() embedsFresh { return embedsFresh{n: 7} }))
		s := scope(t, c)
		v, err := depend.Resolve[embedsFresh](s)
		require.NoError(t, err)
		assert.Equal(t, 7, v.n)
		var got embedsFresh
		require.NoError(t, s.Invoke(func(e embedsFresh) { got = e }))
		assert.Equal(t, 7, got.n)
	})
	t.Run("missing", func(t *testing.T) {
		c := depend.New()
		provide(t, c, func() *Tx { return &Tx{} })
		s := scope(t, c)
		_, err := depend.Resolve[embedsFresh](s)
		require.ErrorIs(t, err, depend.ErrNotProvided)
		require.ErrorIs(t, s.Invoke(func(embedsFresh) {}), depend.ErrNotProvided)
		require.ErrorIs(t, s.Invoke(func(embedsFreshPointer) {}), depend.ErrNotProvided)
	})
}

// TestProvideRejectsAsBuiltin checks that As cannot bind a type the Scope
// supplies itself: parameters would get the Scope's value and Resolve the
// provider's, two answers for one type.
func TestProvideRejectsAsBuiltin(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   any
		opt  depend.Option
		want string
	}{
		{"context", func() *ctxImpl { return &ctxImpl{context.Background()} }, depend.As[context.Context](), "context.Context is supplied by the Scope"},
		{"writer", func() *writerImpl { return &writerImpl{} }, depend.As[http.ResponseWriter](), "http.ResponseWriter is supplied by the Scope"},
		{"error", func() *depend.HTTPError { return &depend.HTTPError{} }, depend.As[error](), "cannot provide error itself"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := depend.New().Provide(tc.fn, tc.opt)
			require.ErrorIs(t, err, depend.ErrBadProvider)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// ctxImpl is a context.Context of a provider's own, which As could
// register under an interface the Scope supplies.
type ctxImpl struct{ context.Context }

// writerImpl is an http.ResponseWriter of a provider's own.
type writerImpl struct{ http.ResponseWriter }

// embedsFresh has Fresh's methods by embedding, but is a type of its own.
type embedsFresh struct {
	depend.Fresh[*Tx]
	n int
}

// embedsFreshPointer has Fresh's methods through a pointer, nil in its zero
// value.
type embedsFreshPointer struct{ *depend.Fresh[*Tx] }
