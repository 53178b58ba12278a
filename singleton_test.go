package depend_test

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

type (
	sgSlow struct{}
	sgDep  struct{}
	sgTop  struct{}
)

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
