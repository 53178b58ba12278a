package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests that override providers of the demo (FastAPI's dependency_overrides):
// each test forks the demo's Container, replaces what it fakes and wraps
// the real handlers on the fork. The demo's own Container is never changed,
// so the tests run in parallel.

// demoContainer is the demo's Container, wired by NewApp as main does.
func demoContainer(t *testing.T) *depend.Container {
	app, err := NewApp(Options{DB: ":memory:", Log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, app.Close()) })
	return app.c
}

// serve sends one request to h and returns the status and the body. A body
// is sent as JSON.
func serve(h http.Handler, method, path, body string) (int, string) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestOverrideUser(t *testing.T) {
	t.Parallel()
	demo := demoContainer(t)
	// No token needed: the fake replaces authenticate, and me is the real
	// handler, behind the app's AccessLog requirement.
	c := dependtest.Container(t, demo, func() *User { return &User{Name: "test-user"} })
	status, body := serve(c.Group(depend.Require[AccessLog]()).Handler(me), "GET", "/me", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, `{"name":"test-user"}`+"\n", body)

	status, _ = serve(demo.Fork().Handler(me), "GET", "/me", "")
	assert.Equal(t, http.StatusUnauthorized, status, "without the override the real provider still asks for a token")
}

func TestOverrideDatabase(t *testing.T) {
	t.Parallel()
	// The demo's own provider factory, on a file of this test: a closure
	// replaces a closure, since a provider's identity is its registration.
	path := filepath.Join(t.TempDir(), "notes.db")
	c := dependtest.Container(t, demoContainer(t), openDB(path))

	status, body := serve(c.Handler(addNote), "POST", "/notes", `{"text":"from a test"}`)
	assert.Equal(t, http.StatusCreated, status)
	assert.Equal(t, `{"id":1,"text":"from a test"}`+"\n", body)
	status, body = serve(c.Handler(listNotes), "GET", "/notes", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, `[{"id":1,"text":"from a test"}]`+"\n", body, "the first request committed")
}

func TestOverrideConfig(t *testing.T) {
	t.Parallel()
	// The fake takes the request's Trace like the real loadConfig, and
	// keeps its Scoped lifetime: multiInfo asks twice, the fake runs once.
	c := dependtest.Container(t, demoContainer(t), func(tr *Trace) *Config {
		tr.Called("config")
		return &Config{App: "under test"}
	})
	status, body := serve(c.Handler(multiInfo), "GET", "/multi-info", "")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{
		"config1": {"app": "under test", "debug": false},
		"config2": {"app": "under test", "debug": false},
		"same_value": true,
		"config_loads": 1
	}`, body)
}
