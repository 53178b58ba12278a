package dependriver_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependriver"
)

// WriteArgs is a job that writes a ledger row in its transaction, then
// ends as Mode says.
type WriteArgs struct {
	Key  string `json:"key"`
	Mode string `json:"mode"`
}

func (WriteArgs) Kind() string { return "write" }

// attempt is built once per Scope, from the job's row that the Scope is
// given.
type attempt struct {
	key  string
	mode string
	row  *rivertype.JobRow
}

// app is the tests' application: a per-job transaction (BeforeResponse)
// and a per-attempt value whose cleanup runs after the outcome.
func app(t *testing.T, db *sql.DB, ta *tally, reported *[]string) *depend.Kind {
	t.Helper()
	c := depend.New()
	var mu sync.Mutex
	k := dependriver.Kind(c, depend.ReportTo(func(_ context.Context, err error) {
		mu.Lock()
		defer mu.Unlock()
		*reported = append(*reported, err.Error())
	}))
	require.NoError(t, c.Provide(func() *sql.DB { return db }, depend.Singleton))
	require.NoError(t, c.Provide(func(row *rivertype.JobRow) (*attempt, func() error, error) {
		var args WriteArgs
		if err := json.Unmarshal(row.EncodedArgs, &args); err != nil {
			return nil, nil, err
		}
		a := &attempt{key: args.Key, mode: args.Mode, row: row}
		ta.add(a.key, func(c *counts) { c.attempts++ })
		return a, func() error {
			ta.add(a.key, func(c *counts) { c.closed++ })
			if a.mode == "late-cleanup-fails" {
				return errors.New("flush the audit log: disk full")
			}
			return nil
		}, nil
	}))
	require.NoError(t, c.Provide(func(ctx context.Context, db *sql.DB, a *attempt) (*sql.Tx, func(error) error, error) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, nil, err
		}
		ta.add(a.key, func(c *counts) { c.txBegun++ })
		return tx, func(cause error) error {
			if cause != nil {
				ta.add(a.key, func(c *counts) { c.rollbacks++ })
				return tx.Rollback()
			}
			ta.add(a.key, func(c *counts) { c.commits++ })
			return tx.Commit()
		}, nil
	}, depend.BeforeResponse))
	require.NoError(t, c.Validate())
	return k
}

// write is the worker func: it writes its ledger row in the job's
// transaction and ends as the job's mode says.
func write(ta *tally) func(context.Context, *river.Job[WriteArgs], *sql.Tx, *attempt) error {
	return func(ctx context.Context, job *river.Job[WriteArgs], tx *sql.Tx, a *attempt) error {
		s, _ := depend.ScopeFrom(ctx)
		calls := 0
		ta.add(a.key, func(c *counts) { c.calls++; calls = c.calls; c.scopes = append(c.scopes, s) })
		if a.row != job.JobRow {
			return errors.New("the Scope was given another job's row")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger(key, attempt) VALUES (?, ?)`, job.Args.Key, job.Attempt); err != nil {
			return err
		}
		switch job.Args.Mode {
		case "fail":
			return errDeclined
		case "fail-once":
			if job.Attempt == 1 {
				return errDeclined
			}
		case "panic":
			panic("boom")
		case "cancel":
			return river.JobCancel(errDeclined)
		case "snooze-once":
			if calls == 1 {
				return river.JobSnooze(0)
			}
		case "commit-fails":
			// A row whose parent is missing: the foreign key is checked
			// at COMMIT, which fails after the worker returned nil.
			if _, err := tx.ExecContext(ctx, `INSERT INTO child(parent_id) VALUES (404)`); err != nil {
				return err
			}
			fallthrough
		case "complete", "complete-then-fail":
			// Transactional completion: the job is completed in the
			// transaction that commits, or rolls back, with the work.
			if _, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx, job); err != nil {
				return err
			}
			if job.Args.Mode == "complete-then-fail" {
				return errDeclined
			}
		}
		return nil
	}
}

func TestEachAttemptRunsInItsOwnScopeAndTransaction(t *testing.T) {
	tests := []struct {
		mode        string
		maxAttempts int
		state       rivertype.JobState
		ledger      []int    // the attempts whose rows were committed
		calls       int      // the worker's calls, each in a Scope of its own
		commits     int      // the transactions that tried to commit
		errors      []string // River's record of the failed attempts
		reported    int      // errors of the cleanups after the outcome
	}{
		{mode: "ok", state: rivertype.JobStateCompleted, ledger: []int{1}, calls: 1, commits: 1},
		{mode: "fail", maxAttempts: 1, state: rivertype.JobStateDiscarded, ledger: []int{}, calls: 1, errors: []string{"card declined"}},
		{mode: "fail-once", state: rivertype.JobStateCompleted, ledger: []int{2}, calls: 2, commits: 1, errors: []string{"card declined"}},
		{mode: "panic", maxAttempts: 1, state: rivertype.JobStateDiscarded, ledger: []int{}, calls: 1, errors: []string{"depend: panic: boom"}},
		{mode: "cancel", state: rivertype.JobStateCancelled, ledger: []int{}, calls: 1, errors: []string{"card declined"}},
		{mode: "snooze-once", state: rivertype.JobStateCompleted, ledger: []int{1}, calls: 2, commits: 1},
		{mode: "complete", state: rivertype.JobStateCompleted, ledger: []int{1}, calls: 1, commits: 1},
		{mode: "complete-then-fail", maxAttempts: 1, state: rivertype.JobStateDiscarded, ledger: []int{}, calls: 1, errors: []string{"card declined"}},
		{mode: "commit-fails", maxAttempts: 1, state: rivertype.JobStateDiscarded, ledger: []int{}, calls: 1, commits: 1, errors: []string{"FOREIGN KEY constraint failed"}},
		{mode: "late-cleanup-fails", state: rivertype.JobStateCompleted, ledger: []int{1}, calls: 1, commits: 1, reported: 1},
	}
	db, path := openDB(t)
	var ta tally
	var reported []string
	k := app(t, db, &ta, &reported)
	workers := river.NewWorkers()
	river.AddWorker(workers, dependriver.Worker[WriteArgs](k, write(&ta)))
	client := startClient(t, db, workers)

	ids := make([]int64, len(tests))
	for i, tt := range tests {
		res, err := client.Insert(context.Background(), WriteArgs{Key: tt.mode, Mode: tt.mode}, &river.InsertOpts{MaxAttempts: tt.maxAttempts})
		require.NoError(t, err)
		ids[i] = res.Job.ID
	}
	rows := waitDone(t, client, ids...)

	scopes := make(map[any]bool)
	for i, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			row := rows[ids[i]]
			assert.Equal(t, tt.state, row.State)
			assert.Equal(t, tt.ledger, ledger(t, path, tt.mode), "the committed rows")
			got := ta.get(tt.mode)
			assert.Equal(t, tt.calls, got.calls, "worker calls")
			for _, n := range []int{got.attempts, got.txBegun, got.commits + got.rollbacks, got.closed, len(got.scopes)} {
				assert.Equal(t, tt.calls, n, "one Scope, one transaction, each cleanup once, per call: %+v", got)
			}
			assert.Equal(t, tt.commits, got.commits, "commits")
			require.Len(t, row.Errors, len(tt.errors), "River's errors: %q", errorsOf(row))
			for j, want := range tt.errors {
				assert.Contains(t, row.Errors[j].Error, want)
				// Kind.Run recovers a panic before River does: River records
				// an error without its trace, and the *depend.PanicError the
				// worker returned has the stack.
				assert.Empty(t, row.Errors[j].Trace)
			}
			for _, s := range got.scopes {
				assert.NotNil(t, s, "the worker's context carries its Scope")
				assert.False(t, scopes[s], "each call has a Scope of its own")
				scopes[s] = true
			}
			if tt.reported > 0 {
				assert.Len(t, reported, tt.reported)
				assert.Contains(t, reported[0], "disk full")
			}
		})
	}
}

// TimedArgs is a job whose worker has a timeout of its own.
type TimedArgs struct{}

func (TimedArgs) Kind() string { return "timed" }

// timed gives a Worker River's Timeout option, by embedding.
type timed struct{ river.Worker[TimedArgs] }

func (timed) Timeout(*river.Job[TimedArgs]) time.Duration { return 42 * time.Second }

// deadline is what a provider saw of its context's deadline.
type deadline struct {
	at time.Time
	ok bool
}

func TestTheScopeSeesTheJobTimeout(t *testing.T) {
	db, _ := openDB(t)
	c := depend.New()
	k := dependriver.Kind(c)
	require.NoError(t, c.Provide(func(ctx context.Context) deadline {
		at, ok := ctx.Deadline()
		return deadline{at, ok}
	}))
	got := make(chan deadline, 1)
	workers := river.NewWorkers()
	river.AddWorker[TimedArgs](workers, timed{dependriver.Worker[TimedArgs](k, func(d deadline) error {
		got <- d
		return nil
	})})
	client := startClient(t, db, workers)
	start := time.Now()
	res, err := client.Insert(context.Background(), TimedArgs{}, nil)
	require.NoError(t, err)
	waitDone(t, client, res.Job.ID)
	d := <-got
	require.True(t, d.ok, "a provider's context has the job's deadline")
	assert.WithinRange(t, d.at, start.Add(40*time.Second), start.Add(43*time.Second), "the worker's own timeout, 42s")
}

type Plain struct{ N int }

func (Plain) Kind() string { return "plain" }

func TestWorkReturnsTheWorkersErrorUnchanged(t *testing.T) {
	snooze, cancel, own := river.JobSnooze(time.Minute), river.JobCancel(errDeclined), fmt.Errorf("charge: %w", errDeclined)
	tests := []struct {
		name  string
		ret   func() error
		check func(t *testing.T, err error)
	}{
		{"success", func() error { return nil }, func(t *testing.T, err error) { assert.NoError(t, err) }},
		{"JobSnooze", func() error { return snooze }, func(t *testing.T, err error) {
			assert.Same(t, snooze, err)
			var se *rivertype.JobSnoozeError
			assert.ErrorAs(t, err, &se)
		}},
		{"JobCancel", func() error { return cancel }, func(t *testing.T, err error) {
			assert.Same(t, cancel, err)
			var ce *rivertype.JobCancelError
			assert.ErrorAs(t, err, &ce)
		}},
		{"its own error", func() error { return own }, func(t *testing.T, err error) { assert.Same(t, own, err) }},
		{"a panic", func() error { panic(errDeclined) }, func(t *testing.T, err error) {
			var pe *depend.PanicError
			require.ErrorAs(t, err, &pe)
			assert.ErrorIs(t, err, depend.ErrPanic)
			assert.ErrorIs(t, err, errDeclined, "a panic with an error wraps it")
			assert.Contains(t, string(pe.Stack), "worker_test.go", "the stack is kept")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			k := dependriver.Kind(c)
			require.NoError(t, c.Provide(func(row *rivertype.JobRow) int64 { return row.ID }))
			var ctxSeen context.Context
			w := dependriver.Worker[Plain](k, func(ctx context.Context, id int64, job *river.Job[Plain], again *river.Job[Plain]) error {
				ctxSeen = ctx
				assert.Equal(t, int64(9), id, "the Scope is given the JobRow")
				assert.Equal(t, 3, job.Args.N)
				assert.Same(t, job, again, "each *river.Job[T] parameter is the job")
				return tt.ret()
			})
			type key struct{}
			ctx := context.WithValue(context.Background(), key{}, "work's")
			tt.check(t, w.Work(ctx, &river.Job[Plain]{JobRow: &rivertype.JobRow{ID: 9}, Args: Plain{N: 3}}))
			require.NotNil(t, ctxSeen)
			assert.Equal(t, "work's", ctxSeen.Value(key{}), "the Scope's context derives from Work's")
			_, ok := depend.ScopeFrom(ctxSeen)
			assert.True(t, ok, "and carries the Scope")
		})
	}
}

// audit needs the HTTP request, which a job's Scope is not given.
type audit struct{ r *http.Request }

func TestWorkerRefusesAWiringMistake(t *testing.T) {
	kind := func(c *depend.Container) *depend.Kind { return dependriver.Kind(c) }
	tests := []struct {
		name string
		kind func(*depend.Container) *depend.Kind
		fn   any
		is   error
		text []string
	}{
		{"an HTTP input", kind, func(ctx context.Context, job *river.Job[Plain], r *http.Request) error { return nil },
			depend.ErrNotSupplied, []string{"dependriver.Worker[dependriver_test.Plain]", "worker_test.go", "*http.Request", "river"}},
		{"an HTTP input through a provider", kind, func(job *river.Job[Plain], a *audit) error { return nil },
			depend.ErrNotSupplied, []string{"*dependriver_test.audit -> *http.Request"}},
		{"a missing provider", kind, func(job *river.Job[Plain], s fmt.Stringer) error { return nil },
			depend.ErrNotProvided, []string{"fmt.Stringer"}},
		{"a func with no error", kind, func(job *river.Job[Plain]) {}, depend.ErrBadProvider, []string{"returns just an error"}},
		{"a variadic func", kind, func(job *river.Job[Plain], ids ...int) error { return nil }, depend.ErrBadProvider, []string{"variadic"}},
		{"not a func", kind, "work", depend.ErrBadProvider, []string{"fn is string"}},
		{"a nil func", kind, (func() error)(nil), depend.ErrBadProvider, []string{"want a func"}},
		{"a nil Kind", func(*depend.Container) *depend.Kind { return nil }, func() error { return nil }, depend.ErrBadProvider, []string{"nil *depend.Kind"}},
		{"a failed Kind", func(c *depend.Container) *depend.Kind {
			return dependriver.Kind(c, depend.Supplies[*rivertype.JobRow]())
		},
			func() error { return nil }, depend.ErrBadProvider, []string{"given twice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			k := tt.kind(c)
			require.NoError(t, c.Provide(func(r *http.Request) *audit { return &audit{r} }))
			err := panicOf(func() { dependriver.Worker[Plain](k, tt.fn) })
			require.ErrorIs(t, err, tt.is)
			if tt.is != depend.ErrNotSupplied {
				assert.NotErrorIs(t, err, depend.ErrNotSupplied)
			}
			for _, s := range tt.text {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

// panicOf returns what fn panics with, as an error, or nil.
func panicOf(fn func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if err, _ = p.(error); err == nil {
				err = fmt.Errorf("panic %v", p)
			}
		}
	}()
	fn()
	return nil
}
