package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startTimed serves the demo with the Server-Timing header on.
func startTimed(t *testing.T) *httptest.Server {
	t.Helper()
	app, err := NewApp(Options{
		DB:           filepath.Join(t.TempDir(), "notes.db"),
		Log:          slog.New(slog.DiscardHandler),
		ServerTiming: true,
	})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(func() {
		srv.Close()
		assert.NoError(t, app.Close())
	})
	return srv
}

func TestTimingHeader(t *testing.T) {
	srv := startTimed(t)
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/timing", http.StatusOK, []string{`*main.Config;dur=`, `*sql.Tx;dur=`, `main.Nonce;dur=`}},
		{"/info", http.StatusOK, []string{`*main.Config;dur=`, `main.AccessLog;dur=`}},
		{"/me", http.StatusUnauthorized, []string{`desc="*main.User scoped error"`}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := http.Get(srv.URL + tt.path)
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			require.NoError(t, err)
			require.Equal(t, tt.status, res.StatusCode, string(body))
			header := res.Header.Get("Server-Timing")
			for _, w := range tt.want {
				assert.Contains(t, header, w)
			}
			assert.NotContains(t, header, "singleton", "NewApp built the Singletons at startup: no request builds them")
		})
	}
}

func TestTimingOffByDefault(t *testing.T) {
	d := start(t, filepath.Join(t.TempDir(), "notes.db"))
	res, err := http.Get(d.url + "/timing")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, res.Header.Values("Server-Timing"))
	assert.True(t, strings.Contains(string(body), "performance.getEntriesByType('navigation')"))
}
