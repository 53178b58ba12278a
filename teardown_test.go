package depend_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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

type (
	tdTx    struct{}
	tdAudit struct{}
)

// tdLog records, in order, what the cleanups of a request did and whether
// the response had been written when they ran.
type tdLog struct {
	entries []string
	rec     *httptest.ResponseRecorder
}

func (l *tdLog) add(format string, args ...any) {
	state := "unwritten"
	if l.rec != nil && (l.rec.Body.Len() > 0 || l.rec.Code != http.StatusOK) {
		state = "written"
	}
	l.entries = append(l.entries, fmt.Sprintf(format, args...)+" ("+state+")")
}

// provideCommit registers *tdTx with a BeforeResponse cleanup that commits,
// failing with commitErr, or rolls back when the request failed; and
// *tdAudit, an ordinary cleanup that runs after the response and logs the
// cause it learns.
func provideCommit(t *testing.T, c *depend.Container, l *tdLog, commitErr error) {
	t.Helper()
	require.NoError(t, c.Provide(func() (*tdTx, func(error) error) {
		return &tdTx{}, func(cause error) error {
			if cause != nil {
				l.add("rollback: %v", cause)
				return nil
			}
			l.add("commit")
			return commitErr
		}
	}, depend.BeforeResponse))
	require.NoError(t, c.Provide(func(*tdTx) (*tdAudit, func(error)) {
		return &tdAudit{}, func(cause error) { l.add("audit sees: %v", cause) }
	}))
}

var errLocked = errors.New("database is locked")

// A BeforeResponse cleanup runs when the handler has returned and before
// the response is written; its error becomes the response, and cleanups
// that run later learn it as the request's cause.
func TestBeforeResponseCommitDecidesTheResponse(t *testing.T) {
	write := func(w http.ResponseWriter, _ *tdTx, _ *tdAudit) { w.WriteHeader(http.StatusCreated) }
	saved := func(c *depend.Container) http.Handler {
		return c.Handler(func(*tdTx, *tdAudit) string { return "saved" })
	}
	const internal = "Internal Server Error\n"
	locked := []string{"commit (unwritten)", "audit sees: depend: cleanup *depend_test.tdTx: database is locked (written)"}
	tests := []struct {
		name      string
		commitErr error
		handler   func(c *depend.Container) http.Handler
		status    int
		body      string
		entries   []string
		reported  string // a substring of the one reported error, or ""
	}{
		{
			name:    "commit succeeds, then the value is written",
			handler: saved,
			status:  http.StatusOK, body: "\"saved\"\n",
			entries: []string{"commit (unwritten)", "audit sees: <nil> (written)"},
		},
		{
			name:      "commit fails: a 500, not the handler's value",
			commitErr: errLocked,
			handler:   saved,
			status:    http.StatusInternalServerError, body: internal,
			entries:  locked,
			reported: "database is locked",
		},
		{
			name:      "commit fails with a status",
			commitErr: &depend.HTTPError{Status: http.StatusConflict, Message: "conflict, try again"},
			handler:   saved,
			status:    http.StatusConflict, body: "conflict, try again\n",
			entries: []string{"commit (unwritten)", "audit sees: depend: cleanup *depend_test.tdTx: conflict, try again (written)"},
		},
		{
			name: "the handler fails: rollback before the error is written",
			handler: func(c *depend.Container) http.Handler {
				return c.Handler(func(*tdTx, *tdAudit) error { return errLocked })
			},
			status: http.StatusInternalServerError, body: internal,
			entries:  []string{"rollback: database is locked (unwritten)", "audit sees: database is locked (written)"},
			reported: "database is locked",
		},
		{
			name:      "under Middleware",
			commitErr: errLocked,
			handler: func(c *depend.Container) http.Handler {
				mux := http.NewServeMux()
				mux.Handle("/", saved(c))
				return c.Middleware(mux)
			},
			status: http.StatusInternalServerError, body: internal,
			entries:  locked,
			reported: "database is locked",
		},
		{
			name:      "a Group requirement the handler does not take",
			commitErr: errLocked,
			handler: func(c *depend.Container) http.Handler {
				return c.Group(depend.Require[*tdAudit]()).Handler(func() string { return "saved" })
			},
			status: http.StatusInternalServerError, body: internal,
			entries:  locked,
			reported: "database is locked",
		},
		{
			name:      "Middleware over a plain handler that resolves it",
			commitErr: errLocked,
			handler: func(c *depend.Container) http.Handler {
				return c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s, _ := depend.ScopeFrom(r.Context())
					_, err := depend.Resolve[*tdAudit](s)
					require.NoError(t, err)
				}))
			},
			status: http.StatusInternalServerError, body: internal,
			entries:  locked,
			reported: "database is locked",
		},
		{
			name:      "the handler wrote the response itself: the status stays",
			commitErr: errLocked,
			handler:   func(c *depend.Container) http.Handler { return c.Handler(write) },
			status:    http.StatusCreated, body: "",
			entries:  []string{"commit (written)", "audit sees: depend: cleanup *depend_test.tdTx: database is locked (written)"},
			reported: "the response had started",
		},
		{
			name: "a value JSON cannot encode rolls back",
			handler: func(c *depend.Container) http.Handler {
				return c.Handler(func(*tdTx, *tdAudit) func() { return func() {} })
			},
			status: http.StatusInternalServerError, body: internal,
			entries: []string{
				"rollback: depend: encode the handler's func() result as JSON: json: unsupported type: func() (unwritten)",
				"audit sees: depend: encode the handler's func() result as JSON: json: unsupported type: func() (written)",
			},
			reported: "unsupported type",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rep := newHTTP(t)
			l := &tdLog{rec: httptest.NewRecorder()}
			provideCommit(t, c, l, tt.commitErr)
			tt.handler(c).ServeHTTP(l.rec, httptest.NewRequest(http.MethodPost, "/", nil))
			assert.Equal(t, tt.status, l.rec.Code)
			assert.Equal(t, tt.body, bodyText(l.rec))
			assert.Equal(t, tt.entries, l.entries)
			errs := rep.all()
			if tt.reported == "" {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1, "want exactly one reported error")
			assert.ErrorContains(t, errs[0], tt.reported)
		})
	}
}

// A request that panics still rolls back its BeforeResponse values, once.
func TestBeforeResponsePanicRollsBackOnce(t *testing.T) {
	c, _ := newHTTP(t)
	l := &tdLog{}
	provideCommit(t, c, l, nil)
	h := c.Handler(func(*tdTx, *tdAudit) { panic("boom") })
	require.PanicsWithValue(t, "boom", func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	})
	assert.Equal(t, []string{"audit sees: depend: panic: boom (unwritten)", "rollback: depend: panic: boom (unwritten)"}, l.entries)
}

// Scope.Finish is the phase for Scopes opened by hand (a job, an RPC): it
// runs the BeforeResponse cleanups, newest first, returns their errors, and
// records them as the cause that Close's cleanups learn. It runs each
// cleanup once, and Close runs the ones Finish did not.
func TestScopeFinish(t *testing.T) {
	type tdSecond struct{}
	t.Run("commit error", func(t *testing.T) {
		c := depend.New()
		l := &tdLog{}
		provideCommit(t, c, l, errLocked)
		require.NoError(t, c.Provide(func(*tdAudit) (*tdSecond, func(error) error) {
			return &tdSecond{}, func(cause error) error { l.add("second: %v", cause); return nil }
		}, depend.BeforeResponse))
		s := c.NewScope(context.Background())
		_, err := depend.Resolve[*tdSecond](s)
		require.NoError(t, err)
		err = s.Finish(nil)
		require.ErrorIs(t, err, errLocked)
		assert.Equal(t, "depend: cleanup *depend_test.tdTx: database is locked", err.Error())
		require.NoError(t, s.Finish(nil), "a second Finish ran the cleanups again")
		require.NoError(t, s.Close())
		assert.Equal(t, []string{"second: <nil> (unwritten)", "commit (unwritten)",
			"audit sees: depend: cleanup *depend_test.tdTx: database is locked (unwritten)"}, l.entries)
	})
	t.Run("the cause given", func(t *testing.T) {
		c := depend.New()
		l := &tdLog{}
		provideCommit(t, c, l, nil)
		s := c.NewScope(context.Background())
		_, err := depend.Resolve[*tdAudit](s)
		require.NoError(t, err)
		require.NoError(t, s.Finish(errLocked))
		require.NoError(t, s.Close())
		assert.Equal(t, []string{"rollback: database is locked (unwritten)", "audit sees: database is locked (unwritten)"}, l.entries)
	})
	t.Run("Close without Finish runs them in order", func(t *testing.T) {
		c := depend.New()
		l := &tdLog{}
		provideCommit(t, c, l, nil)
		s := c.NewScope(context.Background())
		_, err := depend.Resolve[*tdAudit](s)
		require.NoError(t, err)
		require.NoError(t, s.Close())
		assert.Equal(t, []string{"audit sees: <nil> (unwritten)", "commit (unwritten)"}, l.entries)
	})
	t.Run("after Close", func(t *testing.T) {
		c := depend.New()
		s := c.NewScope(context.Background())
		require.NoError(t, s.Close())
		require.ErrorIs(t, s.Finish(nil), depend.ErrScopeClosed)
		var nilScope *depend.Scope
		require.ErrorIs(t, nilScope.Finish(nil), depend.ErrScopeClosed)
	})
}

// BeforeResponse is refused where it could never run before a response,
// and a Replace keeps it, as it keeps the lifetime.
func TestBeforeResponseOption(t *testing.T) {
	tests := []struct {
		name string
		fn   any
		opts []depend.Option
		want string
	}{
		{"no cleanup", func() *tdTx { return &tdTx{} }, []depend.Option{depend.BeforeResponse}, "returns no cleanup"},
		{"a Singleton", func() (*tdTx, func()) { return &tdTx{}, func() {} }, []depend.Option{depend.BeforeResponse, depend.Singleton}, "Container.Close"},
		{"contradicting", func() (*tdTx, func()) { return &tdTx{}, func() {} }, []depend.Option{depend.BeforeResponse, depend.AfterResponse}, "contradict"},
		{"not a teardown", func() (*tdTx, func()) { return &tdTx{}, func() {} }, []depend.Option{depend.Teardown(7)}, "Teardown(7) is not a teardown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := depend.New().Provide(tt.fn, tt.opts...)
			require.ErrorIs(t, err, depend.ErrBadProvider)
			require.ErrorContains(t, err, tt.want)
		})
	}
	t.Run("Replace keeps it", func(t *testing.T) {
		c := depend.New()
		l := &tdLog{}
		provideCommit(t, c, l, nil)
		f := c.Fork()
		require.NoError(t, f.Replace(func() (*tdTx, func(error) error) {
			return &tdTx{}, func(error) error { l.add("fake commit"); return errLocked }
		}))
		s := f.NewScope(context.Background())
		_, err := depend.Resolve[*tdTx](s)
		require.NoError(t, err)
		require.ErrorIs(t, s.Finish(nil), errLocked)
		require.NoError(t, s.Close())
		assert.Equal(t, []string{"fake commit (unwritten)"}, l.entries)
	})
	t.Run("names", func(t *testing.T) {
		assert.Equal(t, "before-response", depend.BeforeResponse.String())
		assert.Equal(t, "after-response", depend.AfterResponse.String())
		assert.True(t, strings.HasPrefix(depend.Teardown(9).String(), "Teardown("))
	})
}

type (
	tdConn struct{}
	tdWork struct{}
)

// Finish records the cause it is given, whether or not the Scope has
// BeforeResponse values, so Close's cleanups learn it either way.
func TestFinishRecordsTheCause(t *testing.T) {
	for _, early := range []bool{false, true} {
		t.Run(fmt.Sprint("BeforeResponse values: ", early), func(t *testing.T) {
			c := depend.New()
			var got error = errors.New("unset")
			require.NoError(t, c.Provide(func() (*tdConn, func(error)) { return &tdConn{}, func(e error) { got = e } }))
			require.NoError(t, c.Provide(func(*tdConn) (*tdWork, func(error)) { return &tdWork{}, func(error) {} }, depend.BeforeResponse))
			s := c.NewScope(context.Background())
			_, err := depend.Resolve[*tdConn](s)
			require.NoError(t, err)
			if early {
				_, err = depend.Resolve[*tdWork](s)
				require.NoError(t, err)
			}
			require.NoError(t, s.Finish(errLocked))
			require.NoError(t, s.Close())
			require.Equal(t, errLocked, got)
		})
	}
}

// Close while a Finish commits waits for it: the older cleanups run after
// the commit, newest first, and learn its failure.
func TestCloseWaitsForAFinishInFlight(t *testing.T) {
	c := depend.New()
	var mu sync.Mutex
	var order []string
	var connCause error
	inCommit, release := make(chan struct{}), make(chan struct{})
	require.NoError(t, c.Provide(func() (*tdConn, func(error)) {
		return &tdConn{}, func(e error) { mu.Lock(); order, connCause = append(order, "conn closed"), e; mu.Unlock() }
	}))
	require.NoError(t, c.Provide(func(*tdConn) (*tdWork, func(error) error) {
		return &tdWork{}, func(error) error {
			close(inCommit)
			<-release
			mu.Lock()
			order = append(order, "committed")
			mu.Unlock()
			return errLocked
		}
	}, depend.BeforeResponse))
	s := c.NewScope(context.Background())
	_, err := depend.Resolve[*tdWork](s)
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() { assert.ErrorIs(t, s.Finish(nil), errLocked) })
	<-inCommit
	closed := make(chan struct{})
	go func() { assert.NoError(t, s.Close()); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a Finish was still committing")
	case <-time.After(50 * time.Millisecond): // Close is given the time to run early, wrongly
	}
	close(release)
	wg.Wait()
	<-closed
	assert.Equal(t, []string{"committed", "conn closed"}, order)
	assert.ErrorIs(t, connCause, errLocked)
}

// Replace refuses BeforeResponse on the Singleton it replaces, as Provide
// refuses it on a Singleton.
func TestReplaceRefusesBeforeResponseOnASingleton(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() (*tdConn, func()) { return &tdConn{}, func() {} }, depend.Singleton))
	err := c.Fork().Replace(func() (*tdConn, func()) { return &tdConn{}, func() {} }, depend.BeforeResponse)
	require.ErrorIs(t, err, depend.ErrBadProvider)
	require.ErrorContains(t, err, "a Singleton's cleanup runs at Container.Close")
}

type (
	exitCommit  struct{}
	exitPublish struct{}
)

// TestFinishRunsEveryCleanupWhenOneCallsGoexit: a BeforeResponse cleanup
// that calls runtime.Goexit still lets the older ones Finish took run, and
// a Close afterwards does not wait for that Finish for ever.
func TestFinishRunsEveryCleanupWhenOneCallsGoexit(t *testing.T) {
	c := depend.New()
	var committed atomic.Bool
	require.NoError(t, c.Provide(func() (*exitCommit, func()) {
		return &exitCommit{}, func() { committed.Store(true) }
	}, depend.BeforeResponse))
	require.NoError(t, c.Provide(func(*exitCommit) (*exitPublish, func()) {
		return &exitPublish{}, runtime.Goexit
	}, depend.BeforeResponse))
	s := c.NewScope(context.Background())
	_, err := depend.Resolve[*exitPublish](s)
	require.NoError(t, err)
	// A call in flight, so that Close does not find the Scope alone and
	// waits for a Finish that is still running.
	hold := make(chan struct{})
	held := make(chan struct{})
	go func() {
		_ = s.Invoke(func() { close(held); <-hold })
	}()
	<-held
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		_ = s.Finish(nil)
		t.Error("Finish returned: the Goexit must go on")
	}()
	<-finished
	assert.True(t, committed.Load(), "the older BeforeResponse cleanup was lost")
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for ever for the Finish that called Goexit")
	}
	close(hold)
}
