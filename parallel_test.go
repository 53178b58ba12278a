package depend_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

type (
	pA   struct{}
	pB   struct{}
	pC   struct{}
	pDep struct{}
)

// barrier lets n providers through only once all n have arrived, so it
// completes only if they run concurrently. A stuck barrier fails the test
// after a generous timeout instead of hanging it.
type barrier struct {
	wg      sync.WaitGroup
	arrived chan struct{}
}

func newBarrier(n int) *barrier {
	b := &barrier{arrived: make(chan struct{})}
	b.wg.Add(n)
	go func() { b.wg.Wait(); close(b.arrived) }()
	return b
}

func (b *barrier) await() error {
	b.wg.Done()
	select {
	case <-b.arrived:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("barrier: the providers did not run concurrently")
	}
}

// newParallel registers three providers of pA, pB and pC that all wait on one
// barrier, plus a shared pDep each of them depends on.
func newParallel(t *testing.T, on bool, depCalls *atomic.Int32) *depend.Container {
	t.Helper()
	c := depend.New()
	b := newBarrier(3)
	require.NoError(t, c.Provide(func() *pDep { depCalls.Add(1); return &pDep{} }))
	require.NoError(t, c.Provide(func(*pDep) (*pA, error) { return &pA{}, b.await() }))
	require.NoError(t, c.Provide(depend.Func1(func(*pDep) (*pB, error) { return &pB{}, b.await() })))
	require.NoError(t, c.Provide(func(context.Context, *pDep) (*pC, error) { return &pC{}, b.await() }))
	require.NoError(t, c.SetParallel(on))
	return c
}

func TestParallelResolvesConcurrentlyOnce(t *testing.T) {
	tests := []struct {
		name    string
		resolve func(s *depend.Scope) error
	}{
		{"Invoke", func(s *depend.Scope) error { return s.Invoke(func(*pA, *pB, *pC) {}) }},
		{"reflective provider", func(s *depend.Scope) error {
			_, err := depend.Resolve[string](s)
			return err
		}},
		{"typed provider", func(s *depend.Scope) error {
			_, err := depend.Resolve[int](s)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var depCalls atomic.Int32
			c := newParallel(t, true, &depCalls)
			require.NoError(t, c.Provide(func(*pA, *pB, *pC) string { return "ok" }))
			require.NoError(t, c.Provide(depend.Func3(func(*pA, *pB, *pC) (int, error) { return 1, nil })))
			s := c.NewScope(context.Background())
			require.NoError(t, tt.resolve(s))
			require.NoError(t, s.Close())
			require.Equal(t, int32(1), depCalls.Load(), "the shared dependency ran more than once")
		})
	}
}

func TestParallelPerScope(t *testing.T) {
	for _, ctx := range []context.Context{context.Background(), nil} {
		var depCalls atomic.Int32
		c := newParallel(t, false, &depCalls)
		s := c.NewScope(depend.WithParallel(ctx))
		require.NoError(t, s.Invoke(func(*pA, *pB, *pC) {}))
		require.NoError(t, s.Close())
		require.Equal(t, int32(1), depCalls.Load())
	}
}

func TestSequentialByDefault(t *testing.T) {
	var running, most atomic.Int32
	track := func() {
		if n := running.Add(1); n > most.Load() {
			most.Store(n)
		}
		running.Add(-1)
	}
	c := depend.New()
	require.NoError(t, c.Provide(func() *pA { track(); return &pA{} }))
	require.NoError(t, c.Provide(func() *pB { track(); return &pB{} }))
	s := c.NewScope(context.Background())
	require.NoError(t, s.Invoke(func(*pA, *pB) {}))
	require.NoError(t, s.Close())
	require.Equal(t, int32(1), most.Load())
}

var (
	errA = errors.New("a failed")
	errB = errors.New("b failed")
)

// failAfter returns a provider that fails with err once started is closed,
// so that its sibling is running when the group is cancelled.
func failAfter[T any](started <-chan struct{}, err error) func() (T, error) {
	return func() (T, error) {
		var zero T
		select {
		case <-started:
			return zero, err
		case <-time.After(10 * time.Second):
			return zero, errors.New("the sibling never started")
		}
	}
}

// waitCancel returns a provider that closes started, blocks until the group
// is cancelled and then returns what then(ctx) says, recording the cause it
// saw.
func waitCancel[T any](started chan<- struct{}, cause *error, then func(ctx context.Context) error) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) {
		var zero T
		close(started)
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			return zero, errors.New("never cancelled")
		}
		*cause = context.Cause(ctx)
		return zero, then(ctx)
	}
}

func TestParallelErrors(t *testing.T) {
	ctxErr := func(ctx context.Context) error { return ctx.Err() }
	ownErr := func(context.Context) error { return errA }
	tests := []struct {
		name string
		// a is parameter 0 and b parameter 1; b fails while a runs.
		a       func(started chan<- struct{}, cause *error) any
		want    error
		notWant error
	}{{
		name:    "a sibling that stops on cancellation does not hide the real error",
		a:       func(started chan<- struct{}, cause *error) any { return waitCancel[*pA](started, cause, ctxErr) },
		want:    errB,
		notWant: context.Canceled,
	}, {
		name:    "a sibling's own error comes first in parameter order",
		a:       func(started chan<- struct{}, cause *error) any { return waitCancel[*pA](started, cause, ownErr) },
		want:    errA,
		notWant: errB,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cause error
			cleaned := make(chan string, 1)
			c := depend.New()
			require.NoError(t, c.SetParallel(true))
			started := make(chan struct{})
			require.NoError(t, c.Provide(tt.a(started, &cause)))
			require.NoError(t, c.Provide(failAfter[*pB](started, errB)))
			// pC is built fine, before the failure; its cleanup must still run.
			require.NoError(t, c.Provide(func() (*pC, func()) { return &pC{}, func() { cleaned <- "pC" } }))
			s := c.NewScope(context.Background())
			_, err := depend.Resolve[*pC](s) // built before the failing group
			require.NoError(t, err)
			err = s.Invoke(func(*pA, *pB, *pC) { t.Error("the handler ran despite an error") })
			require.ErrorIs(t, err, tt.want)
			require.NotErrorIs(t, err, tt.notWant)
			require.ErrorIs(t, cause, errB, "the sibling's context was cancelled with another cause")
			require.NoError(t, s.Close())
			require.Equal(t, "pC", <-cleaned)
		})
	}
}

// Values built by siblings of a failure keep their cleanups.
func TestParallelCleanupAfterFailure(t *testing.T) {
	var cleanups atomic.Int32
	c := depend.New()
	require.NoError(t, c.SetParallel(true))
	b := newBarrier(2)
	require.NoError(t, c.Provide(func() (*pA, func(), error) {
		err := b.await()
		return &pA{}, func() { cleanups.Add(1) }, err
	}))
	require.NoError(t, c.Provide(func() (*pB, error) {
		if err := b.await(); err != nil {
			return nil, err
		}
		return nil, errB
	}))
	s := c.NewScope(context.Background())
	err := s.Invoke(func(*pA, *pB) {})
	require.ErrorIs(t, err, errB)
	require.ErrorContains(t, err, "depend: build *depend_test.pB: b failed")
	require.NoError(t, s.Close())
	require.Equal(t, int32(1), cleanups.Load())
}

func TestParallelContextEndsWithScope(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.SetParallel(true))
	s := c.NewScope(context.Background())
	ctx := s.Context()
	require.NoError(t, ctx.Err())
	require.NoError(t, s.Close())
	require.ErrorIs(t, ctx.Err(), context.Canceled)
	require.ErrorIs(t, context.Cause(ctx), depend.ErrScopeClosed)
}

func TestSetParallelAfterSeal(t *testing.T) {
	c := depend.New()
	c.NewScope(context.Background()).Close()
	err := c.SetParallel(true)
	require.ErrorIs(t, err, depend.ErrSealed)
	require.ErrorContains(t, err, "depend: SetParallel: call it before the first NewScope or Handler")
}

// Many goroutines share one parallel Scope: every value is still built once.
func TestParallelConcurrentScopeUse(t *testing.T) {
	var aCalls, bCalls atomic.Int32
	c := depend.New()
	require.NoError(t, c.SetParallel(true))
	require.NoError(t, c.Provide(func() *pA { aCalls.Add(1); return &pA{} }))
	require.NoError(t, c.Provide(func() *pB { bCalls.Add(1); return &pB{} }))
	require.NoError(t, c.Provide(func(*pA, *pB) *pC { return &pC{} }))
	s := c.NewScope(context.Background())
	start := make(chan struct{})
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 8 {
		wg.Go(func() {
			<-start
			if err := s.Invoke(func(*pA, *pB, *pC) {}); err != nil {
				failures.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	require.NoError(t, s.Close())
	require.Zero(t, failures.Load())
	require.Equal(t, int32(1), aCalls.Load())
	require.Equal(t, int32(1), bCalls.Load())
}

func ExampleContainer_SetParallel() {
	c := depend.New()
	c.SetParallel(true)
	c.Provide(func() *Config { return &Config{} })
	c.Provide(func() *Service { return &Service{} })

	s := c.NewScope(context.Background())
	defer s.Close()
	err := s.Invoke(func(cfg *Config, svc *Service) {
		fmt.Println(cfg != nil, svc != nil) // both were built concurrently
	})
	fmt.Println(err)
	// Output:
	// true true
	// <nil>
}

func TestParallelMiddleware(t *testing.T) {
	var depCalls atomic.Int32
	c := newParallel(t, false, &depCalls)
	h := depend.Parallel(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := c.NewScope(r.Context())
		defer s.Close()
		if err := s.Invoke(func(*pA, *pB, *pC) {}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, int32(1), depCalls.Load())
}

// An observer that panics on any goroutine of a group does not crash the
// process: once the group is done, the panic reaches the goroutine that
// resolved.
func TestParallelObserverPanic(t *testing.T) {
	for _, culprit := range []reflect.Type{reflect.TypeFor[*pA](), reflect.TypeFor[*pB]()} {
		t.Run(culprit.String(), func(t *testing.T) {
			c := depend.New()
			require.NoError(t, c.SetParallel(true))
			require.NoError(t, c.Provide(func() *pA { return &pA{} }))
			require.NoError(t, c.Provide(func() *pB { return &pB{} }))
			require.NoError(t, c.Observe(func(e depend.Event) {
				if e.Type == culprit && !e.Hit {
					panic("observer bug")
				}
			}))
			s := c.NewScope(context.Background())
			require.PanicsWithValue(t, "observer bug", func() { _ = s.Invoke(func(*pA, *pB) {}) })
			require.NoError(t, s.Close())
		})
	}
}

func TestParallelHandler(t *testing.T) {
	tests := []struct {
		name     string
		parallel bool
		wrap     func(c *depend.Container, h http.Handler) http.Handler
	}{
		{"container-wide", true, func(_ *depend.Container, h http.Handler) http.Handler { return h }},
		{"one handler", false, func(_ *depend.Container, h http.Handler) http.Handler { return depend.Parallel(h) }},
		{"under Middleware", false, func(c *depend.Container, h http.Handler) http.Handler {
			return depend.Parallel(c.Middleware(h))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var depCalls atomic.Int32
			c := newParallel(t, tt.parallel, &depCalls)
			var sawCtx context.Context
			h := tt.wrap(c, c.Handler(func(ctx context.Context, _ *pA, _ *pB, _ *pC) string {
				sawCtx = ctx
				return "ok"
			}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Equal(t, "\"ok\"\n", w.Body.String())
			require.Equal(t, int32(1), depCalls.Load())
			require.ErrorIs(t, context.Cause(sawCtx), depend.ErrScopeClosed, "the Scope's context outlived the request")
		})
	}
}

func TestParallelHandlerError(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.SetParallel(true))
	started := make(chan struct{})
	var cause error
	require.NoError(t, c.Provide(waitCancel[*pA](started, &cause, func(ctx context.Context) error { return ctx.Err() })))
	require.NoError(t, c.Provide(failAfter[*pB](started, &depend.HTTPError{Status: http.StatusUnauthorized, Message: "no token"})))
	h := c.Handler(func(*pA, *pB) { t.Error("the handler ran despite an error") })
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusUnauthorized, w.Code)
	require.Equal(t, "no token\n", bodyText(w))
	var he *depend.HTTPError
	require.ErrorAs(t, cause, &he)
}

// A group larger than the inline error storage: ten dependencies, the last
// one failing, all built concurrently.
func TestParallelWideGroup(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.SetParallel(true))
	b := newBarrier(10)
	var built atomic.Int32
	provide := func(fn any) { require.NoError(t, c.Provide(fn)) }
	ok := func() error { built.Add(1); return b.await() }
	provide(func() ([1]int, error) { return [1]int{}, ok() })
	provide(func() ([2]int, error) { return [2]int{}, ok() })
	provide(func() ([3]int, error) { return [3]int{}, ok() })
	provide(func() ([4]int, error) { return [4]int{}, ok() })
	provide(func() ([5]int, error) { return [5]int{}, ok() })
	provide(func() ([6]int, error) { return [6]int{}, ok() })
	provide(func() ([7]int, error) { return [7]int{}, ok() })
	provide(func() ([8]int, error) { return [8]int{}, ok() })
	provide(func() ([9]int, error) { return [9]int{}, ok() })
	provide(func() ([10]int, error) {
		if err := b.await(); err != nil {
			return [10]int{}, err
		}
		return [10]int{}, errB
	})
	s := c.NewScope(context.Background())
	err := s.Invoke(func([1]int, [2]int, [3]int, [4]int, [5]int, [6]int, [7]int, [8]int, [9]int, [10]int) {})
	require.ErrorIs(t, err, errB)
	require.ErrorContains(t, err, "depend: build [10]int: b failed")
	require.NoError(t, s.Close())
	require.Equal(t, int32(9), built.Load())
}

func TestForkKeepsParallel(t *testing.T) {
	var depCalls atomic.Int32
	f := newParallel(t, true, &depCalls).Fork()
	s := f.NewScope(context.Background())
	require.NoError(t, s.Invoke(func(*pA, *pB, *pC) {}))
	require.NoError(t, s.Close())
	require.Equal(t, int32(1), depCalls.Load())
}

// A Group's requirement is built before the handler's parameters start, so
// a failing auth check stops the request before any of them runs.
func TestParallelRequirementsFirst(t *testing.T) {
	var started atomic.Int32
	c := depend.New()
	require.NoError(t, c.SetParallel(true))
	require.NoError(t, c.Provide(func() (*pDep, error) {
		return nil, &depend.HTTPError{Status: http.StatusUnauthorized}
	}))
	require.NoError(t, c.Provide(func() *pA { started.Add(1); return &pA{} }))
	require.NoError(t, c.Provide(func() *pB { started.Add(1); return &pB{} }))
	h := c.Group(depend.Require[*pDep]()).Handler(func(*pA, *pB) {})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusUnauthorized, w.Code)
	require.Zero(t, started.Load())
}

func ExampleParallel() {
	c := depend.New()
	c.Provide(func() *Config { return &Config{} })
	c.Provide(func() *Service { return &Service{} })
	// Only this route resolves its dependencies concurrently.
	h := depend.Parallel(c.Handler(func(cfg *Config, svc *Service) string { return "ok" }))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output: 200 "ok"
}

type (
	nestedA struct{}
	nestedB struct{}
)

// provideOverlapping registers nestedA and nestedB, whose providers report
// whether they ran at the same time: nestedA waits a little for nestedB to
// start, which happens only if the Scope resolves them concurrently.
// nestedB fails with errB if it is not nil.
func provideOverlapping(t *testing.T, c *depend.Container, overlapped *atomic.Bool, errB error) {
	t.Helper()
	bStarted := make(chan struct{})
	require.NoError(t, c.Provide(func() *nestedA {
		select {
		case <-bStarted:
			overlapped.Store(true)
		case <-time.After(500 * time.Millisecond): // sequential: nestedB runs after this returns
		}
		return &nestedA{}
	}))
	require.NoError(t, c.Provide(func() (*nestedB, error) { close(bStarted); return &nestedB{}, errB }))
}

// A Scope owns only the context it created: a sequential Scope of another
// Container, opened on a parallel Scope's context, neither cancels that
// context (by failing or closing) nor resolves in parallel itself, even in
// a process that uses WithParallel elsewhere.
func TestParallelScopeOwnsOnlyItsContext(t *testing.T) {
	_ = depend.WithParallel(context.Background()) // parallel resolution is used in this process
	outer := depend.New()
	require.NoError(t, outer.SetParallel(true))
	outerScope := scope(t, outer)

	inner := depend.New()
	var overlapped atomic.Bool
	provideOverlapping(t, inner, &overlapped, errors.New("inner failure"))
	innerScope := inner.NewScope(outerScope.Context())
	err := innerScope.Invoke(func(*nestedA, *nestedB) {})
	require.ErrorContains(t, err, "inner failure")
	require.NoError(t, innerScope.Close())

	require.NoError(t, outerScope.Context().Err(), "the inner Scope cancelled the outer request")
	require.False(t, overlapped.Load(), "the inner Container never opted in, but resolved in parallel")
}

// The mark WithParallel puts in a context is for the Scope opened on it: a
// Scope of another Container opened on that Scope's context stays
// sequential unless its own Container opts in.
func TestWithParallelMarkIsForOneScope(t *testing.T) {
	outer := depend.New()
	var outerOverlapped atomic.Bool
	provideOverlapping(t, outer, &outerOverlapped, nil)
	outerScope := outer.NewScope(depend.WithParallel(context.Background()))
	t.Cleanup(func() { outerScope.Close() })
	require.NoError(t, outerScope.Invoke(func(*nestedA, *nestedB) {}))
	require.True(t, outerOverlapped.Load(), "WithParallel did not make the outer Scope parallel")

	inner := depend.New()
	var innerOverlapped atomic.Bool
	provideOverlapping(t, inner, &innerOverlapped, nil)
	innerScope := inner.NewScope(outerScope.Context())
	t.Cleanup(func() { innerScope.Close() })
	require.NoError(t, innerScope.Invoke(func(*nestedA, *nestedB) {}))
	require.False(t, innerOverlapped.Load(), "the inner Scope took the outer Scope's WithParallel mark")
}

// A call still in flight when a parallel Scope closes fails with
// ErrScopeClosed, as in a sequential Scope, not with a bare
// context.Canceled.
func TestParallelCloseDuringResolutionIsErrScopeClosed(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.SetParallel(true))
	started, release := make(chan struct{}), make(chan struct{})
	require.NoError(t, c.Provide(func() *nestedA { close(started); <-release; return &nestedA{} }))
	require.NoError(t, c.Provide(func(*nestedA) *nestedB { return &nestedB{} }))
	s := c.NewScope(context.Background())
	got := make(chan error, 1)
	go func() { _, err := depend.Resolve[*nestedB](s); got <- err }()
	<-started
	require.NoError(t, s.Close())
	close(release)
	err := <-got
	require.ErrorIs(t, err, depend.ErrScopeClosed)
	require.ErrorIs(t, err, context.Canceled, "the context's own error stays matchable")
}

// BenchmarkParallel compares sequential and parallel resolution side by side:
// three independent providers that each block for 10 ms (parallel should take
// about 10 ms, sequential 30 ms), the same three when nothing blocks (the
// pure overhead of the goroutines), and the observer benchmarks' request
// graph.
func BenchmarkParallel(b *testing.B) {
	for _, mode := range []struct {
		name     string
		parallel bool
	}{{"sequential", false}, {"parallel", true}} {
		b.Run("block10ms/"+mode.name, func(b *testing.B) {
			benchRequestThree(b, threeContainer(b, mode.parallel, 10*time.Millisecond))
		})
		b.Run("noblock/"+mode.name, func(b *testing.B) {
			benchRequestThree(b, threeContainer(b, mode.parallel, 0))
		})
		b.Run("graph/"+mode.name, func(b *testing.B) {
			benchRequest(b, benchContainer(b, func(c *depend.Container) {
				if err := c.SetParallel(mode.parallel); err != nil {
					b.Fatal(err)
				}
			}))
		})
	}
}

func threeContainer(b *testing.B, parallel bool, block time.Duration) *depend.Container {
	c := depend.New()
	wait := func() {
		if block > 0 {
			time.Sleep(block) // stands for a database or HTTP call
		}
	}
	for _, fn := range []any{
		depend.Func0(func() (*pA, error) { wait(); return &pA{}, nil }),
		depend.Func0(func() (*pB, error) { wait(); return &pB{}, nil }),
		depend.Func0(func() (*pC, error) { wait(); return &pC{}, nil }),
	} {
		if err := c.Provide(fn); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.SetParallel(parallel); err != nil {
		b.Fatal(err)
	}
	return c
}

func benchRequestThree(b *testing.B, c *depend.Container) {
	handler := func(*pA, *pB, *pC) {}
	benchScopes(b, c, func(s *depend.Scope) error { return s.Invoke(handler) })
}
