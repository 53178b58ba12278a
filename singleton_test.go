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

// TestSingletonWaiterSeesAnObserverPanic checks what a waiter gets when the
// builder's goroutine panics after the build, in an observer: a PanicError
// with that value, not a report of runtime.Goexit.
func TestSingletonWaiterSeesAnObserverPanic(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	c := depend.New()
	require.NoError(t, c.Observe(func(e depend.Event) {
		if !e.Hit && calls.Load() == 1 {
			panic("observer failed")
		}
	}))
	provide(t, c, func() *sgObserved {
		if calls.Add(1) == 1 {
			close(started)
			<-release
		}
		return &sgObserved{}
	}, depend.Singleton)
	sB, sA := scope(t, c), scope(t, c)
	go func() {
		defer func() { _ = recover() }() // the observer's panic reaches the builder
		depend.Resolve[*sgObserved](sB)
	}()
	<-started
	got := make(chan error, 1)
	go func() { _, err := depend.Resolve[*sgObserved](sA); got <- err }()
	waitForSingletonWaiter(t)
	close(release)
	select {
	case err := <-got:
		require.ErrorIs(t, err, depend.ErrPanic)
		require.ErrorContains(t, err, "observer failed")
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter was stranded")
	}
}
