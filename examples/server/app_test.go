package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/godepend/depend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logBuffer is a log destination safe for concurrent requests.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the log lines of one request.
func (l *logBuffer) lines(requestID string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(line, "request_id="+requestID+" ") || strings.HasSuffix(line, "request_id="+requestID) {
			out = append(out, line)
		}
	}
	return out
}

type demo struct {
	t   *testing.T
	app *App
	url string
	log *logBuffer
}

// start serves the demo on a real SQLite file in a fresh temp dir.
func start(t *testing.T, dbPath string) *demo {
	t.Helper()
	logs := &logBuffer{}
	app, err := NewApp(Options{
		DB:     dbPath,
		Log:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{ReplaceAttr: dropTime})),
		Tokens: map[string]string{"secret-alice": "alice"},
	})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(func() {
		srv.Close()
		assert.NoError(t, app.Close())
	})
	return &demo{t: t, app: app, url: srv.URL, log: logs}
}

// do sends a request and returns the status, the body and the request id.
func (d *demo) do(method, path, body string, header ...string) (int, string, string) {
	d.t.Helper()
	res, b := d.send(method, path, body, header...)
	return res.StatusCode, b, res.Header.Get("X-Request-Id")
}

// send sends a request and returns the response, its body read. A body is
// sent as JSON unless header sets another Content-Type.
func (d *demo) send(method, path, body string, header ...string) (*http.Response, string) {
	d.t.Helper()
	req, err := http.NewRequest(method, d.url+path, strings.NewReader(body))
	require.NoError(d.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(d.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(d.t, err)
	return res, string(b)
}

// problemOf decodes an error response: application/problem+json (RFC 9457).
func problemOf(t *testing.T, body string) depend.Problem {
	t.Helper()
	var p depend.Problem
	require.NoError(t, json.Unmarshal([]byte(body), &p), body)
	return p
}

// assertInternal checks that a 500 tells the client nothing of its cause:
// its problem has a type, a title and a status, and no detail.
func assertInternal(t *testing.T, body string) {
	t.Helper()
	assert.JSONEq(t, `{"type":"about:blank","title":"Internal Server Error","status":500}`, body, "the internal error is not sent")
}

// getJSON sends a GET that must succeed and decodes its body.
func (d *demo) getJSON(path string, v any, header ...string) string {
	d.t.Helper()
	status, body, id := d.do("GET", path, "", header...)
	require.Equal(d.t, http.StatusOK, status, body)
	require.NoError(d.t, json.Unmarshal([]byte(body), v), body)
	return id
}

// count returns how many lines of the whole log contain s.
func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

func (d *demo) calls(requestID, provider string) int {
	return strings.Count(strings.Join(d.log.lines(requestID), "\n"), "provider="+provider+" ")
}

func TestInfo(t *testing.T) {
	d := start(t, filepath.Join(t.TempDir(), "notes.db"))
	var cfg Config
	id := d.getJSON("/info", &cfg)
	assert.Equal(t, Config{App: "depend demo", Debug: true}, cfg)
	assert.Equal(t, 1, d.calls(id, "config"))
}

func TestMultiInfoLoadsTheConfigOnce(t *testing.T) {
	d := start(t, filepath.Join(t.TempDir(), "notes.db"))
	var got struct {
		Config1, Config2 Config
		SameValue        bool `json:"same_value"`
		ConfigLoads      int  `json:"config_loads"`
	}
	for range 2 { // and again for the next request: the cache is per request
		id := d.getJSON("/multi-info", &got)
		assert.Equal(t, got.Config1, got.Config2)
		assert.True(t, got.SameValue)
		assert.Equal(t, 1, got.ConfigLoads)
		assert.Equal(t, 1, d.calls(id, "config"), "the log shows one load per request")
	}
}

func TestRandomsAreTwoCalls(t *testing.T) {
	d := start(t, filepath.Join(t.TempDir(), "notes.db"))
	var got struct {
		A           int `json:"a"`
		B           int `json:"b"`
		RandomCalls int `json:"random_calls"`
	}
	id := d.getJSON("/randoms", &got)
	assert.Equal(t, 2, got.RandomCalls)
	assert.Equal(t, 2, d.calls(id, "random"))
	for _, v := range []int{got.A, got.B} {
		assert.True(t, v >= 1 && v <= 1000, "%d", v)
	}
}

func TestFreshNextToCached(t *testing.T) {
	d := start(t, filepath.Join(t.TempDir(), "notes.db"))
	var got struct {
		Cached      string `json:"cached"`
		CachedAgain string `json:"cached_again"`
		Fresh       string `json:"fresh"`
		NonceCalls  int    `json:"nonce_calls"`
	}
	id := d.getJSON("/fresh", &got)
	assert.Equal(t, got.Cached, got.CachedAgain)
	assert.NotEqual(t, got.Cached, got.Fresh)
	assert.Equal(t, 2, got.NonceCalls)
	assert.Equal(t, 2, d.calls(id, "nonce"))
}

func TestMe(t *testing.T) {
	d := start(t, filepath.Join(t.TempDir(), "notes.db"))
	for _, tt := range []struct {
		name   string
		header []string
	}{
		{"no token", nil},
		{"unknown token", []string{"Authorization", "Bearer nope"}},
		{"not bearer", []string{"Authorization", "Basic secret-alice"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := d.send("GET", "/me", "", tt.header...)
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
			assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
			assert.Equal(t, "Bearer", res.Header.Get("WWW-Authenticate"), "the HTTPError's header is sent")
			assert.Equal(t, depend.Problem{Type: "about:blank", Title: "Unauthorized", Status: 401, Detail: "missing or unknown bearer token"},
				problemOf(t, body))
		})
	}
	t.Run("alice", func(t *testing.T) {
		status, body, _ := d.do("GET", "/me", "", "Authorization", "Bearer secret-alice")
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, `{"name":"alice"}`+"\n", body)
	})
}

func TestNotesCommitAndRollback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	d := start(t, path)

	res, body := d.send("POST", "/notes", `{"text":"buy milk"}`)
	id := res.Header.Get("X-Request-Id")
	assert.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, "/notes/1", res.Header.Get("Location"))
	assert.Equal(t, `{"id":1,"text":"buy milk"}`+"\n", body)
	assert.Equal(t, 1, d.calls(id, "tx"), "an accepted request opens its transaction, and the log shows it")
	assert.Contains(t, strings.Join(d.log.lines(id), "\n"), "msg=commit")

	status, body, id := d.do("POST", "/notes?fail=1", `{"text":"never kept"}`)
	assert.Equal(t, http.StatusInternalServerError, status)
	assertInternal(t, body)
	log := strings.Join(d.log.lines(id), "\n")
	assert.Contains(t, log, `msg=rollback request_id=`+id+` cause="simulated failure after inserting note 2"`)
	assert.Contains(t, log, `level=ERROR msg="request failed"`, "the real error is logged with the request id")

	var notes []Note
	d.getJSON("/notes", &notes)
	assert.Equal(t, []Note{{ID: 1, Text: "buy milk"}}, notes, "the rolled back note is not persisted")

	// The file outlives the server: a new one on the same path sees the note.
	var again []Note
	start(t, path).getJSON("/notes", &again)
	assert.Equal(t, notes, again)
}

func TestNotesConcurrentPosts(t *testing.T) {
	const n = 16
	d := start(t, filepath.Join(t.TempDir(), "notes.db"))
	start := make(chan struct{})
	var wg sync.WaitGroup
	var created atomic.Int32
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, _ := http.NewRequest("POST", d.url+"/notes", strings.NewReader(fmt.Sprintf(`{"text":"note %d"}`, i)))
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusCreated {
					created.Add(1)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(n), created.Load())
	var notes []Note
	d.getJSON("/notes", &notes)
	assert.Len(t, notes, n)
}

func TestEveryRouteIsLoggedWithItsRequestID(t *testing.T) {
	d := start(t, ":memory:")
	var routes []string
	id := d.getJSON("/", &routes, "X-Request-Id", "abc")
	assert.Equal(t, "abc", id, "a client's request id is kept")
	assert.Len(t, routes, 10)
	assert.Equal(t, []string{"level=INFO msg=request request_id=abc method=GET path=/"}, d.log.lines("abc"))
}

func TestInMemoryDatabase(t *testing.T) {
	d := start(t, ":memory:")
	status, _, _ := d.do("POST", "/notes", `{"text":"in memory"}`)
	require.Equal(t, http.StatusCreated, status)
	var notes []Note
	d.getJSON("/notes", &notes)
	assert.Equal(t, []Note{{ID: 1, Text: "in memory"}}, notes)
}
