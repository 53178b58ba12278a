package depend_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// sharedCode returns a provider of *T made by reflect.MakeFunc: all such
// funcs share one code pointer, as closures from one factory do.
func sharedCode[T any](calls *atomic.Int32) any {
	typ := reflect.TypeFor[func() *T]()
	return reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
		calls.Add(1)
		return []reflect.Value{reflect.ValueOf(new(T))}
	}).Interface()
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

type codeError struct{ code int }

func (e *codeError) Error() string { return fmt.Sprintf("code %d", e.code) }

func TestErrorWrapsTheProvidersErrorAlongThePath(t *testing.T) {
	c := depend.New()
	provide(t, c, func() (*Tx, error) { return nil, &codeError{503} })
	provide(t, c, func(tx *Tx) *Repo { return &Repo{Tx: tx} })
	provide(t, c, func(r *Repo) *Service { return &Service{} })
	_, err := depend.Resolve[*Service](scope(t, c))
	require.Error(t, err)
	assert.Equal(t, "depend: build *depend_test.Service: build *depend_test.Repo: build *depend_test.Tx: code 503", err.Error())

	var ce *codeError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 503, ce.code)
	var be *depend.BuildError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, reflect.TypeFor[*Service](), be.Type, "the outermost step is the value asked for")
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

func TestNoProviderStartsAfterTheContextEnds(t *testing.T) {
	deadline, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	for name, ctx := range map[string]context.Context{"deadline": deadline, "canceled": canceled} {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			c := depend.New()
			provide(t, c, func() *Tx { calls.Add(1); return &Tx{} })
			provide(t, c, func() *Pool { calls.Add(1); return &Pool{} }, depend.Singleton)
			provide(t, c, func() *User { calls.Add(1); return &User{} }, depend.NoCache)
			s := c.NewScope(ctx)
			defer s.Close()
			for _, resolve := range []func() error{
				func() error { _, err := depend.Resolve[*Tx](s); return err },
				func() error { _, err := depend.Resolve[*Pool](s); return err },
				func() error { _, err := depend.Resolve[*User](s); return err },
			} {
				err := resolve()
				require.ErrorIs(t, err, ctx.Err())
				assert.Contains(t, err.Error(), "not started")
			}
			assert.Zero(t, calls.Load())
		})
	}
}

func TestPanicBecomesAnError(t *testing.T) {
	var calls atomic.Int32
	c := depend.New()
	provide(t, c, func() *Tx { calls.Add(1); panic("boom") })
	provide(t, c, func(tx *Tx) *Repo { return &Repo{Tx: tx} })
	provide(t, c, func() *User { return &User{Name: "ok"} })
	s := scope(t, c)

	_, err := depend.Resolve[*Repo](s)
	var pe *depend.PanicError
	require.ErrorAs(t, err, &pe)
	require.ErrorIs(t, err, depend.ErrPanic)
	assert.Equal(t, "boom", pe.Value)
	assert.Contains(t, string(pe.Stack), "depend_test.TestPanicBecomesAnError")
	assert.Equal(t, "depend: build *depend_test.Repo: build *depend_test.Tx: panic: boom", err.Error())

	_, again := depend.Resolve[*Tx](s)
	require.ErrorAs(t, again, &pe, "every site gets the same error")
	assert.Equal(t, int32(1), calls.Load())

	u, err := depend.Resolve[*User](s)
	require.NoError(t, err, "the scope stays usable for other values")
	assert.Equal(t, "ok", u.Name)
}

func TestPanicErrorUnwrapsAnErrorValue(t *testing.T) {
	errBoom := errors.New("boom")
	c := depend.New()
	provide(t, c, func() *Tx { panic(errBoom) })
	_, err := depend.Resolve[*Tx](scope(t, c))
	require.ErrorIs(t, err, errBoom)
	require.ErrorIs(t, err, depend.ErrPanic)
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

func TestCleanupsRunInReverseCreationOrder(t *testing.T) {
	var order []string
	track := func(name string) func() { return func() { order = append(order, name) } }
	c := depend.New()
	provide(t, c, func() (*Tx, func()) { return &Tx{}, track("tx") })
	provide(t, c, func(tx *Tx) (*Repo, func() error) {
		return &Repo{Tx: tx}, func() error { track("repo")(); return nil }
	})
	provide(t, c, func() (*User, func(), error) { return &User{}, track("user"), nil }, depend.NoCache)
	provide(t, c, func(r *Repo, u *User, u2 *User) *Service { return &Service{} })
	s := c.NewScope(context.Background())
	_, err := depend.Resolve[*Service](s)
	require.NoError(t, err)
	assert.Empty(t, order, "cleanups wait for Close")
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"user", "user", "repo", "tx"}, order, "NoCache cleanups run too, once per value")
	require.NoError(t, s.Close(), "Close is idempotent")
	assert.Len(t, order, 4)
}

func TestCleanupErrorsAreJoinedAndPanicsContained(t *testing.T) {
	errA := errors.New("a failed")
	ran := 0
	c := depend.New()
	provide(t, c, func() (*Tx, func() error) { return &Tx{}, func() error { ran++; return errA } })
	provide(t, c, func(*Tx) (*Repo, func()) { return &Repo{}, func() { ran++; panic("b panicked") } })
	provide(t, c, func(*Repo) (*User, func(error) error) { return &User{}, func(error) error { ran++; return nil } })
	s := c.NewScope(context.Background())
	_, err := depend.Resolve[*User](s)
	require.NoError(t, err)

	err = s.Close()
	assert.Equal(t, 3, ran, "a panicking cleanup does not stop the others")
	require.ErrorIs(t, err, errA)
	require.ErrorIs(t, err, depend.ErrPanic)
	assert.Contains(t, err.Error(), "depend: cleanup *depend_test.Tx: a failed")
	assert.Contains(t, err.Error(), "depend: cleanup *depend_test.Repo: panic: b panicked")
}

func TestCleanupsLearnHowTheRequestEnded(t *testing.T) {
	errInsert := errors.New("insert failed")
	for _, tc := range []struct {
		name  string
		close func(*depend.Scope) error
		want  error
	}{
		{"success", (*depend.Scope).Close, nil},
		{"failure", func(s *depend.Scope) error { return s.CloseWithError(errInsert) }, errInsert},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []error
			c := depend.New()
			provide(t, c, func() (*Tx, func(error)) { return &Tx{}, func(err error) { got = append(got, err) } })
			provide(t, c, func(*Tx) (*Repo, func(error) error) {
				return &Repo{}, func(err error) error { got = append(got, err); return nil }
			})
			s := c.NewScope(context.Background())
			_, err := depend.Resolve[*Repo](s)
			require.NoError(t, err)
			require.NoError(t, tc.close(s))
			assert.Equal(t, []error{tc.want, tc.want}, got)
		})
	}
}

func TestUseAfterClose(t *testing.T) {
	c := depend.New()
	provide(t, c, func() *Tx { return &Tx{} })
	s := c.NewScope(context.Background())
	require.NoError(t, s.Close())
	_, err := depend.Resolve[*Tx](s)
	require.ErrorIs(t, err, depend.ErrScopeClosed)
	err = s.Invoke(func(*Tx) {})
	require.ErrorIs(t, err, depend.ErrScopeClosed)
	assert.Equal(t, "depend: resolve *depend_test.Tx: scope closed", mustErr(depend.Resolve[*Tx](s)).Error())
}

func mustErr[T any](_ T, err error) error { return err }

func TestValueFinishedAfterCloseIsCleanedUpAtOnce(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var cleaned atomic.Int32
	c := depend.New()
	provide(t, c, func() (*Tx, func()) {
		close(started)
		<-release
		return &Tx{}, func() { cleaned.Add(1) }
	})
	s := c.NewScope(context.Background())
	errs := make(chan error)
	go func() { _, err := depend.Resolve[*Tx](s); errs <- err }()
	<-started
	require.NoError(t, s.Close())
	close(release)
	require.ErrorIs(t, <-errs, depend.ErrScopeClosed, "the value came too late to be used")
	assert.Equal(t, int32(1), cleaned.Load(), "but its cleanup was not lost")
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

func TestBuiltins(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "v")
	c := depend.New()
	provide(t, c, func(ctx context.Context, s *depend.Scope) *Tx {
		return &Tx{name: ctx.Value(key{}).(string)}
	})
	s := c.NewScope(ctx)
	defer s.Close()
	tx, err := depend.Resolve[*Tx](s)
	require.NoError(t, err)
	assert.Equal(t, "v", tx.name)
	got, err := depend.Resolve[*depend.Scope](s)
	require.NoError(t, err)
	assert.Same(t, s, got)
	assert.Same(t, ctx, s.Context())
	gotCtx, err := depend.Resolve[context.Context](s)
	require.NoError(t, err)
	assert.Same(t, ctx, gotCtx)

	for _, resolve := range []func() error{
		func() error { _, err := depend.Resolve[*http.Request](s); return err },
		func() error { _, err := depend.Resolve[http.ResponseWriter](s); return err },
	} {
		err := resolve()
		require.ErrorIs(t, err, depend.ErrNotProvided)
		assert.Contains(t, err.Error(), "exists only in a Scope opened for an HTTP request")
	}
}

func TestNilContextMeansBackground(t *testing.T) {
	c := depend.New()
	//lint:ignore SA1012 passing nil is the case under test
	s := c.NewScope(nil) //nolint:staticcheck
	defer s.Close()
	assert.Equal(t, context.Background(), s.Context())
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

func TestValidateReportsEveryProblem(t *testing.T) {
	type (
		A struct{}
		B struct{}
		C struct{}
		D struct{}
	)
	c := depend.New()
	provide(t, c, func(*B) *A { return nil })
	provide(t, c, func(*A, *D) *B { return nil }) // cycle A -> B -> A; B also misses D
	provide(t, c, func(*Repo) *Service { return nil })
	provide(t, c, func(*Pool) *Repo { return nil }) // Service -> Repo -> Pool is missing
	provide(t, c, func(*User) *C { return nil }, depend.Singleton)
	provide(t, c, func() *User { return nil })
	provide(t, c, func(context.Context) *Tx { return nil }, depend.Singleton)
	provide(t, c, func(depend.Fresh[*C]) *Audit { return nil }, depend.Singleton)
	provide(t, c, func() *Pool2 { return nil }, depend.NoCache)
	provide(t, c, func(*Pool2) *Config { return nil }, depend.Singleton)

	err := c.Validate()
	require.Error(t, err)
	require.ErrorIs(t, err, depend.ErrCycle)
	require.ErrorIs(t, err, depend.ErrNotProvided)
	require.ErrorIs(t, err, depend.ErrCaptive)
	lines := strings.Split(err.Error(), "\n")
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, "depend: "), l)
	}
	want := []string{
		"depend: dependency cycle: *depend_test.A -> *depend_test.B -> *depend_test.A",
		"depend: not provided: *depend_test.A -> *depend_test.B -> *depend_test.D",
		"depend: not provided: *depend_test.Service -> *depend_test.Repo -> *depend_test.Pool",
		"depend: captive dependency: *depend_test.C -> *depend_test.User: Singleton *depend_test.C depends on *depend_test.User, which is scoped",
		"depend: captive dependency: *depend_test.Tx -> context.Context: Singleton *depend_test.Tx depends on the per-request input context.Context",
		"depend: captive dependency: *depend_test.Audit -> *depend_test.C: Singleton *depend_test.Audit depends on Fresh[*depend_test.C]",
		"depend: captive dependency: *depend_test.Config -> *depend_test.Pool2: Singleton *depend_test.Config depends on *depend_test.Pool2, which is nocache",
	}
	require.Len(t, lines, len(want), err.Error())
	for _, w := range want {
		assert.True(t, containsPrefix(lines, w), "missing %q in\n%s", w, err)
	}

	// Problems are found at startup; at request time they fail cleanly
	// instead of deadlocking or capturing a request's value.
	s := scope(t, c)
	_, err = depend.Resolve[*A](s)
	require.ErrorIs(t, err, depend.ErrCycle)
	_, err = depend.Resolve[*C](s)
	require.ErrorIs(t, err, depend.ErrCaptive)
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

func TestValidateAcceptsAValidGraph(t *testing.T) {
	c := graph(t, newCounter())
	provide(t, c, func() *Pool { return nil }, depend.Singleton)
	provide(t, c, func(*Pool) *Config { return nil }, depend.Singleton)
	require.NoError(t, c.Validate())
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

func TestTypedProviders(t *testing.T) {
	type (
		T0 struct{}
		T1 struct{ a *T0 }
		T2 struct{ b *T1 }
		T3 struct{ c *T2 }
		T4 struct{ d *T3 }
		T5 struct{ e *T4 }
		T6 struct{ f *T5 }
	)
	c := depend.New()
	provide(t, c, depend.Func0(func() (*T0, error) { return &T0{}, nil }))
	provide(t, c, depend.Func1(func(a *T0) (*T1, error) { return &T1{a}, nil }))
	provide(t, c, depend.Func2(func(a *T0, b *T1) (*T2, error) { return &T2{b}, nil }))
	provide(t, c, depend.Func3(func(a *T0, b *T1, c *T2) (*T3, error) { return &T3{c}, nil }))
	provide(t, c, depend.Func4(func(a *T0, b *T1, c *T2, d *T3) (*T4, error) { return &T4{d}, nil }))
	provide(t, c, depend.Func5(func(a *T0, b *T1, c *T2, d *T3, e *T4) (*T5, error) { return &T5{e}, nil }))
	provide(t, c, depend.Func6(func(a *T0, b *T1, c *T2, d *T3, e *T4, f *T5) (*T6, error) { return &T6{f}, nil }))
	require.NoError(t, c.Validate())
	s := scope(t, c)
	t6, err := depend.Resolve[*T6](s)
	require.NoError(t, err)
	t0, err := depend.Resolve[*T0](s)
	require.NoError(t, err)
	assert.Same(t, t0, t6.f.e.d.c.b.a)
}

func TestTypedProviderErrorsAndFresh(t *testing.T) {
	errDown := errors.New("down")
	var calls atomic.Int32
	c := depend.New()
	provide(t, c, depend.Func0(func() (*Tx, error) { calls.Add(1); return &Tx{}, nil }))
	provide(t, c, depend.Func2(func(tx *Tx, f depend.Fresh[*Tx]) (*Repo, error) {
		if tx == f.Value {
			return nil, errors.New("fresh value came from the cache")
		}
		return &Repo{Tx: tx}, nil
	}))
	provide(t, c, depend.Func1(func(*Repo) (*User, error) { return nil, errDown }))
	provide(t, c, depend.Func1(func(*User) (*Audit, error) { return &Audit{}, nil }))
	provide(t, c, depend.Func1(func(g Greeter) (*Service, error) { return &Service{}, nil }))
	s := scope(t, c)
	_, err := depend.Resolve[*Audit](s)
	require.ErrorIs(t, err, errDown)
	assert.Equal(t, "depend: build *depend_test.Audit: build *depend_test.User: down", err.Error())
	assert.Equal(t, int32(2), calls.Load())
	_, err = depend.Resolve[*Service](s)
	require.ErrorIs(t, err, depend.ErrNotProvided)
}

func TestLifetimeString(t *testing.T) {
	for l, want := range map[depend.Lifetime]string{
		depend.Scoped: "scoped", depend.NoCache: "nocache", depend.Singleton: "singleton", 7: "Lifetime(7)",
	} {
		assert.Equal(t, want, l.String())
	}
}

func TestValidateWhileServing(t *testing.T) {
	c := graph(t, newCounter())
	s := scope(t, c)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			assert.NoError(t, c.Validate())
			_, err := depend.Resolve[*Service](s)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
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

// A Fork inherits the failures of its original, and its own stay its own.
func TestForkKeepsFailedRegistrations(t *testing.T) {
	c := depend.New()
	c.Provide(42)
	require.ErrorIs(t, c.Fork().Validate(), depend.ErrBadProvider)

	ok := depend.New()
	provide(t, ok, func() *regDB { return &regDB{} })
	f := ok.Fork()
	f.Replace(func() *regRepo { return nil })
	require.ErrorIs(t, f.Validate(), depend.ErrNotProvided)
	require.NoError(t, ok.Validate(), "a fork's failure reached its original")
}
