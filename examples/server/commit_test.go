package main

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godepend/depend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests that the COMMIT itself can fail, on a real SQLite file, and that
// the client then gets a 500 and the note is not kept: beginTx commits
// before the response is written (depend.BeforeResponse). After the
// response, the client would get a 201 for a note that does not exist.

// demoDB returns the demo's own *sql.DB, the Singleton its requests use.
func (d *demo) demoDB() *sql.DB {
	d.t.Helper()
	s := d.app.c.NewScope(context.Background())
	defer s.Close()
	db, err := depend.Resolve[*sql.DB](s)
	require.NoError(d.t, err)
	return db
}

// pragma returns the value of PRAGMA name on db's connection.
func pragma(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var v string
	require.NoError(t, db.QueryRow("PRAGMA "+name).Scan(&v))
	return v
}

// TestCommitBusyFailsTheResponse makes COMMIT fail with SQLITE_BUSY: in
// rollback-journal mode a reader on another connection holds a SHARED lock;
// the demo's INSERT takes the RESERVED lock beside it, but COMMIT needs the
// EXCLUSIVE lock, and with busy_timeout 0 it fails at once with "database
// is locked".
func TestCommitBusyFailsTheResponse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	d := start(t, path)
	// What makes the failure deterministic, checked rather than assumed: the
	// demo's DSN sets no busy_timeout, and the driver's default is SQLite's,
	// 0, so COMMIT does not wait for the reader; and the default journal.
	db := d.demoDB()
	require.Equal(t, "0", pragma(t, db, "busy_timeout"), "COMMIT would wait for the reader")
	require.Equal(t, "delete", pragma(t, db, "journal_mode"), "in WAL mode a reader does not block COMMIT")

	status, _, _ := d.do("POST", "/notes", `{"text":"kept"}`)
	require.Equal(t, http.StatusCreated, status)

	// A reader on a second connection: its open read transaction holds a
	// SHARED lock on the file until it ends.
	reader, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer reader.Close()
	rtx, err := reader.Begin()
	require.NoError(t, err)
	defer rtx.Rollback()
	var text string
	require.NoError(t, rtx.QueryRow(`SELECT text FROM notes`).Scan(&text))
	require.Equal(t, "kept", text)

	status, body, id := d.do("POST", "/notes", `{"text":"lost"}`)
	assert.Equal(t, http.StatusInternalServerError, status, "a commit that failed is not a 201")
	assertInternal(t, body)
	log := strings.Join(d.log.lines(id), "\n")
	t.Logf("the server's log of the request:\n%s", log)
	assert.Contains(t, log, "msg=commit", "the handler succeeded: the cleanup committed")
	assert.Regexp(t, `level=ERROR msg="request failed" request_id=`+id+` method=POST path=/notes err="depend: cleanup \*sql.Tx: commit: database is locked`, log,
		"the commit's error is reported with the request id")

	require.NoError(t, rtx.Rollback()) // the reader ends: nothing holds a lock

	var notes []Note
	d.getJSON("/notes", &notes)
	assert.Equal(t, []Note{{ID: 1, Text: "kept"}}, notes, "the note whose commit failed is not kept")
	var n int
	require.NoError(t, reader.QueryRow(`SELECT count(*) FROM notes WHERE text = 'lost'`).Scan(&n))
	assert.Zero(t, n, "nor in the file, read from another connection")

	status, _, _ = d.do("POST", "/notes", `{"text":"after"}`)
	assert.Equal(t, http.StatusCreated, status, "the demo's connection is usable again: the failed transaction was rolled back")
}

// TestCommitDeferredForeignKeyFailsTheResponse makes COMMIT fail without a
// second connection holding a lock: a deferred foreign key is checked at
// COMMIT only. The test, not the demo, adds one to the demo's database: a
// trigger links each note called "orphan" to an owner that does not exist,
// through a foreign key that is DEFERRABLE INITIALLY DEFERRED, so the INSERT
// succeeds and the COMMIT fails with "FOREIGN KEY constraint failed".
func TestCommitDeferredForeignKeyFailsTheResponse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	d := start(t, path+"?_pragma=foreign_keys(1)") // SQLite enforces foreign keys only when asked
	require.Equal(t, "1", pragma(t, d.demoDB(), "foreign_keys"))

	other, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer other.Close()
	_, err = other.Exec(`
		CREATE TABLE owners (id INTEGER PRIMARY KEY);
		CREATE TABLE note_owners (
			note_id INTEGER NOT NULL,
			owner_id INTEGER NOT NULL REFERENCES owners (id) DEFERRABLE INITIALLY DEFERRED
		);
		CREATE TRIGGER orphan_note AFTER INSERT ON notes WHEN NEW.text = 'orphan'
		BEGIN
			INSERT INTO note_owners VALUES (NEW.id, 42);
		END`)
	require.NoError(t, err)

	status, _, _ := d.do("POST", "/notes", `{"text":"kept"}`)
	require.Equal(t, http.StatusCreated, status)

	status, body, id := d.do("POST", "/notes", `{"text":"orphan"}`)
	assert.Equal(t, http.StatusInternalServerError, status, "a commit that failed is not a 201")
	assertInternal(t, body)
	log := strings.Join(d.log.lines(id), "\n")
	t.Logf("the server's log of the request:\n%s", log)
	assert.Contains(t, log, "msg=commit", "the INSERT succeeded: the cleanup committed")
	assert.Regexp(t, `level=ERROR msg="request failed" request_id=`+id+` method=POST path=/notes err="depend: cleanup \*sql.Tx: commit: constraint failed: FOREIGN KEY constraint failed`, log)

	var notes []Note
	d.getJSON("/notes", &notes)
	assert.Equal(t, []Note{{ID: 1, Text: "kept"}}, notes, "the note whose commit failed is not kept")
	var n int
	require.NoError(t, other.QueryRow(`SELECT count(*) FROM note_owners`).Scan(&n))
	assert.Zero(t, n, "nor is what the trigger inserted")
}
