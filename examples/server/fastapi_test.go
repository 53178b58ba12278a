package main

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependtest"
)

// docs/fastapi.md's dependency_overrides, on the demo it describes.

// app is the demo's Container, which tests fork. Its database is a
// Singleton, built only if the original serves a request, which it never
// does here, so nothing needs closing.
var app = func() *depend.Container {
	a, err := NewApp(Options{DB: ":memory:", Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	return a.c
}()

// snippet fastapi-overrides
func TestMeOverride(t *testing.T) {
	t.Parallel()
	c := dependtest.Container(t, app, func() *User { return &User{Name: "test-user"} })
	srv := httptest.NewServer(c.Handler(me)) // the TestClient
	defer srv.Close()
	// ... requests to srv.URL ...
}

// end snippet
