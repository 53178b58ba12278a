package depend_test

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// TestKindInputsStayWhileAHandlerJoins checks that a Handler served with a
// request whose context carries a Scope of a Kind, which it joins and gives
// its own request and writer while it runs, leaves the Kind's other inputs
// in place: what the handler resolves from the Scope still sees them.
func TestKindInputsStayWhileAHandlerJoins(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(j *Job) *jobTx { return &jobTx{job: j} }))
	k := c.Kind("job", depend.Supplies[*Job]())
	var got *jobTx
	h := c.Handler(func(r *http.Request) error {
		s, ok := depend.ScopeFrom(r.Context())
		require.True(t, ok)
		var err error
		got, err = depend.Resolve[*jobTx](s)
		return err
	})
	job := &Job{ID: 3}
	require.NoError(t, k.Run(context.Background(), func(ctx context.Context) error {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx))
		assert.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
		return nil
	}, depend.With(job)))
	require.NotNil(t, got)
	assert.Same(t, job, got.job)
}
