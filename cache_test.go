package depend_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

func TestScopedRunsOncePerScope(t *testing.T) {
	calls := newCounter()
	c := graph(t, calls)
	for i := 1; i <= 3; i++ {
		s := scope(t, c)
		err := s.Invoke(func(svc *Service, r *Repo, a *Audit, tx *Tx, tx2 *Tx) {
			assert.Same(t, tx, r.Tx)
			assert.Same(t, tx, a.Tx)
			assert.Same(t, tx, tx2)
		})
		require.NoError(t, err)
		for _, name := range []string{"tx", "repo", "user", "audit", "service"} {
			assert.Equal(t, i, calls.get(name), name)
		}
	}
}

func TestCacheIsKeyedByRegistrationNotFuncPointer(t *testing.T) {
	var calls atomic.Int32
	newTx, newPool := sharedCode[Tx](&calls), sharedCode[Pool](&calls)
	require.Equal(t, reflect.ValueOf(newTx).Pointer(), reflect.ValueOf(newPool).Pointer(),
		"the premise: both funcs share a code pointer")

	c := depend.New()
	provide(t, c, newTx)
	provide(t, c, newPool)
	s := scope(t, c)
	require.NoError(t, s.Invoke(func(tx *Tx, p *Pool, tx2 *Tx, p2 *Pool) {
		assert.Same(t, tx, tx2)
		assert.Same(t, p, p2)
	}))
	assert.Equal(t, int32(2), calls.Load(), "each registration runs once")
}

func TestCacheHitDoesNotWalkTheSubtree(t *testing.T) {
	// A cached Repo depends on a NoCache Tx. If a cache hit walked Repo's
	// dependencies again (FastAPI does), Tx would run again.
	var txCalls atomic.Int32
	c := depend.New()
	provide(t, c, func() *Tx { txCalls.Add(1); return &Tx{} }, depend.NoCache)
	provide(t, c, func(tx *Tx) *Repo { return &Repo{Tx: tx} })
	s := scope(t, c)
	first, err := depend.Resolve[*Repo](s)
	require.NoError(t, err)
	for range 10 {
		again, err := depend.Resolve[*Repo](s)
		require.NoError(t, err)
		assert.Same(t, first, again)
	}
	assert.Equal(t, int32(1), txCalls.Load())
}

func TestNoCacheRunsForEveryUse(t *testing.T) {
	var n atomic.Int32
	c := depend.New()
	provide(t, c, func() *Tx { n.Add(1); return &Tx{name: fmt.Sprint(n.Load())} }, depend.NoCache)
	provide(t, c, func(tx *Tx) *Repo { return &Repo{Tx: tx} })
	s := scope(t, c)
	require.NoError(t, s.Invoke(func(a, b *Tx, r *Repo, r2 *Repo) {
		assert.NotSame(t, a, b)
		assert.NotSame(t, a, r.Tx)
		assert.NotSame(t, b, r.Tx)
		assert.Same(t, r.Tx, r2.Tx, "the cached Repo holds the Tx it got")
	}))
	assert.Equal(t, int32(3), n.Load())
}

func TestErrorIsCachedForTheScope(t *testing.T) {
	errDown := errors.New("connection refused")
	var calls atomic.Int32
	c := depend.New()
	provide(t, c, func() (*Tx, error) { calls.Add(1); return nil, errDown })
	provide(t, c, func(tx *Tx) *Repo { return &Repo{Tx: tx} })
	provide(t, c, func(tx *Tx, r *Repo) *Service { return &Service{} })
	s := scope(t, c)

	_, errSvc := depend.Resolve[*Service](s)
	_, errRepo := depend.Resolve[*Repo](s)
	_, errTx := depend.Resolve[*Tx](s)
	for _, err := range []error{errSvc, errRepo, errTx} {
		require.ErrorIs(t, err, errDown)
	}
	assert.Equal(t, "depend: build *depend_test.Service: build *depend_test.Tx: connection refused", errSvc.Error())
	assert.Equal(t, "depend: build *depend_test.Repo: build *depend_test.Tx: connection refused", errRepo.Error())
	assert.Equal(t, int32(1), calls.Load(), "a failed provider is not retried in the scope")

	// A new scope is a new request: it tries again.
	_, err := depend.Resolve[*Tx](scope(t, c))
	require.ErrorIs(t, err, errDown)
	assert.Equal(t, int32(2), calls.Load())
}

func TestConcurrentResolveRunsEachProviderOnce(t *testing.T) {
	const goroutines = 32
	var calls atomic.Int32
	release := make(chan struct{})
	c := depend.New()
	provide(t, c, func() *Tx {
		calls.Add(1)
		<-release // hold the slot while the others arrive
		return &Tx{}
	})
	provide(t, c, func(tx *Tx) *Repo { return &Repo{Tx: tx} })
	s := scope(t, c)

	var ready, done sync.WaitGroup
	ready.Add(goroutines)
	got := make([]*Tx, goroutines)
	for i := range goroutines {
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			if i%2 == 0 {
				got[i], _ = depend.Resolve[*Tx](s)
				return
			}
			r, _ := depend.Resolve[*Repo](s)
			got[i] = r.Tx
		}()
	}
	ready.Wait() // the barrier: every goroutine is about to resolve
	close(release)
	done.Wait()
	assert.Equal(t, int32(1), calls.Load())
	for _, tx := range got {
		assert.Same(t, got[0], tx)
	}
}

func TestWaitersStopWhenTheContextEnds(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	c := depend.New()
	provide(t, c, func() *Tx { close(started); <-release; return &Tx{} })
	ctx, cancel := context.WithCancel(context.Background())
	s := c.NewScope(ctx)
	go depend.Resolve[*Tx](s) // the builder, blocked in the provider
	<-started

	waited := make(chan error)
	go func() { _, err := depend.Resolve[*Tx](s); waited <- err }()
	cancel()
	select {
	case err := <-waited:
		require.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), "build *depend_test.Tx: waiting for another goroutine to build it")
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter did not stop when the context was canceled")
	}
}

func TestPanicReachesEveryWaiter(t *testing.T) {
	const waiters = 8
	release := make(chan struct{})
	c := depend.New()
	provide(t, c, func() *Tx { <-release; panic("boom") })
	s := scope(t, c)
	var ready sync.WaitGroup
	ready.Add(waiters)
	errs := make(chan error, waiters)
	for range waiters {
		go func() {
			ready.Done()
			_, err := depend.Resolve[*Tx](s)
			errs <- err
		}()
	}
	ready.Wait()
	close(release)
	for range waiters {
		select {
		case err := <-errs:
			require.ErrorIs(t, err, depend.ErrPanic)
		case <-time.After(10 * time.Second):
			t.Fatal("a waiter deadlocked after the builder panicked")
		}
	}
}

func TestGoexitInAProviderDoesNotStrandWaiters(t *testing.T) {
	for _, life := range []depend.Lifetime{depend.Scoped, depend.Singleton} {
		t.Run(life.String(), func(t *testing.T) {
			started, release := make(chan struct{}), make(chan struct{})
			var calls atomic.Int32
			c := depend.New()
			provide(t, c, func() *Tx {
				if calls.Add(1) == 1 { // only the first build exits
					close(started)
					<-release
					runtime.Goexit()
				}
				return &Tx{}
			}, life)
			s := scope(t, c)
			go depend.Resolve[*Tx](s) // the builder: it never returns
			<-started
			waited := make(chan error)
			go func() { _, err := depend.Resolve[*Tx](s); waited <- err }()
			close(release)
			select {
			case err := <-waited:
				if life == depend.Scoped || err != nil {
					// A Singleton's waiter may come late and build it anew.
					assert.ErrorContains(t, err, "build *depend_test.Tx: provider called runtime.Goexit")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the waiter was stranded")
			}
		})
	}
}

func TestSingleton(t *testing.T) {
	var calls, cleanups atomic.Int32
	c := depend.New()
	provide(t, c, func() (*Pool, func()) {
		calls.Add(1)
		return &Pool{}, func() { cleanups.Add(1) }
	}, depend.Singleton)
	provide(t, c, func(p *Pool) *Tx { return &Tx{} })

	const goroutines = 16
	var ready, done sync.WaitGroup
	ready.Add(goroutines)
	pools := make([]*Pool, goroutines)
	for i := range goroutines {
		done.Add(1)
		go func() {
			defer done.Done()
			s := c.NewScope(context.Background())
			defer s.Close()
			ready.Done()
			ready.Wait()
			depend.Resolve[*Tx](s)
			pools[i], _ = depend.Resolve[*Pool](s)
		}()
	}
	done.Wait()
	assert.Equal(t, int32(1), calls.Load())
	for _, p := range pools {
		assert.Same(t, pools[0], p)
	}
	assert.Zero(t, cleanups.Load(), "scopes do not tear Singletons down")
	require.NoError(t, c.Close())
	assert.Equal(t, int32(1), cleanups.Load())
	require.NoError(t, c.Close(), "Container.Close is idempotent")
	assert.Equal(t, int32(1), cleanups.Load())

	_, err := depend.Resolve[*Pool](c.NewScope(context.Background()))
	require.ErrorIs(t, err, depend.ErrContainerClosed)
}

func TestSingletonFailureIsRetried(t *testing.T) {
	var calls atomic.Int32
	c := depend.New()
	provide(t, c, func() (*Pool, error) {
		if calls.Add(1) == 1 {
			return nil, errors.New("database starting")
		}
		return &Pool{}, nil
	}, depend.Singleton)
	_, err := depend.Resolve[*Pool](scope(t, c))
	require.ErrorContains(t, err, "database starting")
	p, err := depend.Resolve[*Pool](scope(t, c))
	require.NoError(t, err)
	assert.NotNil(t, p)
	assert.Equal(t, int32(2), calls.Load())
}

// TestSingletonWaiterOutlivesTheBuildersRequest checks that a Singleton is
// not failed for a request by another request's end: when the request that
// builds it is cancelled, a waiter whose own context is alive builds it
// instead of getting the other request's "context canceled".
func TestSingletonWaiterOutlivesTheBuildersRequest(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var slowCalls atomic.Int32
	c := depend.New()
	provide(t, c, func() *sgSlow {
		if slowCalls.Add(1) == 1 {
			close(started)
			<-release
		}
		return &sgSlow{}
	}, depend.Singleton)
	provide(t, c, func() *sgDep { return &sgDep{} }, depend.Singleton)
	provide(t, c, func(*sgSlow, *sgDep) *sgTop { return &sgTop{} }, depend.Singleton)

	ctxB, cancelB := context.WithCancel(context.Background())
	sB, sA := c.NewScope(ctxB), scope(t, c)
	t.Cleanup(func() { sB.Close() })
	go depend.Resolve[*sgTop](sB) // the builder, whose request is cancelled
	<-started
	got := make(chan error, 1)
	go func() {
		_, err := depend.Resolve[*sgTop](sA)
		got <- err
	}()
	waitForSingletonWaiter(t)
	cancelB()
	close(release)
	select {
	case err := <-got:
		require.NoError(t, err, "the waiter's own request is alive")
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter was stranded")
	}
}

// waitForSingletonWaiter returns once a goroutine is parked waiting for
// another goroutine's Singleton build.
func waitForSingletonWaiter(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, "[select") && strings.Contains(g, "depend.(*singleton).get(") {
				return
			}
		}
		runtime.Gosched()
	}
	t.Fatal("no goroutine waited for the Singleton build")
}

type sgObserved struct{}

// An observer that panics after a Singleton's build must not cost the build:
// the value is kept and built exactly once per Container, its cleanup runs
// once at Close, a waiter gets the value, and the panic reaches the
// goroutine whose resolution ran the observer.
func TestSingletonObserverPanicKeepsTheBuild(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var calls, cleanups, panics atomic.Int32
	c := depend.New()
	require.NoError(t, c.Observe(func(e depend.Event) {
		if !e.Hit && panics.Add(1) == 1 {
			panic("observer failed")
		}
	}))
	provide(t, c, func() (*sgObserved, func()) {
		if calls.Add(1) == 1 {
			close(started)
			<-release
		}
		return &sgObserved{}, func() { cleanups.Add(1) }
	}, depend.Singleton)
	sB, sA := scope(t, c), scope(t, c)
	builder := make(chan any, 1)
	go func() {
		defer func() { builder <- recover() }()
		depend.Resolve[*sgObserved](sB)
	}()
	<-started
	got := make(chan error, 1)
	go func() { _, err := depend.Resolve[*sgObserved](sA); got <- err }()
	waitForSingletonWaiter(t)
	close(release)
	select {
	case err := <-got:
		require.NoError(t, err, "the waiter lost a value that was built")
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter was stranded")
	}
	require.Equal(t, "observer failed", <-builder, "the observer's panic did not reach the resolving goroutine")
	_, err := depend.Resolve[*sgObserved](scope(t, c))
	require.NoError(t, err)
	require.Equal(t, int32(1), calls.Load(), "the Singleton was built more than once")
	require.NoError(t, c.Close())
	require.Equal(t, int32(1), cleanups.Load())
}

type (
	sgSlow struct{}
	sgDep  struct{}
	sgTop  struct{}
)

type panicNilDep struct{}

// TestLeanPanicNilIsNotASuccess: under GODEBUG=panicnil=1 (which the
// go.mod of an application that needs the old behaviour may set),
// recover returns nil for panic(nil), as for runtime.Goexit. The lean path
// then fails the build with an error, as Scope.build does, and never
// returns a nil value with a nil error.
func TestLeanPanicNilIsNotASuccess(t *testing.T) {
	t.Setenv("GODEBUG", "panicnil=1")
	c := depend.New()
	require.NoError(t, c.Provide(func() *panicNilDep { panic(nil) }))
	s := c.NewScope(context.Background())
	defer s.Close()
	v, err := depend.Resolve[*panicNilDep](s)
	require.Error(t, err, "got %v", v)
	_, err2 := depend.Resolve[*panicNilDep](s)
	require.Error(t, err2, "the slot is failed")
	require.Equal(t, err.Error(), err2.Error())
	require.Error(t, s.Invoke(func(*panicNilDep) {}))
}
