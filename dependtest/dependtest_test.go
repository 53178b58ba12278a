package dependtest_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type (
	DB      struct{ Name string }
	Repo    struct{ DB *DB }
	Clock   struct{}
	Mailer  struct{}
	Service struct{ Repo *Repo }
)

// app is the application's Container: a Singleton DB whose cleanup counts.
func app(t testing.TB, closed *atomic.Int32) *depend.Container {
	c := depend.New()
	require.NoError(t, c.Provide(func() (*DB, func()) {
		return &DB{Name: "postgres"}, func() { closed.Add(1) }
	}, depend.Singleton))
	require.NoError(t, c.Provide(func(db *DB) *Repo { return &Repo{DB: db} }))
	require.NoError(t, c.Provide(func(r *Repo) *Service { return &Service{Repo: r} }))
	return c
}

func TestResolve(t *testing.T) {
	var closed atomic.Int32
	c := app(t, &closed)
	tests := []struct {
		name      string
		overrides []any
		want      string
	}{
		{name: "no override", want: "postgres"},
		{name: "closure", overrides: []any{func() *DB { return &DB{Name: "fake"} }}, want: "fake"},
		{name: "typed", overrides: []any{depend.Func0(func() (*DB, error) { return &DB{Name: "typed"}, nil })}, want: "typed"},
		{name: "two overrides", overrides: []any{
			func() *DB { return &DB{Name: "unused"} },
			func() *Repo { return &Repo{DB: &DB{Name: "repo fake"}} },
		}, want: "repo fake"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := dependtest.Resolve[*Service](t, c, tt.overrides...)
			assert.Equal(t, tt.want, svc.Repo.DB.Name)
		})
	}
}

func TestScopeClosesWithTheTest(t *testing.T) {
	var closed, scopeClosed atomic.Int32
	c := app(t, &closed)
	require.NoError(t, c.Provide(func() (*Mailer, func(error)) {
		return &Mailer{}, func(error) { scopeClosed.Add(1) }
	}))
	t.Run("test", func(t *testing.T) {
		s := dependtest.Scope(t, c)
		_, err := depend.Resolve[*Mailer](s)
		require.NoError(t, err)
		_, err = depend.Resolve[*Service](s)
		require.NoError(t, err)
		assert.Zero(t, scopeClosed.Load()+closed.Load(), "nothing is closed while the test runs")
	})
	assert.Equal(t, int32(1), scopeClosed.Load(), "the Scope closed when the test ended")
	assert.Equal(t, int32(1), closed.Load(), "and so did the fork's Singleton")
	_, err := depend.Resolve[*Service](c.NewScope(t.Context()))
	assert.NoError(t, err, "the application's Container is still usable")
}

// fakeTB records what dependtest reports, to test the failure paths.
type fakeTB struct {
	testing.TB // nil: calling an unimplemented method panics
	mu         sync.Mutex
	errors     []string
	fatal      string
	cleanups   []func()
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// run calls fn as a test body on its own goroutine, as testing does, so that
// Fatalf can stop it, then runs the cleanups, newest first. It reports
// whether fn returned normally.
func (f *fakeTB) run(fn func()) (finished bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
		finished = true
	}()
	<-done
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	return finished
}

func TestCleanupErrorFailsTheTest(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() (*DB, func() error) {
		return &DB{}, func() error { return errors.New("flush failed") }
	}, depend.Singleton))
	require.NoError(t, c.Provide(func(*DB) (*Repo, func() error) {
		return &Repo{}, func() error { return errors.New("rollback failed") }
	}))
	ft := &fakeTB{}
	finished := ft.run(func() { dependtest.Resolve[*Repo](ft, c) })

	assert.True(t, finished)
	assert.Empty(t, ft.fatal)
	assert.Equal(t, []string{
		"dependtest: closing the Scope: depend: cleanup *dependtest_test.Repo: rollback failed",
		"dependtest: closing the Container: depend: cleanup *dependtest_test.DB: flush failed",
	}, ft.errors)
}

func TestFatal(t *testing.T) {
	var closed atomic.Int32
	tests := []struct {
		name      string
		overrides []any
		resolve   func(tb testing.TB, c *depend.Container)
		want      string
	}{
		{
			name:      "typo: nothing to replace",
			overrides: []any{func() *Clock { return nil }},
			want:      "dependtest: override 0: depend: Replace func() *dependtest_test.Clock",
		},
		{
			name:      "not a func",
			overrides: []any{func() *DB { return nil }, "fake"},
			want:      "dependtest: override 1: depend: Replace: Provide(string)",
		},
		{
			name:      "override needs what nothing provides",
			overrides: []any{func(*Clock) *DB { return nil }},
			want:      "dependtest: the graph with the overrides is invalid:\ndepend: not provided: *dependtest_test.Service -> *dependtest_test.Repo -> *dependtest_test.DB -> *dependtest_test.Clock",
		},
		{
			name:      "build fails",
			overrides: []any{func() (*DB, error) { return nil, errors.New("no network in tests") }},
			want:      "dependtest: depend: build *dependtest_test.Service: build *dependtest_test.Repo: build *dependtest_test.DB: no network in tests",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := app(t, &closed)
			ft := &fakeTB{}
			finished := ft.run(func() { dependtest.Resolve[*Service](ft, c, tt.overrides...) })
			assert.False(t, finished, "the test must stop")
			assert.Contains(t, ft.fatal, tt.want)
			assert.Empty(t, ft.errors)
		})
	}
}

// TestParallelOverrides runs many tests' worth of overrides at once on one
// Container: each sees only its own.
func TestParallelOverrides(t *testing.T) {
	var closed atomic.Int32
	c := app(t, &closed)
	var built atomic.Int32
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			want := fmt.Sprint("fake", i)
			svc := dependtest.Resolve[*Service](t, c, func() *DB {
				built.Add(1)
				return &DB{Name: want}
			})
			assert.Equal(t, want, svc.Repo.DB.Name)
		})
	}
	t.Cleanup(func() {
		assert.Equal(t, int32(8), built.Load())
		assert.Zero(t, closed.Load(), "no real DB was opened")
	})
}

type Tenant struct{ ID string }

// A provider that reads the request is tested alone, without routing.
func TestRequestScope(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(r *http.Request, w http.ResponseWriter) (*Tenant, error) {
		w.Header().Set("X-Tenant", r.Header.Get("X-Tenant"))
		return &Tenant{ID: r.Header.Get("X-Tenant")}, nil
	}))
	req := httptest.NewRequest(http.MethodGet, "/orders", nil)
	req.Header.Set("X-Tenant", "acme")
	s, _ := dependtest.RequestScope(t, c, req, func(r *http.Request) *Tenant {
		return &Tenant{ID: "fake " + r.URL.Path}
	})
	tenant, err := depend.Resolve[*Tenant](s)
	require.NoError(t, err)
	assert.Equal(t, "fake /orders", tenant.ID, "the override was not used")

	s, rec := dependtest.RequestScope(t, c, req)
	tenant, err = depend.Resolve[*Tenant](s)
	require.NoError(t, err)
	assert.Equal(t, "acme", tenant.ID)
	assert.Equal(t, "acme", rec.Header().Get("X-Tenant"))
}
