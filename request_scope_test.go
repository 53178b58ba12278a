package depend_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

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

// TestNilScope checks that a nil *Scope, such as the one ScopeFrom returns
// outside Middleware when its ok is ignored (as in the guide's logging
// middleware), gives errors instead of crashing.
func TestNilScopeFailsWithErrScopeClosed(t *testing.T) {
	s, ok := depend.ScopeFrom(context.Background())
	require.False(t, ok)
	_, err := depend.Resolve[*Tx](s)
	require.ErrorIs(t, err, depend.ErrScopeClosed)
	assert.Contains(t, err.Error(), "nil *Scope")
	err = s.Invoke(func(*Tx) {})
	require.ErrorIs(t, err, depend.ErrScopeClosed)
	assert.Contains(t, err.Error(), "nil *Scope")
	assert.NoError(t, s.Close(), "there is nothing to close")
	assert.NoError(t, s.CloseWithError(context.Canceled))
}

// BenchmarkScopeOpenClose is the fixed cost of a request: NewScope and
// Close with nothing resolved.
func BenchmarkScopeOpenClose(b *testing.B) {
	c := depend.New()
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.NewScope(ctx).Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveHit is Resolve of a value already in the Scope's cache.
func BenchmarkResolveHit(b *testing.B) {
	c := depend.New()
	if err := c.Provide(newBenchLeaf); err != nil {
		b.Fatal(err)
	}
	s := c.NewScope(b.Context())
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := depend.Resolve[*benchLeaf](s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInvokeHit is Invoke of a func whose parameter is already in the
// Scope's cache: the dispatch and the call.
func BenchmarkInvokeHit(b *testing.B) {
	c := depend.New()
	if err := c.Provide(newBenchLeaf); err != nil {
		b.Fatal(err)
	}
	s := c.NewScope(b.Context())
	defer s.Close()
	fn := func(l *benchLeaf) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Invoke(fn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuild opens a Scope, builds one value by each calling route and
// closes the Scope: shape-erased (a plain pointer func), typed (Func0 of a
// value type) and reflective (a plain func of a value type).
func BenchmarkBuild(b *testing.B) {
	for _, tc := range []struct {
		name    string
		provide any
		resolve func(*depend.Scope) error
	}{
		{"erased", newBenchLeaf, func(s *depend.Scope) error { _, err := depend.Resolve[*benchLeaf](s); return err }},
		{"typed", depend.Func0(func() (benchValue, error) { return benchValue{1}, nil }),
			func(s *depend.Scope) error { _, err := depend.Resolve[benchValue](s); return err }},
		{"reflect", func() benchValue { return benchValue{1} },
			func(s *depend.Scope) error { _, err := depend.Resolve[benchValue](s); return err }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := depend.New()
			if err := c.Provide(tc.provide); err != nil {
				b.Fatal(err)
			}
			benchScopes(b, c, tc.resolve)
		})
	}
}

// benchScopes runs one request per iteration: it opens a Scope of c, calls
// request in it and closes it. The context cannot be canceled, so that every
// benchmark measures the same context checks.
func benchScopes(b *testing.B, c *depend.Container, request func(*depend.Scope) error) {
	ctx := context.WithoutCancel(b.Context())
	b.ReportAllocs()
	for b.Loop() {
		s := c.NewScope(ctx)
		if err := request(s); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// The benchmarks below break a request's cost into its parts; the
// side-by-side suite against hand-written wiring and other containers is
// the bench module (bench/, docs/performance.md).

type benchLeaf struct{ n int }

type benchValue struct{ n int }

//go:noinline
func newBenchLeaf() *benchLeaf { return &benchLeaf{1} }

type (
	exitOuter struct{}
	exitInner struct{}
)

// TestCloseRunsEveryCleanupWhenOneCallsGoexit: a cleanup that calls
// runtime.Goexit (t.FailNow or require in a test's cleanup) still lets the
// older cleanups run, in a Scope and in the Container, before the goroutine
// exits.
func TestCloseRunsEveryCleanupWhenOneCallsGoexit(t *testing.T) {
	for _, life := range []depend.Lifetime{depend.Scoped, depend.Singleton} {
		t.Run(life.String(), func(t *testing.T) {
			c := depend.New()
			var outerRan atomic.Bool
			require.NoError(t, c.Provide(func() (*exitOuter, func()) {
				return &exitOuter{}, func() { outerRan.Store(true) }
			}, life))
			require.NoError(t, c.Provide(func(*exitOuter) (*exitInner, func()) {
				return &exitInner{}, runtime.Goexit
			}, life))
			s := c.NewScope(context.Background())
			_, err := depend.Resolve[*exitInner](s)
			require.NoError(t, err)
			closed := make(chan struct{})
			go func() {
				defer close(closed)
				_ = s.Close()
				_ = c.Close()
				t.Error("Close returned: the Goexit must go on")
			}()
			<-closed
			assert.True(t, outerRan.Load(), "the older cleanup was lost")
		})
	}
}
