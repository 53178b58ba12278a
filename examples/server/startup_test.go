package main

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// TestNewAppFailsAtStartupOnABadDatabase: a database that cannot be opened
// fails NewApp, before any request, with the path to *sql.DB and the cause.
func TestNewAppFailsAtStartupOnABadDatabase(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, path string }{
		{"no such directory", filepath.Join(dir, "missing", "notes.db")},
		{"a directory", dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logBuffer{}
			app, err := NewApp(Options{DB: tt.path, Log: slog.New(slog.NewTextHandler(logs, nil))})
			require.Error(t, err)
			assert.Nil(t, app)
			t.Log(err)
			assert.Contains(t, err.Error(), "build *sql.DB: open "+tt.path+": ")
			assert.Contains(t, err.Error(), "unable to open database file")
			var cause *sqlite.Error
			require.ErrorAs(t, err, &cause, "the driver's error is kept")
			assert.Equal(t, sqlite3.SQLITE_CANTOPEN, cause.Code())
			assert.NotContains(t, logs.b.String(), `provider=db`, "the database was never opened")
		})
	}
}
