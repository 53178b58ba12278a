package depend_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// Job is a queue's job row, the input of the "job" kind in these tests.
type Job struct {
	ID      int64
	Payload string
}

// Meta is a map input, like gRPC's metadata.MD.
type Meta map[string][]string

type jobLog struct{ lines []string }

type jobTx struct {
	job *Job
}

func jobKind(t *testing.T, c *depend.Container, opts ...depend.KindOption) *depend.Kind {
	t.Helper()
	k := c.Kind("job", append([]depend.KindOption{depend.Supplies[*Job](), depend.Supplies[Meta](), depend.Supplies[io.Reader]()}, opts...)...)
	require.NoError(t, c.Validate())
	return k
}

func TestKindScopesAreGivenTheirInputs(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(j *Job, m Meta) *jobLog { // reflective: a map parameter is not erased
		return &jobLog{lines: []string{fmt.Sprint(j.ID), strings.Join(m["trace"], ",")}}
	}))
	require.NoError(t, c.Provide(func(r io.Reader) (string, error) { // an interface input, through reflection
		b, err := io.ReadAll(r)
		return string(b), err
	}))
	k := jobKind(t, c)

	err := k.Run(context.Background(), func(ctx context.Context) error {
		s, ok := depend.ScopeFrom(ctx)
		require.True(t, ok, "the unit of work's context carries its Scope")
		l, err := depend.Resolve[*jobLog](s)
		require.NoError(t, err)
		assert.Equal(t, []string{"7", "a,b"}, l.lines)
		body, err := depend.Resolve[string](s)
		require.NoError(t, err)
		assert.Equal(t, "payload", body)
		return s.Invoke(func(j *Job, again *jobLog) { assert.Same(t, l, again); assert.Equal(t, int64(7), j.ID) })
	}, depend.With(&Job{ID: 7}), depend.With(Meta{"trace": {"a", "b"}}), depend.With[io.Reader](strings.NewReader("payload")))
	require.NoError(t, err)
}

func TestKindRunEndsTheScopeWithTheOutcome(t *testing.T) {
	errJob := errors.New("job failed")
	errCommit := errors.New("commit failed")
	tests := []struct {
		name       string
		fn         func(context.Context) error
		commitErr  error
		wantErr    func(t *testing.T, err error)
		wantCause  string // what the BeforeResponse cleanup learned
		wantReport string // what ReportTo received
	}{
		{"success commits", func(context.Context) error { return nil }, nil,
			func(t *testing.T, err error) { assert.NoError(t, err) }, "<nil>", ""},
		{"an error rolls back and is returned unchanged", func(context.Context) error { return errJob }, nil,
			func(t *testing.T, err error) { assert.Same(t, errJob, err) }, "job failed", ""},
		{"a failed commit is the outcome", func(context.Context) error { return nil }, errCommit,
			func(t *testing.T, err error) { assert.ErrorIs(t, err, errCommit) }, "<nil>", ""},
		{"a panic is an error", func(context.Context) error { panic("boom") }, nil,
			func(t *testing.T, err error) {
				var pe *depend.PanicError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, "boom", pe.Value)
			}, "depend: panic: boom", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			var reported []string
			k := c.Kind("job", depend.Supplies[*Job](), depend.ReportTo(func(ctx context.Context, err error) {
				_, ok := depend.ScopeFrom(ctx)
				assert.True(t, ok, "reported with the unit's context")
				reported = append(reported, err.Error())
			}))
			var cause string
			require.NoError(t, c.Provide(func(j *Job) (*jobTx, func(error) error) {
				tx := &jobTx{job: j}
				return tx, func(err error) error { cause = fmt.Sprint(err); return tt.commitErr }
			}, depend.BeforeResponse))
			require.NoError(t, c.Provide(func(*jobTx) (*jobLog, func() error) {
				return &jobLog{}, func() error { return errors.New("after the outcome") }
			}))
			err := k.Run(context.Background(), func(ctx context.Context) error {
				s, _ := depend.ScopeFrom(ctx)
				_, err := depend.Resolve[*jobLog](s)
				require.NoError(t, err)
				return tt.fn(ctx)
			}, depend.With(&Job{ID: 1}))
			tt.wantErr(t, err)
			assert.True(t, strings.HasPrefix(cause, tt.wantCause), "cause %q", cause)
			assert.Equal(t, []string{"depend: cleanup *depend_test.jobLog: after the outcome"}, reported, "an error after the outcome is reported, not returned")
		})
	}
	t.Run("Goexit rolls back and goes on", func(t *testing.T) {
		c := depend.New()
		k := c.Kind("job", depend.Supplies[*Job]())
		var cause error
		require.NoError(t, c.Provide(func(j *Job) (*jobTx, func(error)) { return &jobTx{}, func(err error) { cause = err } }, depend.BeforeResponse))
		done := make(chan bool)
		go func() {
			defer func() { done <- true }()
			k.Run(context.Background(), func(ctx context.Context) error {
				s, _ := depend.ScopeFrom(ctx)
				depend.Resolve[*jobTx](s)
				runtime_Goexit()
				return nil
			}, depend.With(&Job{}))
			t.Error("Run returned after Goexit")
		}()
		<-done
		assert.ErrorContains(t, cause, "runtime.Goexit")
	})
}

func TestKindCheckReportsInputsItsScopesAreNotGiven(t *testing.T) {
	c := depend.New()
	type audit struct{}
	require.NoError(t, c.Provide(func(r *http.Request) *jobLog { return &jobLog{} }))
	require.NoError(t, c.Provide(func(*jobLog) audit { return audit{} }))
	require.NoError(t, c.Provide(func(j *Job) *jobTx { return &jobTx{job: j} }))
	k := jobKind(t, c)

	assert.NoError(t, k.Check(func(*jobTx, context.Context, *depend.Scope) {}))
	err := k.Check(func(*jobTx, audit) {})
	require.ErrorIs(t, err, depend.ErrNotSupplied)
	require.ErrorIs(t, err, depend.ErrNotProvided, "ErrNotSupplied wraps ErrNotProvided")
	assert.ErrorContains(t, err, "depend_test.audit -> *depend_test.jobLog -> *http.Request")
	assert.ErrorContains(t, err, "*http.Request is an input of Scopes of kind http, and Scopes of kind job are not given it (they supply *depend_test.Job, depend_test.Meta, io.Reader)")
	assert.ErrorContains(t, err, "kind_test.go", "the root is named")

	assert.NoError(t, c.HTTPKind().Check(func(audit) {}))
	err = c.HTTPKind().Check(func(*jobTx) {})
	assert.ErrorIs(t, err, depend.ErrNotSupplied)
	assert.ErrorContains(t, err, "*depend_test.jobTx -> *depend_test.Job")

	p := recoverOf(func() { c.Handler(func(*jobTx) {}) })
	require.NotNil(t, p, "Handler checks its graph against the http kind")
	assert.ErrorIs(t, p.(error), depend.ErrNotSupplied)

	assert.ErrorContains(t, k.Check(42), "root 0 is int, want a func")
	assert.ErrorIs(t, k.Check(func(*httpUser) {}), depend.ErrNotProvided)
}

func TestValidateReportsAProviderNoKindCanBuild(t *testing.T) {
	c := depend.New()
	type mixed struct{}
	type above struct{}
	require.NoError(t, c.Provide(func(*http.Request, *Job) mixed { return mixed{} }))
	require.NoError(t, c.Provide(func(mixed) above { return above{} }))
	require.NoError(t, c.Provide(func(*Job, Meta) *jobTx { return nil }))
	c.Kind("job", depend.Supplies[*Job](), depend.Supplies[Meta]())
	err := c.Validate()
	require.ErrorIs(t, err, depend.ErrNotSupplied)
	assert.Equal(t, 1, strings.Count(err.Error(), "can never be built"), "reported where it starts, not at what depends on it: %v", err)
	assert.ErrorContains(t, err, "depend_test.mixed needs *depend_test.Job (Scopes of kind job) and *http.Request (Scopes of kind http)")
}

func TestKindRefusesWhatItCannotDeclare(t *testing.T) {
	tests := []struct {
		name string
		do   func(c *depend.Container) *depend.Kind
		want error
		msg  string
	}{
		{"after sealing", func(c *depend.Container) *depend.Kind {
			c.NewScope(context.Background())
			return c.Kind("job", depend.Supplies[*Job]())
		}, depend.ErrSealed, "declare every Kind before"},
		{"the http name", func(c *depend.Container) *depend.Kind { return c.Kind("http") }, depend.ErrBadProvider, `another Kind is named "http"`},
		{"a name twice", func(c *depend.Container) *depend.Kind {
			c.Kind("job")
			return c.Kind("job")
		}, depend.ErrBadProvider, `another Kind is named "job"`},
		{"no name", func(c *depend.Container) *depend.Kind { return c.Kind("") }, depend.ErrBadProvider, "name the kind with one word"},
		{"a type twice", func(c *depend.Container) *depend.Kind {
			return c.Kind("job", depend.Supplies[*Job](), depend.Supplies[*Job]())
		}, depend.ErrBadProvider, "Supplies[*depend_test.Job] is given twice"},
		{"the context", func(c *depend.Container) *depend.Kind { return c.Kind("job", depend.Supplies[context.Context]()) }, depend.ErrBadProvider, "every Scope has its context.Context already"},
		{"the zero Supply", func(c *depend.Container) *depend.Kind { return c.Kind("job", depend.Supply{}) }, depend.ErrBadProvider, "the zero Supply"},
		{"a nil option", func(c *depend.Container) *depend.Kind { return c.Kind("job", nil) }, depend.ErrBadProvider, "nil KindOption"},
		{"nil ReportTo", func(c *depend.Container) *depend.Kind { return c.Kind("job", depend.ReportTo(nil)) }, depend.ErrBadProvider, "ReportTo(nil)"},
		{"a provided type", func(c *depend.Container) *depend.Kind {
			c.Provide(func() *Job { return nil })
			return c.Kind("job", depend.Supplies[*Job]())
		}, depend.ErrAlreadyProvided, "a Scope's input has no provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			k := tt.do(c)
			require.NotNil(t, k)
			err := c.Validate()
			require.ErrorIs(t, err, tt.want)
			assert.ErrorContains(t, err, tt.msg)
			runErr := k.Run(context.Background(), func(context.Context) error { t.Error("ran"); return nil })
			assert.ErrorIs(t, runErr, tt.want, "the Kind fails its Runs with the declaration's error")
		})
	}
	t.Run("providing a supplied type", func(t *testing.T) {
		c := depend.New()
		c.Kind("job", depend.Supplies[*Job]())
		err := c.Provide(func() *Job { return nil })
		assert.ErrorIs(t, err, depend.ErrBadProvider)
		assert.ErrorContains(t, err, "*depend_test.Job is an input of Scopes of kind job")
	})
}

func TestKindNewScopeRefusesValuesItIsNotGiven(t *testing.T) {
	c := depend.New()
	k := jobKind(t, c)
	for _, tt := range []struct {
		values []depend.Value
		msg    string
	}{
		{[]depend.Value{depend.With("text")}, "With[string] gives an input this kind does not supply"},
		{[]depend.Value{depend.With(&Job{}), depend.With(&Job{})}, "With[*depend_test.Job] is given twice"},
		{[]depend.Value{{}}, "value 0 is the zero Value"},
	} {
		s, err := k.NewScope(context.Background(), tt.values...)
		assert.Nil(t, s)
		assert.ErrorIs(t, err, depend.ErrBadProvider)
		assert.ErrorContains(t, err, tt.msg)
	}
	_, err := (&depend.Kind{}).NewScope(context.Background())
	assert.ErrorIs(t, err, depend.ErrBadProvider)
	assert.ErrorContains(t, (&depend.Kind{}).Check(), "Check on a Kind that Container.Kind did not make")
	assert.ErrorContains(t, k.Run(context.Background(), nil), "Run(nil)")
}

func TestAnInputNotGivenFailsWithErrNotSupplied(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(j *Job) *jobTx { return &jobTx{job: j} }))
	k := jobKind(t, c)

	s, err := k.NewScope(context.Background()) // no *Job
	require.NoError(t, err)
	defer s.Close()
	_, err = depend.Resolve[*jobTx](s)
	require.ErrorIs(t, err, depend.ErrNotSupplied)
	assert.ErrorContains(t, err, "*depend_test.Job is an input of Scopes of kind job, not of this Scope of kind job, opened without it")

	plain := c.NewScope(context.Background())
	defer plain.Close()
	_, err = depend.Resolve[*Job](plain)
	assert.ErrorIs(t, err, depend.ErrNotSupplied)
	assert.ErrorContains(t, err, "not of a Scope opened by NewScope, which is given no inputs")
	_, err = depend.Resolve[*http.Request](plain)
	assert.ErrorContains(t, err, "exists only in a Scope opened for an HTTP request")
}

func TestASingletonCannotDependOnAKindsInput(t *testing.T) {
	c := depend.New()
	c.Kind("job", depend.Supplies[*Job]())
	require.NoError(t, c.Provide(func(*Job) *jobLog { return nil }, depend.Singleton))
	err := c.Validate()
	assert.ErrorIs(t, err, depend.ErrCaptive)
	assert.ErrorContains(t, err, "the per-request input *depend_test.Job")
}

// TestConcurrentRunsKeepTheirOwnInputs runs 200 units of work at once: each
// sees its own job, builds its transaction once, and has it ended once.
func TestConcurrentRunsKeepTheirOwnInputs(t *testing.T) {
	c := depend.New()
	k := c.Kind("job", depend.Supplies[*Job]())
	var built, ended atomic.Int64
	require.NoError(t, c.Provide(func(j *Job) (*jobTx, func(error)) {
		built.Add(1)
		return &jobTx{job: j}, func(error) { ended.Add(1) }
	}, depend.BeforeResponse))
	const n = 200
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			err := k.Run(context.Background(), func(ctx context.Context) error {
				s, _ := depend.ScopeFrom(ctx)
				var inner sync.WaitGroup
				for range 3 { // the same Scope from several goroutines
					inner.Go(func() {
						tx, err := depend.Resolve[*jobTx](s)
						if assert.NoError(t, err) {
							assert.Equal(t, int64(i), tx.job.ID)
						}
					})
				}
				inner.Wait()
				return nil
			}, depend.With(&Job{ID: int64(i)}))
			assert.NoError(t, err)
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int64(n), built.Load())
	assert.Equal(t, int64(n), ended.Load())
}

var runtime_Goexit = runtime.Goexit

func TestKindReportSendsWhereReportToDoes(t *testing.T) {
	c := depend.New()
	var got []string
	k := c.Kind("job", depend.ReportTo(func(ctx context.Context, err error) {
		assert.NotNil(t, ctx)
		got = append(got, err.Error())
	}))
	k.Report(context.Background(), errors.New("hidden from the caller"))
	var noContext context.Context // nil: Report uses context.Background()
	k.Report(noContext, errors.New("no context"))
	k.Report(context.Background(), nil)
	assert.Equal(t, []string{"hidden from the caller", "no context"}, got)
	var nilKind *depend.Kind
	assert.NotPanics(t, func() { nilKind.Report(context.Background(), errors.New("x")) })
}

// TestKindRunSurvivesAUnitThatClosesItsScope: fn may close the Scope it was
// given (Close is idempotent and safe for concurrent use); Run must still
// end the Scope without touching the table the close released.
func TestKindRunSurvivesAUnitThatClosesItsScope(t *testing.T) {
	c := depend.New()
	k := c.Kind("job", depend.Supplies[*Job]())
	var ended atomic.Int64
	require.NoError(t, c.Provide(func(j *Job) (*jobTx, func(error)) {
		return &jobTx{job: j}, func(error) { ended.Add(1) }
	}, depend.BeforeResponse))
	var err error
	require.NotPanics(t, func() {
		err = k.Run(context.Background(), func(ctx context.Context) error {
			s, _ := depend.ScopeFrom(ctx)
			_, rerr := depend.Resolve[*jobTx](s)
			require.NoError(t, rerr)
			return s.Close()
		}, depend.With(&Job{ID: 1}))
	})
	assert.NoError(t, err)
	assert.Equal(t, int64(1), ended.Load(), "the cleanup runs once")
}

// TestKindRunReportsAFailedRollback: when the unit of work fails, the
// outcome is its error, and a BeforeResponse cleanup that fails too (a
// rollback) is reported, not lost, as Handler reports it.
func TestKindRunReportsAFailedRollback(t *testing.T) {
	c := depend.New()
	var reported []error
	k := c.Kind("job", depend.Supplies[*Job](), depend.ReportTo(func(_ context.Context, err error) {
		reported = append(reported, err)
	}))
	errRollback := errors.New("rollback failed")
	require.NoError(t, c.Provide(func(j *Job) (*jobTx, func(error) error) {
		return &jobTx{job: j}, func(error) error { return errRollback }
	}, depend.BeforeResponse))
	errJob := errors.New("job failed")
	err := k.Run(context.Background(), func(ctx context.Context) error {
		s, _ := depend.ScopeFrom(ctx)
		_, rerr := depend.Resolve[*jobTx](s)
		require.NoError(t, rerr)
		return errJob
	}, depend.With(&Job{ID: 1}))
	assert.Same(t, errJob, err, "the outcome is the unit's error")
	require.Len(t, reported, 1, "the failed rollback is reported")
	assert.ErrorIs(t, reported[0], errRollback)
}

// TestAnInputGivenAsNilIsNotSupplied: NewScope's doc promises that an input
// given as nil fails the calls that need it with ErrNotSupplied, rather than
// handing providers a nil pointer or map to crash on.
func TestAnInputGivenAsNilIsNotSupplied(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(j *Job) *jobTx { return &jobTx{job: j} }))
	require.NoError(t, c.Provide(func(m Meta) *jobLog { return &jobLog{lines: m["x"]} }))
	k := jobKind(t, c)
	for name, v := range map[string]depend.Value{
		"a nil pointer":   depend.With[*Job](nil),
		"a nil map":       depend.With[Meta](nil),
		"a nil interface": depend.With[io.Reader](nil),
	} {
		t.Run(name, func(t *testing.T) {
			s, err := k.NewScope(context.Background(), v)
			require.NoError(t, err)
			defer s.Close()
			_, err = depend.Resolve[*jobTx](s)
			assert.ErrorIs(t, err, depend.ErrNotSupplied)
			_, err = depend.Resolve[*jobLog](s)
			assert.ErrorIs(t, err, depend.ErrNotSupplied)
			err = s.Invoke(func(*Job) {})
			assert.ErrorIs(t, err, depend.ErrNotSupplied)
		})
	}
}

// TestAHandlerInsideAUnitOfWorkOpensItsOwnScope: an http.Handler served in
// process with a request whose context derives from a unit of work's (an
// in-memory transport, say) must not join the unit's Scope: joining would
// finish it when the handler returns, committing the unit's transaction
// before the unit's outcome is known.
func TestAHandlerInsideAUnitOfWorkOpensItsOwnScope(t *testing.T) {
	c := depend.New()
	k := c.Kind("job", depend.Supplies[*Job]())
	var causes []string
	require.NoError(t, c.Provide(func(j *Job) (*jobTx, func(error)) {
		return &jobTx{job: j}, func(err error) { causes = append(causes, fmt.Sprint(err)) }
	}, depend.BeforeResponse))
	h := c.Handler(func(ctx context.Context) {
		s, _ := depend.ScopeFrom(ctx)
		_, err := depend.Resolve[*jobTx](s)
		assert.ErrorIs(t, err, depend.ErrNotSupplied, "the handler's Scope is an HTTP one")
	})
	errJob := errors.New("job failed")
	err := k.Run(context.Background(), func(ctx context.Context) error {
		s, _ := depend.ScopeFrom(ctx)
		_, err := depend.Resolve[*jobTx](s)
		require.NoError(t, err)
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
		require.NoError(t, err)
		h.ServeHTTP(httptest.NewRecorder(), r)
		return errJob
	}, depend.With(&Job{ID: 1}))
	assert.Same(t, errJob, err)
	assert.Equal(t, []string{"job failed"}, causes, "the job's transaction learns the job's outcome, once")
}

// TestWithOfAConcreteTypeNamesTheInterface: With infers v's own type, so
// a value for an interface input that forgot to name T gets an error that
// says which With to write.
func TestWithOfAConcreteTypeNamesTheInterface(t *testing.T) {
	c := depend.New()
	k := jobKind(t, c)
	_, err := k.NewScope(context.Background(), depend.With(strings.NewReader("x")))
	assert.ErrorIs(t, err, depend.ErrBadProvider)
	assert.ErrorContains(t, err, "With[io.Reader](v)")
}

func TestANilKindHasNoName(t *testing.T) {
	var k *depend.Kind
	assert.NotPanics(t, func() { assert.Equal(t, "", k.Name()) })
}

// TestErrNotSuppliedSaysWhichScopeLacksTheInput: the error names the kind
// of Scope that asked, and does not blame NewScope or a missing With for
// an input that kind of Scope is never given.
func TestErrNotSuppliedSaysWhichScopeLacksTheInput(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(j *Job) *jobTx { return &jobTx{job: j} }))
	require.NoError(t, c.Provide(func(r *http.Request) *jobLog { return &jobLog{} }))
	k := jobKind(t, c)
	other := c.Kind("tick")

	s := c.NewHTTPScope(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	defer s.Close()
	_, err := depend.Resolve[*jobTx](s)
	assert.ErrorIs(t, err, depend.ErrNotSupplied)
	assert.ErrorContains(t, err, "not of Scopes of kind http")

	s, err = other.NewScope(context.Background())
	require.NoError(t, err)
	defer s.Close()
	_, err = depend.Resolve[*jobTx](s)
	assert.ErrorIs(t, err, depend.ErrNotSupplied)
	assert.ErrorContains(t, err, "not of Scopes of kind tick")
	_, err = depend.Resolve[*jobLog](s)
	assert.ErrorIs(t, err, depend.ErrNotSupplied)
	assert.ErrorContains(t, err, "not of Scopes of kind tick")

	s, err = k.NewScope(context.Background())
	require.NoError(t, err)
	defer s.Close()
	_, err = depend.Resolve[*jobTx](s)
	assert.ErrorContains(t, err, "not of this Scope of kind job, opened without it")
}

// TestKindReportLogsWhatItIsGiven: without ReportTo, Report logs with
// slog.Default(); an integration reports errors that are no cleanup's (an
// RPC answered without its text), so the message must not say one failed.
func TestKindReportLogsWhatItIsGiven(t *testing.T) {
	var buf strings.Builder
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	c := depend.New()
	k := c.Kind("rpc")
	k.Report(context.Background(), errors.New("answered Internal: no such table"))
	assert.NotContains(t, buf.String(), "cleanup failed")
	assert.Contains(t, buf.String(), "kind=rpc")
	assert.Contains(t, buf.String(), "no such table")
}

// TestAKindsRequestCarriesItsScope: a Kind that supplies *http.Request (the
// http kind, or a Connect-like one) gives providers the request with the
// Scope's context, as NewHTTPScope does, so that ScopeFrom on the request
// finds this Scope and not the one of the request it came from.
func TestAKindsRequestCarriesItsScope(t *testing.T) {
	c := depend.New()
	for _, k := range []*depend.Kind{c.HTTPKind(), c.Kind("webhook", depend.Supplies[*http.Request]())} {
		outer := c.NewScope(context.Background())
		r := httptest.NewRequestWithContext(outer.Context(), http.MethodPost, "/", nil)
		s, err := k.NewScope(context.Background(), depend.With(r))
		require.NoError(t, err)
		got, err := depend.Resolve[*http.Request](s)
		require.NoError(t, err)
		in, ok := depend.ScopeFrom(got.Context())
		assert.True(t, ok, k.Name())
		assert.Same(t, s, in, "%s: the request's context carries the Scope it is an input of", k.Name())
		assert.Equal(t, "/", got.URL.Path)
		s.Close()
		outer.Close()
	}
}

// TestAForkKeepsTheKindsOfItsContainer: a test forks the application to
// replace a provider; the fork must know the application's kinds, or every
// provider that takes a kind's input is "not provided" in it, and
// Kind.In hands the test the fork's copy of a Kind to run work with.
func TestAForkKeepsTheKindsOfItsContainer(t *testing.T) {
	app := depend.New()
	k := jobKind(t, app)
	require.NoError(t, app.Provide(func(j *Job) *jobTx { return &jobTx{job: j} }))
	require.NoError(t, app.Provide(func(tx *jobTx) string { return fmt.Sprint("real ", tx.job.ID) }))

	f := app.Fork()
	require.NoError(t, f.Replace(func(tx *jobTx) string { return fmt.Sprint("fake ", tx.job.ID) }))
	require.NoError(t, f.Validate(), "a fork validates against the kinds it inherited")

	run := func(k *depend.Kind) string {
		var got string
		require.NoError(t, k.Run(context.Background(), func(ctx context.Context) error {
			s, _ := depend.ScopeFrom(ctx)
			v, err := depend.Resolve[string](s)
			got = v
			return err
		}, depend.With(&Job{ID: 7})))
		return got
	}
	assert.Equal(t, "fake 7", run(k.In(f)), "the fork's copy runs in the fork")
	assert.Equal(t, "real 7", run(k), "the application's Kind still runs in the application")
	assert.Equal(t, "job", k.In(f).Name())
	assert.Same(t, k, k.In(app))

	other := depend.New()
	_, err := k.In(other).NewScope(context.Background())
	require.ErrorIs(t, err, depend.ErrBadProvider)
	assert.Contains(t, err.Error(), `no Kind named "job"`)
	var nilKind *depend.Kind
	_, err = nilKind.In(f).NewScope(context.Background())
	require.ErrorIs(t, err, depend.ErrBadProvider)
	assert.NotPanics(t, func() {
		_, err = k.In(nil).NewScope(context.Background())
	})
	require.ErrorIs(t, err, depend.ErrBadProvider)
}

type (
	goexitTx     struct{}
	goexitCommit struct{}
)

// TestRunClosesItsScopeWhenACleanupCallsGoexit: when a BeforeResponse
// cleanup calls runtime.Goexit (require in a test's commit, say), Run still
// closes the Scope, as the HTTP layer does, and its other cleanups learn
// the Goexit, not success.
func TestRunClosesItsScopeWhenACleanupCallsGoexit(t *testing.T) {
	c := depend.New()
	var cause atomic.Pointer[error]
	require.NoError(t, c.Provide(func() (*goexitTx, func(error)) {
		return &goexitTx{}, func(err error) { cause.Store(&err) }
	}))
	require.NoError(t, c.Provide(func(*goexitTx) (*goexitCommit, func(error)) { return &goexitCommit{}, func(error) { runtime.Goexit() } }, depend.BeforeResponse))
	k := c.Kind("job")
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = k.Run(context.Background(), func(ctx context.Context) error {
			s, _ := depend.ScopeFrom(ctx)
			_, err := depend.Resolve[*goexitCommit](s)
			return err
		})
		t.Error("Run returned: the Goexit must go on")
	}()
	<-done
	got := cause.Load()
	require.NotNil(t, got, "the after-response cleanup never ran")
	assert.ErrorContains(t, *got, "Goexit", "it must not learn success")
}

// TestErrNotSuppliedDoesNotTakeNewScopeForHTTP: a Scope that NewScope opens
// on the context of another Scope (a job's, or a request's, to run
// background work with a cache of its own) is given no inputs, and the
// error says so: it is not a Scope of kind http because its context is
// another Scope's.
func TestErrNotSuppliedDoesNotTakeNewScopeForHTTP(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(j *Job) *jobTx { return &jobTx{job: j} }))
	k := jobKind(t, c)
	require.NoError(t, k.Run(context.Background(), func(ctx context.Context) error {
		s := c.NewScope(ctx)
		defer s.Close()
		_, err := depend.Resolve[*jobTx](s)
		assert.ErrorIs(t, err, depend.ErrNotSupplied)
		assert.ErrorContains(t, err, "not of a Scope opened by NewScope, which is given no inputs")
		assert.NotContains(t, err.Error(), "kind http")
		return nil
	}, depend.With(&Job{ID: 1})))
}
