package dependriver_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

// openDB opens a new SQLite database in a temp dir, migrated for River, with
// a ledger table that the tests' jobs write to, and a foreign key checked
// at commit, to make a commit fail.
func openDB(t testing.TB) (db *sql.DB, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "river.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	require.NoError(t, err)
	db.SetMaxOpenConns(1) // riversqlite's advice: SQLite has one writer
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	migrator, err := rivermigrate.New(riversqlite.New(db), nil)
	require.NoError(t, err)
	_, err = migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `CREATE TABLE ledger(key TEXT, attempt INTEGER);
		CREATE TABLE parent(id INTEGER PRIMARY KEY);
		CREATE TABLE child(parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)`)
	require.NoError(t, err)
	return db, path
}

// soon makes a failed job due again at once: River then makes it available
// directly instead of waiting for its scheduler.
type soon struct{}

func (soon) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

// startClient starts a River client working workers on db, fast enough
// for tests, and stops it when the test ends.
func startClient(t testing.TB, db *sql.DB, workers *river.Workers) *river.Client[*sql.Tx] {
	t.Helper()
	client, err := river.NewClient(riversqlite.New(db), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:           workers,
		RetryPolicy:       soon{},
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 20 * time.Millisecond,
		TestOnly:          true,
		MaxAttempts:       3,
	})
	require.NoError(t, err)
	require.NoError(t, client.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("stop the River client: %v", err)
		}
	})
	return client
}

// waitDone waits until every job in ids is completed, discarded or
// cancelled, and returns their rows.
func waitDone(t testing.TB, client *river.Client[*sql.Tx], ids ...int64) map[int64]*rivertype.JobRow {
	t.Helper()
	rows := make(map[int64]*rivertype.JobRow)
	deadline := time.Now().Add(10 * time.Second)
	for len(rows) < len(ids) {
		require.True(t, time.Now().Before(deadline), "jobs not done after 10s: %d of %d", len(rows), len(ids))
		for _, id := range ids {
			row, err := client.JobGet(context.Background(), id)
			require.NoError(t, err)
			switch row.State {
			case rivertype.JobStateCompleted, rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
				rows[id] = row
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return rows
}

// ledger returns the attempts that wrote key's rows, as committed: it reads
// the database at path through a connection of its own, which sees no
// transaction left open on the workers' connection.
func ledger(t testing.TB, path, key string) []int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	rs, err := db.QueryContext(context.Background(), `SELECT attempt FROM ledger WHERE key = ? ORDER BY attempt`, key)
	require.NoError(t, err)
	defer rs.Close()
	attempts := []int{}
	for rs.Next() {
		var a int
		require.NoError(t, rs.Scan(&a))
		attempts = append(attempts, a)
	}
	require.NoError(t, rs.Err())
	return attempts
}

// tally counts, per job key, what happened in the Scopes of its attempts.
type tally struct {
	mu sync.Mutex
	n  map[string]*counts
}

type counts struct {
	calls, txBegun, commits, rollbacks, attempts, closed int
	scopes                                               []any
}

func (ta *tally) add(key string, f func(*counts)) {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	if ta.n == nil {
		ta.n = make(map[string]*counts)
	}
	if ta.n[key] == nil {
		ta.n[key] = &counts{}
	}
	f(ta.n[key])
}

func (ta *tally) get(key string) counts {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	if c := ta.n[key]; c != nil {
		return *c
	}
	return counts{}
}

var errDeclined = errors.New("card declined")

func errorsOf(row *rivertype.JobRow) []string {
	var out []string
	for _, e := range row.Errors {
		out = append(out, e.Error)
	}
	return out
}
