package depend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// Types of a small application whose providers the tests override.
type (
	ovConfig struct{ DSN string }
	ovDB     struct{ Name string }
	ovRepo   struct{ DB *ovDB }
	ovClock  struct{ Now string }
	ovStore  interface{ Name() string }
	ovOther  interface{ Other() }
	ovPg     struct{ name string }
	ovFake   struct{ name string }
)

func (p *ovPg) Name() string   { return p.name }
func (p *ovPg) Other()         {}
func (f *ovFake) Name() string { return f.name }

// ovApp registers the application: a Singleton config, a Scoped DB built from
// it and a Repo on top.
func ovApp(t testing.TB) *depend.Container {
	t.Helper()
	c := depend.New()
	require.NoError(t, c.Provide(func() *ovConfig { return &ovConfig{DSN: "prod"} }, depend.Singleton))
	require.NoError(t, c.Provide(func(cfg *ovConfig) *ovDB { return &ovDB{Name: cfg.DSN} }))
	require.NoError(t, c.Provide(func(db *ovDB) *ovRepo { return &ovRepo{DB: db} }))
	return c
}

func resolveIn[T any](t testing.TB, c *depend.Container) T {
	t.Helper()
	s := c.NewScope(context.Background())
	defer func() { require.NoError(t, s.Close()) }()
	v, err := depend.Resolve[T](s)
	require.NoError(t, err)
	return v
}

func TestForkReplaceLeavesOriginalAlone(t *testing.T) {
	c := ovApp(t)
	f := c.Fork()
	require.NoError(t, f.Replace(func() *ovDB { return &ovDB{Name: "fake"} }))
	require.NoError(t, f.Validate())

	assert.Equal(t, "fake", resolveIn[*ovRepo](t, f).DB.Name)
	// The original is still unsealed and unchanged: it can take providers
	// and builds the real DB.
	require.NoError(t, c.Provide(func() *ovClock { return &ovClock{} }))
	assert.Equal(t, "prod", resolveIn[*ovRepo](t, c).DB.Name)
	_, err := depend.Resolve[*ovClock](f.NewScope(context.Background()))
	assert.ErrorIs(t, err, depend.ErrNotProvided, "a Provide on the original after Fork must not reach the fork")
}

func TestForkOfSealedContainer(t *testing.T) {
	c := ovApp(t)
	assert.Equal(t, "prod", resolveIn[*ovRepo](t, c).DB.Name) // seals c
	f := c.Fork()
	require.NoError(t, f.Replace(func() *ovConfig { return &ovConfig{DSN: "test"} }))
	assert.Equal(t, "test", resolveIn[*ovRepo](t, f).DB.Name)
	assert.Equal(t, "prod", resolveIn[*ovRepo](t, c).DB.Name)
}

func TestForkHasItsOwnSingletons(t *testing.T) {
	c := depend.New()
	var built, closed atomic.Int32
	require.NoError(t, c.Provide(func() (*ovConfig, func()) {
		built.Add(1)
		return &ovConfig{}, func() { closed.Add(1) }
	}, depend.Singleton))
	fromC := resolveIn[*ovConfig](t, c)
	f := c.Fork()
	fromF := resolveIn[*ovConfig](t, f)

	assert.NotSame(t, fromC, fromF)
	assert.Equal(t, int32(2), built.Load())
	require.NoError(t, f.Close())
	assert.Equal(t, int32(1), closed.Load(), "closing the fork runs only its own Singleton cleanups")
	assert.Same(t, fromC, resolveIn[*ovConfig](t, c), "the original keeps its Singleton")
	require.NoError(t, c.Close())
	assert.Equal(t, int32(2), closed.Load())
}

func TestForkKeepsHTTPOptions(t *testing.T) {
	c := ovApp(t)
	c.SetHTTPOptions(depend.HTTPOptions{WriteError: func(w http.ResponseWriter, _ *http.Request, status int, msg string, _ error) {
		w.WriteHeader(status)
		fmt.Fprint(w, "app error page: ", msg)
	}})
	f := c.Fork()
	require.NoError(t, f.Replace(func() (*ovDB, error) {
		return nil, &depend.HTTPError{Status: http.StatusTeapot, Message: "fake down"}
	}))
	rec := httptest.NewRecorder()
	f.Handler(func(*ovRepo) {}).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, http.StatusTeapot, rec.Code)
	assert.Equal(t, "app error page: fake down", rec.Body.String(), "the fork answers errors as the app does")
}

func TestReplaceBringsItsOwnDependencies(t *testing.T) {
	f := ovApp(t).Fork()
	require.NoError(t, f.Replace(func(clk *ovClock) *ovDB { return &ovDB{Name: "at " + clk.Now} }))
	err := f.Validate()
	require.ErrorIs(t, err, depend.ErrNotProvided, "the replacement's own dependency is missing")
	assert.Contains(t, err.Error(), "*depend_test.ovDB -> *depend_test.ovClock")

	require.NoError(t, f.Provide(func() *ovClock { return &ovClock{Now: "noon"} }))
	require.NoError(t, f.Validate())
	assert.Equal(t, "at noon", resolveIn[*ovRepo](t, f).DB.Name)
}

func TestReplaceCanRepairTheGraph(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(r *ovRepo) *ovDB { return r.DB }))
	require.NoError(t, c.Provide(func(db *ovDB) *ovRepo { return &ovRepo{DB: db} }))
	require.ErrorIs(t, c.Validate(), depend.ErrCycle)

	f := c.Fork()
	require.NoError(t, f.Replace(func() *ovDB { return &ovDB{Name: "leaf"} }))
	require.NoError(t, f.Validate(), "validation runs on the fork's graph")
	assert.Equal(t, "leaf", resolveIn[*ovRepo](t, f).DB.Name)
	assert.ErrorIs(t, c.Validate(), depend.ErrCycle)
}

func TestReplaceErrors(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(c *depend.Container)
		fn      any
		opts    []depend.Option
		want    error
		msg     string
	}{
		{
			name: "nothing to replace",
			fn:   func() *ovClock { return nil },
			want: depend.ErrNotProvided,
			msg:  "nothing provides *depend_test.ovClock, so there is nothing to replace",
		},
		{
			name:    "sealed",
			prepare: func(c *depend.Container) { c.NewScope(context.Background()).Close() },
			fn:      func() *ovDB { return nil },
			want:    depend.ErrSealed,
			msg:     "Fork the Container and replace in the fork",
		},
		{name: "not a func", fn: 42, want: depend.ErrBadProvider, msg: "depend: Replace: Provide(int)"},
		{name: "contradicting options", fn: func() *ovDB { return nil }, opts: []depend.Option{depend.NoCache, depend.Singleton}, want: depend.ErrBadProvider},
		{
			name: "As type owned elsewhere",
			prepare: func(c *depend.Container) {
				c.Provide(func() *ovPg { return &ovPg{} }, depend.As[ovStore]())
				c.Provide(func() *ovFake { return &ovFake{} })
			},
			fn:   func() *ovFake { return nil },
			opts: []depend.Option{depend.As[ovStore]()},
			want: depend.ErrAlreadyProvided,
			msg:  "depend_test.ovStore is provided by",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ovApp(t)
			if tt.prepare != nil {
				tt.prepare(c)
			}
			err := c.Replace(tt.fn, tt.opts...)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), "depend: Replace")
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestReplaceInheritsLifetime(t *testing.T) {
	tests := []struct {
		name  string
		opts  []depend.Option
		calls int32 // provider calls for two scopes
	}{
		{name: "kept Singleton", calls: 1},
		{name: "explicit Scoped", opts: []depend.Option{depend.Scoped}, calls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ovApp(t).Fork()
			var n atomic.Int32
			require.NoError(t, f.Replace(func() *ovConfig { n.Add(1); return &ovConfig{} }, tt.opts...))
			resolveIn[*ovRepo](t, f)
			resolveIn[*ovRepo](t, f)
			assert.Equal(t, tt.calls, n.Load())
		})
	}
}

// ovStoreApp provides *ovPg, also as ovStore and ovOther.
func ovStoreApp(t *testing.T) *depend.Container {
	c := depend.New()
	require.NoError(t, c.Provide(func() *ovPg { return &ovPg{name: "pg"} }, depend.As[ovStore](), depend.As[ovOther]()))
	return c
}

func TestReplaceAsBindings(t *testing.T) {
	t.Run("concrete type keeps the bindings", func(t *testing.T) {
		f := ovStoreApp(t).Fork()
		require.NoError(t, f.Replace(func() *ovPg { return &ovPg{name: "fake pg"} }))
		require.NoError(t, f.Validate())
		assert.Equal(t, "fake pg", resolveIn[ovStore](t, f).Name(), "ovStore follows the replaced *ovPg")
		s := f.NewScope(context.Background())
		defer s.Close()
		require.NoError(t, s.Invoke(func(pg *ovPg, st ovStore, o ovOther) {
			assert.Same(t, pg, st, "one value, one cache entry")
			assert.Same(t, pg, o)
		}))
	})
	t.Run("explicit As drops the others", func(t *testing.T) {
		f := ovStoreApp(t).Fork()
		require.NoError(t, f.Replace(func() *ovPg { return &ovPg{name: "fake pg"} }, depend.As[ovStore]()))
		assert.Equal(t, "fake pg", resolveIn[ovStore](t, f).Name())
		s := f.NewScope(context.Background())
		defer s.Close()
		_, err := depend.Resolve[ovOther](s)
		assert.ErrorIs(t, err, depend.ErrNotProvided, "no binding may keep pointing at the replaced provider")
	})
	t.Run("interface only", func(t *testing.T) {
		c := ovStoreApp(t)
		f := c.Fork()
		require.NoError(t, f.Replace(func() ovStore { return &ovFake{name: "fake"} }))
		require.NoError(t, f.Validate())
		// The binding moved: providing it again in a fork is a conflict
		// with the replacement, not with *ovPg.
		err := f.Fork().Provide(func() *ovFake { return nil }, depend.As[ovStore]())
		require.ErrorIs(t, err, depend.ErrAlreadyProvided)
		assert.Contains(t, err.Error(), "depend_test.ovStore is already provided by func() depend_test.ovStore")
		assert.Equal(t, "fake", resolveIn[ovStore](t, f).Name())
		assert.Equal(t, "pg", resolveIn[*ovPg](t, f).name, "the concrete provider stays")
		assert.Equal(t, "pg", resolveIn[ovOther](t, f).(*ovPg).name, "and keeps its other bindings")
		assert.Equal(t, "pg", resolveIn[ovStore](t, c).Name(), "the original is unchanged")
	})
}

// ovFakeDB has a method value used as a provider.
type ovFakeDB struct{ name string }

func (f *ovFakeDB) Open() *ovDB { return &ovDB{Name: f.name} }

func constOf[T any](v T) func() T { return func() T { return v } }

func TestReplaceWithClosuresAndMethodValues(t *testing.T) {
	c := ovApp(t)
	tests := []struct {
		name string
		fn   any
		want string
	}{
		{name: "method value", fn: (&ovFakeDB{name: "method"}).Open, want: "method"},
		{name: "closure a", fn: constOf(&ovDB{Name: "a"}), want: "a"},
		// Same code pointer as closure a: identity is the registration.
		{name: "closure b", fn: constOf(&ovDB{Name: "b"}), want: "b"},
		{name: "typed", fn: depend.Func1(func(cfg *ovConfig) (*ovDB, error) { return &ovDB{Name: "typed " + cfg.DSN}, nil }), want: "typed prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := c.Fork()
			require.NoError(t, f.Replace(tt.fn))
			assert.Equal(t, tt.want, resolveIn[*ovRepo](t, f).DB.Name)
		})
	}
}

// TestForkConcurrently forks and overrides a sealed Container from many
// goroutines while it serves requests: no fork sees another's override and
// the original keeps building its own values.
func TestForkConcurrently(t *testing.T) {
	c := depend.New()
	var real atomic.Int32
	require.NoError(t, c.Provide(func() *ovDB { real.Add(1); return &ovDB{Name: "real"} }))
	require.NoError(t, c.Provide(func(db *ovDB) *ovRepo { return &ovRepo{DB: db} }))
	require.NoError(t, c.Validate())
	c.NewScope(context.Background()).Close() // seal

	const n = 16
	var start, wg sync.WaitGroup
	start.Add(1)
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() { // a test with its own override
			defer wg.Done()
			start.Wait()
			f := c.Fork()
			want := fmt.Sprint("fake", i)
			if err := f.Replace(constOf(&ovDB{Name: want})); err != nil {
				errs <- err
				return
			}
			errs <- checkRepo(f, want)
		}()
		go func() { // a request on the original
			defer wg.Done()
			start.Wait()
			errs <- checkRepo(c, "real")
		}()
	}
	start.Done()
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, int32(n), real.Load(), "one real DB per request on the original, none for the forks")
}

func checkRepo(c *depend.Container, want string) error {
	s := c.NewScope(context.Background())
	defer s.Close()
	r, err := depend.Resolve[*ovRepo](s)
	if err != nil {
		return err
	}
	if r.DB.Name != want {
		return fmt.Errorf("got DB %q, want %q", r.DB.Name, want)
	}
	return nil
}

// TestForkAndDrawWhileServing checks that Fork and WriteDOT on a sealed
// Container only read what requests read (run with -race).
func TestForkAndDrawWhileServing(t *testing.T) {
	c := ovApp(t)
	c.NewScope(context.Background()).Close()
	var start, wg sync.WaitGroup
	start.Add(1)
	var served atomic.Int32
	for range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			start.Wait()
			if checkRepo(c, "prod") == nil {
				served.Add(1)
			}
		}()
		go func() {
			defer wg.Done()
			start.Wait()
			assert.NoError(t, c.Fork().Validate())
			assert.NoError(t, c.WriteDOT(discard{}))
		}()
	}
	start.Done()
	wg.Wait()
	assert.Equal(t, int32(4), served.Load())
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func ExampleContainer_Replace() {
	app := depend.New()
	app.Provide(func() *ovDB { return &ovDB{Name: "postgres"} }, depend.Singleton)
	app.Provide(func(db *ovDB) *ovRepo { return &ovRepo{DB: db} })

	test := app.Fork() // app itself is never changed
	if err := test.Replace(func() *ovDB { return &ovDB{Name: "in-memory"} }); err != nil {
		panic(err)
	}
	if err := test.Validate(); err != nil {
		panic(err)
	}
	s := test.NewScope(context.Background())
	defer s.Close()
	repo, _ := depend.Resolve[*ovRepo](s)
	fmt.Println(repo.DB.Name)

	err := test.Replace(func() *ovClock { return nil })
	fmt.Println(errors.Is(err, depend.ErrSealed))
	// Output:
	// in-memory
	// true
}

// BenchmarkOverride resolves the same request on an application's Container,
// on a Fork of it, and on a Fork with a replaced provider, side by side: an
// override costs nothing on the request path.
func BenchmarkOverride(b *testing.B) {
	app := ovApp(b)
	forked := app.Fork()
	replaced := app.Fork()
	require.NoError(b, replaced.Replace(func(cfg *ovConfig) *ovDB { return &ovDB{Name: cfg.DSN} }))
	for _, bc := range []struct {
		name string
		c    *depend.Container
	}{{"original", app}, {"fork", forked}, {"replaced", replaced}} {
		b.Run(bc.name, func(b *testing.B) {
			benchScopes(b, bc.c, func(s *depend.Scope) error {
				_, err := depend.Resolve[*ovRepo](s)
				return err
			})
		})
	}
}

// BenchmarkFork measures what a test pays to fork and override.
func BenchmarkFork(b *testing.B) {
	app := ovApp(b)
	b.ReportAllocs()
	for b.Loop() {
		f := app.Fork()
		if err := f.Replace(constOf(&ovDB{})); err != nil {
			b.Fatal(err)
		}
	}
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

// A registration refused because the Container was already sealed does not
// reach its Forks: it says nothing about their graphs.
func TestForkIgnoresFailuresAfterSealing(t *testing.T) {
	c := depend.New()
	provide(t, c, func() *regDB { return &regDB{} })
	_ = scope(t, c)
	require.ErrorIs(t, c.Provide(func() *regRepo { return nil }), depend.ErrSealed)
	f := c.Fork()
	require.NoError(t, f.Validate())
	_, err := depend.Resolve[*regDB](scope(t, f))
	require.NoError(t, err)
}

// TestReplaceCannotBindAKindInput: a type that a Kind supplies cannot have a
// provider, so Provide refuses an As binding to it, and so does Replace in
// a Fork, which inherits the Kinds: otherwise Resolve of the input type
// would build the fake while every parameter of that type gets the Scope's
// input.
func TestReplaceCannotBindAKindInput(t *testing.T) {
	app := depend.New()
	k := jobKind(t, app)
	require.NoError(t, app.Provide(func() *bytes.Buffer { return new(bytes.Buffer) }))
	other := depend.New()
	jobKind(t, other)
	require.ErrorIs(t, other.Provide(func() *bytes.Reader { return nil }, depend.As[io.Reader]()), depend.ErrBadProvider,
		"Provide refuses a binding to a Kind's input")

	f := app.Fork()
	err := f.Replace(func() *bytes.Buffer { return bytes.NewBufferString("fake") }, depend.As[io.Reader]())
	if err == nil {
		// Show the inconsistency the binding causes.
		var direct, param io.Reader
		require.NoError(t, k.In(f).Run(context.Background(), func(ctx context.Context) error {
			s, _ := depend.ScopeFrom(ctx)
			direct, _ = depend.Resolve[io.Reader](s)
			return s.Invoke(func(r io.Reader) { param = r })
		}, depend.With[io.Reader](bytes.NewBufferString("input"))))
		t.Fatalf("Replace bound a Kind's input type: Resolve[io.Reader] gives %v, a parameter gives %v", direct, param)
	}
	assert.ErrorIs(t, err, depend.ErrBadProvider)
	assert.Contains(t, err.Error(), "input")
}
