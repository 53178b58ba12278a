package dependriver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependriver"
)

// ReceiptArgs is the example's job: mail the receipt of an order.
type ReceiptArgs struct {
	Order int64 `json:"order"`
}

func (ReceiptArgs) Kind() string { return "receipt" }

// A job runs in a Scope of its own, with its own transaction: the first
// attempt fails and its row is rolled back; the retry, in a new Scope,
// commits its row and completes the job in the same transaction.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "dependriver-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := exampleDB(ctx, filepath.Join(dir, "app.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	stdout := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}))

	// snippet river-kind
	c := depend.New()
	k := dependriver.Kind(c) // its Scopes are given the job's *rivertype.JobRow
	c.Provide(func() *sql.DB { return db }, depend.Singleton)
	// The job's transaction: one per attempt, committed when the worker
	// succeeds, rolled back when it fails or panics, before River records
	// the outcome; a failed commit fails the attempt.
	c.Provide(func(ctx context.Context, db *sql.DB) (*sql.Tx, func(error) error, error) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, nil, err
		}
		return tx, func(cause error) error {
			if cause != nil {
				return tx.Rollback()
			}
			return tx.Commit()
		}, nil
	}, depend.BeforeResponse)
	// A logger that names the job and the attempt, from the Scope's input.
	c.Provide(func(row *rivertype.JobRow) *slog.Logger {
		return stdout.With("job", row.ID, "attempt", row.Attempt)
	})
	// end snippet

	// snippet river-worker
	send := func(ctx context.Context, job *river.Job[ReceiptArgs], tx *sql.Tx, log *slog.Logger) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO receipts(order_id, attempt) VALUES (?, ?)`, job.Args.Order, job.Attempt)
		if err != nil {
			return err
		}
		if job.Attempt == 1 {
			log.Info("mail server busy")
			return errors.New("mail server busy") // rolled back; the retry gets a new Scope
		}
		// Complete the job in the same transaction: the receipt and the
		// job's completion commit together, or neither does.
		if _, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx, job); err != nil {
			return err
		}
		log.Info("receipt mailed")
		return nil
	}
	workers := river.NewWorkers()
	// Worker checks send's dependencies now, and panics on a mistake.
	river.AddWorker(workers, dependriver.Worker[ReceiptArgs](k, send))
	// end snippet

	client, err := river.NewClient(riversqlite.New(db), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		Workers:           workers,
		RetryPolicy:       soon{}, // retry at once, for the example
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 20 * time.Millisecond,
		TestOnly:          true,
	})
	if err != nil {
		log.Fatal(err)
	}
	done, cancel := client.Subscribe(river.EventKindJobCompleted)
	defer cancel()
	if err := client.Start(ctx); err != nil {
		log.Fatal(err)
	}
	if _, err := client.Insert(ctx, ReceiptArgs{Order: 7}, nil); err != nil {
		log.Fatal(err)
	}
	select {
	case ev := <-done:
		fmt.Printf("job %d: %s after %d attempts\n", ev.Job.ID, ev.Job.State, ev.Job.Attempt)
	case <-time.After(10 * time.Second):
		log.Fatal("the job did not complete in 10s")
	}
	stop, cancelStop := context.WithTimeout(ctx, 5*time.Second)
	defer cancelStop()
	if err := client.Stop(stop); err != nil {
		log.Fatal(err)
	}
	var attempts []int
	rows, err := db.QueryContext(ctx, `SELECT attempt FROM receipts`)
	if err != nil {
		log.Fatal(err)
	}
	for rows.Next() {
		var a int
		if err := rows.Scan(&a); err != nil {
			log.Fatal(err)
		}
		attempts = append(attempts, a)
	}
	rows.Close()
	fmt.Println("receipts committed by attempts:", attempts)
	// Output:
	// level=INFO msg="mail server busy" job=1 attempt=1
	// level=INFO msg="receipt mailed" job=1 attempt=2
	// job 1: completed after 2 attempts
	// receipts committed by attempts: [2]
}

// exampleDB opens an SQLite database at path, migrated for River, with the
// example's receipts table.
func exampleDB(ctx context.Context, path string) (*sql.DB, error) {
	// snippet river-sqlite
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	// riversqlite needs one connection: SQLite has one writer. A worker
	// must then use only its transaction, never db, or it waits for itself.
	db.SetMaxOpenConns(1)
	migrator, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return nil, err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, err
	}
	// end snippet
	if _, err := db.ExecContext(ctx, `CREATE TABLE receipts(order_id INTEGER, attempt INTEGER)`); err != nil {
		return nil, err
	}
	return db, nil
}

// noTime drops the time from the example's log lines, so they can be
// compared.
func noTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}
