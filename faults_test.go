package depend_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godepend/depend"
)

// Types of the fault tests' graphs: faultSvc -> faultRepo -> faultDB.
type (
	faultDB    struct{ _ int }
	faultRepo  struct{ db *faultDB }
	faultSvc   struct{ repo *faultRepo }
	faultAudit struct{}
	faultOther struct{}
)

// chainContainer provides faultSvc -> faultRepo -> db, where db is the
// faultDB provider under test, and counts calls of the others. The
// faultRepo provider is called through reflection, or without it if
// typedRepo.
func chainContainer(t *testing.T, calls *counter, db any, typedRepo bool) *depend.Container {
	c := depend.New()
	provide(t, c, db)
	if typedRepo {
		provide(t, c, depend.Func1(func(db *faultDB) (*faultRepo, error) { calls.inc("repo"); return &faultRepo{db}, nil }))
	} else {
		provide(t, c, func(db *faultDB) *faultRepo { calls.inc("repo"); return &faultRepo{db} })
	}
	provide(t, c, func(r *faultRepo, _ *faultAudit) *faultSvc { calls.inc("svc"); return &faultSvc{r} })
	provide(t, c, func() *faultAudit { calls.inc("audit"); return &faultAudit{} })
	provide(t, c, func() *faultOther { calls.inc("other"); return &faultOther{} })
	return c
}

// resolveAll resolves T from n goroutines at once and returns their errors.
func resolveAll[T any](t *testing.T, s *depend.Scope, n int) []error {
	t.Helper()
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			<-start
			_, errs[i] = depend.Resolve[T](s)
		})
	}
	close(start)
	waitTimeout(t, &wg, 10*time.Second, "resolvers")
	return errs
}

var errConnRefused = errors.New("connection refused")

// deadline is a context whose deadline passes when the test says, not on a
// timer, so that a slow machine cannot move it before the point under test.
type deadline struct {
	context.Context
	done chan struct{}
}

func newDeadline() *deadline {
	return &deadline{Context: context.Background(), done: make(chan struct{})}
}

func (d *deadline) expire()                     { close(d.done) }
func (d *deadline) Done() <-chan struct{}       { return d.done }
func (d *deadline) Deadline() (time.Time, bool) { return time.Time{}, true }
func (d *deadline) Err() error {
	select {
	case <-d.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// TestFaultProviderFails: a provider that errors, panics or calls
// runtime.Goexit runs once per Scope; every goroutine, waiting or arriving
// later, gets the same error naming the path; other values still build and
// the scope closes cleanly.
func TestFaultProviderFails(t *testing.T) {
	tests := []struct {
		name string
		fail func() (*faultDB, error)
		want func(t *testing.T, err error)
	}{
		{"error", func() (*faultDB, error) { return nil, errConnRefused }, func(t *testing.T, err error) {
			if want := "depend: build *depend_test.faultSvc: build *depend_test.faultRepo: build *depend_test.faultDB: connection refused"; err.Error() != want {
				t.Errorf("error %q, want the path %q", err, want)
			}
			if !errors.Is(err, errConnRefused) {
				t.Errorf("errors.Is(%v, errConnRefused) = false", err)
			}
		}},
		{"panic", func() (*faultDB, error) { panic("db exploded") }, func(t *testing.T, err error) {
			var pe *depend.PanicError
			if !errors.As(err, &pe) || pe.Value != "db exploded" || !strings.Contains(string(pe.Stack), "faults_test.go") {
				t.Errorf("want a PanicError with the value and the provider's stack, got %v", err)
			}
			if !errors.Is(err, depend.ErrPanic) {
				t.Errorf("errors.Is(%v, ErrPanic) = false", err)
			}
		}},
		{"goexit", func() (*faultDB, error) { runtime.Goexit(); return nil, nil }, func(t *testing.T, err error) {
			if !strings.Contains(err.Error(), "Goexit") {
				t.Errorf("want an error that says the provider called runtime.Goexit, got %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := newCounter()
			c := chainContainer(t, calls, func() (*faultDB, error) { calls.inc("db"); return tt.fail() }, false)
			s := c.NewScope(context.Background())
			errs := resolveAll[*faultSvc](t, s, 16)
			_, again := depend.Resolve[*faultSvc](s)
			errs = append(errs, again)
			if tt.name == "goexit" {
				// The builder's goroutine exited inside Resolve, leaving
				// its error nil; only the others return.
				errs = slices.DeleteFunc(errs, func(err error) bool { return err == nil })
				if len(errs) != 16 {
					t.Fatalf("%d goroutines returned, want 16", len(errs))
				}
			}
			for _, err := range errs {
				if err == nil || err.Error() != errs[0].Error() {
					t.Fatalf("goroutines got different errors: %v and %v", errs[0], err)
				}
			}
			if !strings.HasPrefix(errs[0].Error(), "depend: build *depend_test.faultSvc: ") {
				t.Errorf("error %q does not name the type asked for", errs[0])
			}
			tt.want(t, errs[0])
			for name, want := range map[string]int{"db": 1, "repo": 0, "svc": 0} {
				if got := calls.get(name); got != want {
					t.Errorf("%s provider ran %d times, want %d", name, got, want)
				}
			}
			if _, err := depend.Resolve[*faultOther](s); err != nil {
				t.Errorf("an unrelated value failed after the fault: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

// TestFaultProviderBlocksUntilCanceled: a provider that blocks until its
// context ends, and every goroutine waiting for it, return once the context
// is canceled, with the cancellation in the error.
func TestFaultProviderBlocksUntilCanceled(t *testing.T) {
	calls := newCounter()
	entered := make(chan struct{})
	c := chainContainer(t, calls, func(ctx context.Context) (*faultDB, error) {
		calls.inc("db")
		close(entered)
		<-ctx.Done()
		return nil, ctx.Err()
	}, false)
	ctx, cancel := context.WithCancel(context.Background())
	s := c.NewScope(ctx)
	var errs []error
	var wg sync.WaitGroup
	wg.Go(func() { errs = resolveAll[*faultSvc](t, s, 8) })
	<-entered
	cancel()
	waitTimeout(t, &wg, 10*time.Second, "goroutines blocked on a canceled provider")
	for _, err := range errs {
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "depend: build *depend_test.faultSvc: ") {
			t.Errorf("want context.Canceled naming *faultSvc, got %v", err)
		}
	}
	if n := calls.get("db"); n != 1 {
		t.Errorf("blocking provider ran %d times, want 1", n)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

// TestFaultDeadlineMidGraph: the deadline passes while *faultDB is being
// built. Goroutines waiting for *faultDB or *faultSvc are released at the
// deadline with an error naming what they waited for, although the build
// has not finished; when it does, no provider starts after the deadline
// (repo, svc, audit), and the value already built is still cleaned up.
// Both call paths are checked: reflection and a typed provider.
func TestFaultDeadlineMidGraph(t *testing.T) {
	for _, typed := range []bool{false, true} {
		t.Run(map[bool]string{false: "reflect", true: "typed"}[typed], func(t *testing.T) { deadlineMidGraph(t, typed) })
	}
}

func deadlineMidGraph(t *testing.T, typed bool) {
	calls, cleanups := newCounter(), newCounter()
	entered, release := make(chan struct{}), make(chan struct{})
	c := chainContainer(t, calls, func() (*faultDB, func()) {
		calls.inc("db")
		close(entered)
		<-release // ignores the context, as a careless provider would
		return &faultDB{}, func() { cleanups.inc("db") }
	}, typed)
	ctx := newDeadline()
	s := c.NewScope(ctx)
	var builderErr error
	var builder sync.WaitGroup
	builder.Go(func() { _, builderErr = depend.Resolve[*faultSvc](s) })
	<-entered
	ctx.expire()

	dbErrs := resolveAll[*faultDB](t, s, 4) // returns only once released, the build still blocked
	svcErrs := resolveAll[*faultSvc](t, s, 4)
	for _, errs := range [][]error{dbErrs, svcErrs} {
		for _, err := range errs {
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), ": waiting for another goroutine to build it: ") {
				t.Errorf("waiter: want a DeadlineExceeded 'waiting for another goroutine' error, got %v", err)
			}
		}
	}
	for _, want := range []struct {
		err  error
		name string
	}{{dbErrs[0], "build *depend_test.faultDB: waiting"}, {svcErrs[0], "build *depend_test.faultSvc: waiting"}} {
		if !strings.Contains(want.err.Error(), want.name) {
			t.Errorf("waiter error %q does not name what it waited for (%q)", want.err, want.name)
		}
	}

	close(release)
	waitTimeout(t, &builder, 10*time.Second, "the builder")
	const wantErr = "depend: build *depend_test.faultSvc: build *depend_test.faultRepo: not started: context deadline exceeded"
	if builderErr == nil || builderErr.Error() != wantErr {
		t.Errorf("builder got %v, want %q", builderErr, wantErr)
	}
	for _, name := range []string{"repo", "svc", "audit"} {
		if n := calls.get(name); n != 0 {
			t.Errorf("provider %s started %d times after the deadline", name, n)
		}
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	if n := cleanups.get("db"); n != 1 {
		t.Errorf("db cleanup ran %d times, want 1", n)
	}
}

// TestFaultCleanupsFail: cleanups that return errors or panic, in a Scope
// and in a Container. Close runs every cleanup once, newest first, returns
// all their errors joined (a panic as a PanicError), and a second Close runs
// nothing.
func TestFaultCleanupsFail(t *testing.T) {
	errCommit, errValue := errors.New("commit failed"), errors.New("panic value")
	for _, life := range []depend.Lifetime{depend.Scoped, depend.NoCache, depend.Singleton} {
		t.Run(life.String(), func(t *testing.T) {
			var mu sync.Mutex
			var order []string
			ran := func(name string) {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
			}
			c := depend.New()
			provide(t, c, func() (*faultDB, func() error) {
				return &faultDB{}, func() error { ran("db"); return errCommit }
			}, life)
			provide(t, c, func(*faultDB) (*faultRepo, func()) {
				return &faultRepo{}, func() { ran("repo"); panic("cleanup exploded") }
			}, life)
			provide(t, c, func(*faultRepo) (*faultSvc, func(error)) {
				return &faultSvc{}, func(error) { ran("svc"); panic(errValue) }
			}, life)
			provide(t, c, func(*faultSvc) (*faultAudit, func(error) error) {
				return &faultAudit{}, func(error) error { ran("audit"); return nil }
			}, life)
			s := c.NewScope(context.Background())
			if _, err := depend.Resolve[*faultAudit](s); err != nil {
				t.Fatal(err)
			}
			closeAll := s.Close
			if life == depend.Singleton {
				if err := s.Close(); err != nil {
					t.Fatalf("a Scope with only Singletons: Close = %v", err)
				}
				closeAll = c.Close
			}
			err := closeAll()
			var pe *depend.PanicError
			if !errors.Is(err, errCommit) || !errors.Is(err, errValue) || !errors.As(err, &pe) || !errors.Is(err, depend.ErrPanic) {
				t.Errorf("Close = %v, want every cleanup's error joined", err)
			}
			for _, want := range []string{"depend: cleanup *depend_test.faultDB: commit failed", "depend: cleanup *depend_test.faultRepo: panic: cleanup exploded", "depend: cleanup *depend_test.faultSvc: panic: panic value"} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Close = %v, want it to contain %q", err, want)
				}
			}
			if want := "audit svc repo db"; strings.Join(order, " ") != want {
				t.Errorf("cleanups ran in order %v, want %s", order, want)
			}
			if err := closeAll(); err != nil || len(order) != 4 {
				t.Errorf("second Close = %v and %d cleanups in total, want nil and 4", err, len(order))
			}
		})
	}
}

// TestFaultCloseRacesResolve: Close runs while goroutines resolve in the same
// Scope, over and over. Every Resolve either succeeds or fails with
// ErrScopeClosed, and every value built, before or after Close, is cleaned up
// exactly once.
func TestFaultCloseRacesResolve(t *testing.T) {
	for round := range 300 {
		built, cleaned := newCounter(), newCounter()
		c := depend.New()
		provide(t, c, func() (*faultDB, func()) {
			built.inc("db")
			return &faultDB{}, func() { cleaned.inc("db") }
		})
		provide(t, c, func(*faultDB) (*faultRepo, func() error) {
			built.inc("repo")
			return &faultRepo{}, func() error { cleaned.inc("repo"); return nil }
		}, depend.NoCache)
		provide(t, c, func(*faultRepo) (*faultSvc, func(error)) {
			built.inc("svc")
			return &faultSvc{}, func(error) { cleaned.inc("svc") }
		})
		s := c.NewScope(context.Background())
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				<-start
				_, err1 := depend.Resolve[*faultSvc](s)
				_, err2 := depend.Resolve[*faultRepo](s)
				for _, err := range []error{err1, err2} {
					if err != nil && !errors.Is(err, depend.ErrScopeClosed) {
						t.Errorf("round %d: Resolve during Close: %v", round, err)
					}
				}
			})
		}
		wg.Go(func() {
			<-start
			if err := s.Close(); err != nil {
				t.Errorf("round %d: Close: %v", round, err)
			}
		})
		close(start)
		waitTimeout(t, &wg, 10*time.Second, "Close racing Resolve")
		for _, name := range []string{"db", "repo", "svc"} {
			if b, cl := built.get(name), cleaned.get(name); b != cl {
				t.Fatalf("round %d: %s built %d times, cleaned up %d times", round, name, b, cl)
			}
		}
		if b := built.get("db"); b > 1 {
			t.Fatalf("round %d: Scoped db built %d times", round, b)
		}
	}
}

// TestFaultDoubleClose: Close and CloseWithError, called again or from many
// goroutines at once, run the cleanups once; so does Container.Close.
func TestFaultDoubleClose(t *testing.T) {
	cleaned := newCounter()
	c := depend.New()
	provide(t, c, func() (*faultDB, func()) { return &faultDB{}, func() { cleaned.inc("db") } })
	provide(t, c, func() (*faultOther, func()) { return &faultOther{}, func() { cleaned.inc("single") } }, depend.Singleton)
	s := c.NewScope(context.Background())
	if err := s.Invoke(func(*faultDB, *faultOther) {}); err != nil {
		t.Fatal(err)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			<-start
			var err error
			switch i % 3 {
			case 0:
				err = s.Close()
			case 1:
				err = s.CloseWithError(errConnRefused)
			default:
				err = c.Close()
			}
			if err != nil {
				t.Errorf("concurrent Close: %v", err)
			}
		})
	}
	close(start)
	waitTimeout(t, &wg, 10*time.Second, "concurrent Close")
	for _, closeAgain := range []func() error{s.Close, c.Close} {
		if err := closeAgain(); err != nil {
			t.Errorf("Close again: %v", err)
		}
	}
	if db, single := cleaned.get("db"), cleaned.get("single"); db != 1 || single != 1 {
		t.Errorf("cleanups ran %d (scope) and %d (container) times, want 1 and 1", db, single)
	}
}

// TestFaultHTTPClientCancels: clients give up while a provider is blocked on
// the request's context. The provider sees the cancellation, the request's
// cleanups still run once each, the server keeps answering, and nothing is
// left running once it closes.
func TestFaultHTTPClientCancels(t *testing.T) {
	const rounds = 50
	baseline := runtime.NumGoroutine()
	var sawCancel, logCleanups, txCleanups atomic.Int32
	entered := make(chan struct{})
	c := depend.New()
	provide(t, c, func() (*loadLog, func()) { return &loadLog{}, func() { logCleanups.Add(1) } })
	provide(t, c, func(ctx context.Context, r *http.Request) (*faultDB, func(error), error) {
		if r.URL.Query().Get("block") == "1" {
			entered <- struct{}{}
			<-ctx.Done()
			if errors.Is(ctx.Err(), context.Canceled) {
				sawCancel.Add(1)
			}
		}
		return &faultDB{}, func(error) { txCleanups.Add(1) }, ctx.Err()
	})
	c.SetHTTPOptions(depend.HTTPOptions{ReportError: func(*http.Request, error) {}})
	srv := httptest.NewServer(c.Handler(func(*loadLog, *faultDB) string { return "ok" }))
	transport := &http.Transport{}
	client := &http.Client{Transport: transport}

	for round := range rounds {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/?block=1", nil)
		done := make(chan error, 1)
		go func() {
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: the provider was never called", round)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("round %d: the canceled request returned %v", round, err)
		}
		if resp, err := client.Get(srv.URL); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("round %d: the server is unhealthy after a cancellation: %v %v", round, resp, err)
		} else {
			resp.Body.Close()
		}
	}
	closeServer(t, srv, transport)
	if got := sawCancel.Load(); got != rounds {
		t.Errorf("the provider saw %d cancellations, want %d", got, rounds)
	}
	// Each round sent one canceled request and one healthy one.
	for name, got := range map[string]int32{"log": logCleanups.Load(), "tx": txCleanups.Load()} {
		if got != 2*rounds {
			t.Errorf("%s cleanups ran %d times, want %d", name, got, 2*rounds)
		}
	}
	checkGoroutines(t, baseline)
}

// TestFaultProviderResolvesItselfAtRunTime: a provider that asks its *Scope
// for its own type, which Validate cannot see, waits on itself. depend
// cannot tell that goroutine from another, so the wait lasts until the
// context ends; then it is released with an error naming the type, and the
// scope still closes. (docs/reliability.md lists this limit.)
func TestFaultProviderResolvesItselfAtRunTime(t *testing.T) {
	entered := make(chan struct{})
	c := depend.New()
	provide(t, c, func(s *depend.Scope) (*faultDB, error) {
		close(entered)
		_, err := depend.Resolve[*faultDB](s)
		return &faultDB{}, err
	})
	ctx := newDeadline()
	s := c.NewScope(ctx)
	var err error
	var wg sync.WaitGroup
	wg.Go(func() { _, err = depend.Resolve[*faultDB](s) })
	<-entered
	ctx.expire()
	waitTimeout(t, &wg, 10*time.Second, "a provider resolving itself")
	const want = "depend: build *depend_test.faultDB: depend: build *depend_test.faultDB: waiting for another goroutine to build it: context deadline exceeded"
	if err == nil || err.Error() != want || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want %q", err, want)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}
