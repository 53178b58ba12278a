package main

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/godepend/depend"
	"github.com/godepend/depend/openapi"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// Options configure the demo. The zero value is not usable: DB must be set.
type Options struct {
	DB     string            // the SQLite database: a file path, or ":memory:"
	Log    *slog.Logger      // where provider calls and errors are logged
	Tokens map[string]string // bearer token -> user name
	// ServerTiming sends a Server-Timing header listing the provider calls
	// of each request; GET /timing shows it in the browser.
	ServerTiming bool
}

// Config is what GET /info returns: the article's get_config.
type Config struct {
	App   string `json:"app"`
	Debug bool   `json:"debug"`
}

// Trace is one request's log: every provider reports its call to it, so the
// log shows which providers ran for which request, and how often.
type Trace struct {
	ID  string
	Log *slog.Logger

	mu    sync.Mutex     // guards calls
	calls map[string]int // provider name -> calls in this request
}

// Called logs a provider call and counts it.
func (t *Trace) Called(provider string) {
	t.mu.Lock()
	t.calls[provider]++
	n := t.calls[provider]
	t.mu.Unlock()
	t.Log.Info("provider called", "provider", provider, "call", n)
}

// Calls returns how often provider ran in this request.
func (t *Trace) Calls(provider string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls[provider]
}

// Random is a NoCache value: every use gets a new one (use_cache=False).
type Random int

// Nonce is a Scoped value, cached per request; Fresh[Nonce] gets a new one.
type Nonce string

// User is the caller, from the bearer token.
type User struct {
	Name string `json:"name"`
}

// Note is one row of the notes table.
type Note struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

// ListNotes is the query of GET /notes: which page of notes. A value out
// of range is a 422 that names it, such as query.limit.
type ListNotes struct {
	Limit  int `query:"limit" default:"20" minimum:"1" maximum:"100"`
	Offset int `query:"offset" default:"0" minimum:"0"`
}

// NewNote is the input of POST /notes: a JSON body such as
// {"text":"buy milk"}, whose text must be 1 to 280 characters and not
// only blanks, and ?fail=1, which makes addNote fail after its insert to
// show the rollback. A violation is a 422 that names it, such as body.text.
type NewNote struct {
	Body struct {
		Text string `json:"text" minLength:"1" maxLength:"280" pattern:"\\S"`
	} `body:""`
	Fail bool `query:"fail" default:"false"`
}

// AccessLog is an app-wide requirement: every route builds it first, and it
// logs the request line. No handler takes it (FastAPI: FastAPI(dependencies=[...])).
type AccessLog struct{}

// App is the demo: its routes and the Container that serves them.
type App struct {
	http.Handler
	c *depend.Container
}

// Close releases the Singletons: it closes the database.
func (a *App) Close() error { return a.c.Close() }

// NewApp wires the providers and the routes, and opens the database: a
// wiring mistake, or a database that cannot be opened, fails here, at
// startup, with the path of what needed it, not on the first request.
func NewApp(o Options) (*App, error) {
	app, err := wire(o)
	if err != nil {
		return nil, err
	}
	if err := app.c.Start(context.Background()); err != nil {
		return nil, errors.Join(err, app.Close())
	}
	return app, nil
}

// wire is NewApp without the startup: it registers the providers and the
// routes and calls none of them, so it opens no database (writeGraph uses it).
func wire(o Options) (*App, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	c := depend.New()
	var requests atomic.Int64
	// A failed Provide or Observe is kept by the Container, and Validate
	// reports them all: register, then check once.
	c.Provide(func() *slog.Logger { return o.Log }, depend.Singleton)
	c.Provide(openDB(o.DB), depend.Singleton)
	c.Provide(newTrace(&requests))
	c.Provide(accessLog)
	c.Provide(loadConfig)
	c.Provide(newRandom, depend.NoCache)
	c.Provide(newNonce)
	// The auth provider declares what it checks and how it fails, so every
	// route that reaches it documents the bearer scheme and the 401.
	c.Provide(authenticate(o.Tokens), openapi.Security("bearer", openapi.Bearer()),
		openapi.Fails(http.StatusUnauthorized, "A missing or unknown bearer token"))
	c.Provide(beginTx, depend.BeforeResponse)
	// The request inputs: a Handler binds and checks them before any other
	// provider runs, so a request they reject opens no transaction.
	c.Provide(depend.Input[ListNotes]())
	c.Provide(depend.Input[NewNote]())
	// Every provider call and cache hit, logged at debug level (-debug).
	c.Observe(depend.SlogObserver(o.Log))
	if o.ServerTiming {
		c.Observe(depend.ServerTimingObserver)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.SetHTTPOptions(depend.HTTPOptions{ReportError: func(r *http.Request, err error) {
		traceLog(r, o.Log).Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}})

	// Handle registers each route with the mux and keeps its method and
	// pattern, so that openapi.New can describe it from its graph.
	app := c.Group(depend.Require[AccessLog]())
	mux := http.NewServeMux()
	app.Handle(mux, "GET /{$}", index, openapi.Summary("List the demo's routes"))
	app.Handle(mux, "GET /info", info, openapi.Tags("caching"))
	app.Handle(mux, "GET /multi-info", multiInfo, openapi.Tags("caching"))
	app.Handle(mux, "GET /randoms", randoms, openapi.Tags("caching"))
	app.Handle(mux, "GET /fresh", fresh, openapi.Tags("caching"))
	app.Handle(mux, "GET /me", me, openapi.Summary("Who the bearer token is"))
	app.Handle(mux, "POST /notes", addNote, openapi.Status(http.StatusCreated), openapi.Tags("notes"))
	app.Handle(mux, "GET /notes", listNotes, openapi.Tags("notes"))
	app.Handle(mux, "GET /timing", timingPage, openapi.Status(http.StatusOK), openapi.Summary("A page that shows the Server-Timing header"))
	doc, err := openapi.New(c, openapi.Info{Title: "depend demo", Version: "1.0.0",
		Description: "FastAPI's dependency caching examples, and notes in SQLite, served by depend."})
	if err != nil {
		return nil, err
	}
	spec, err := doc.Handler()
	if err != nil {
		return nil, err
	}
	mux.Handle("GET /openapi.json", spec)
	mux.Handle("GET /docs", openapi.Docs("/openapi.json", openapi.DocsOptions{Title: "depend demo"}))
	h := c.Middleware(mux)
	if o.ServerTiming {
		h = depend.ServerTiming(h)
	}
	return &App{Handler: h, c: c}, nil
}

// traceLog returns the request's logger, tagged with its id, if the
// request has one yet.
func traceLog(r *http.Request, fallback *slog.Logger) *slog.Logger {
	if s, ok := depend.ScopeFrom(r.Context()); ok {
		if t, err := depend.Resolve[*Trace](s); err == nil {
			return t.Log
		}
	}
	return fallback
}

// openDB returns the Singleton provider of the database; its cleanup closes
// it when the Container closes.
func openDB(path string) func(*slog.Logger) (*sql.DB, func() error, error) {
	return func(log *slog.Logger) (*sql.DB, func() error, error) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			return nil, nil, err
		}
		// One connection: SQLite allows one writer, and ":memory:" is one
		// database per connection.
		db.SetMaxOpenConns(1)
		if err := db.Ping(); err != nil { // sql.Open opens nothing yet
			db.Close()
			return nil, nil, fmt.Errorf("open %s: %w", path, err)
		}
		if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`); err != nil {
			db.Close()
			return nil, nil, fmt.Errorf("create the notes table in %s: %w", path, err)
		}
		log.Info("provider called", "provider", "db", "path", path)
		return db, db.Close, nil
	}
}

// newTrace makes each request's Trace; the request id comes from the
// X-Request-Id header or a counter, and is echoed in the response.
func newTrace(requests *atomic.Int64) func(*http.Request, http.ResponseWriter, *slog.Logger) *Trace {
	return func(r *http.Request, w http.ResponseWriter, log *slog.Logger) *Trace {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = "r" + strconv.FormatInt(requests.Add(1), 10)
		}
		w.Header().Set("X-Request-Id", id)
		return &Trace{ID: id, Log: log.With("request_id", id), calls: map[string]int{}}
	}
}

func accessLog(t *Trace, r *http.Request) AccessLog {
	t.Log.Info("request", "method", r.Method, "path", r.URL.Path)
	return AccessLog{}
}

func loadConfig(t *Trace) *Config {
	t.Called("config") // the article's print("Loading config...")
	return &Config{App: "depend demo", Debug: true}
}

func newRandom(t *Trace) Random {
	t.Called("random")
	return Random(rand.IntN(1000) + 1)
}

func newNonce(t *Trace) Nonce {
	t.Called("nonce")
	return Nonce(crand.Text()[:8])
}

// authenticate returns the provider of the caller: a missing or unknown
// bearer token is a 401, and nothing that needs a User runs.
func authenticate(tokens map[string]string) func(*Trace, *http.Request) (*User, error) {
	return func(t *Trace, r *http.Request) (*User, error) {
		t.Called("user")
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		name, known := tokens[token]
		if !ok || !known {
			return nil, &depend.HTTPError{Status: http.StatusUnauthorized, Message: "missing or unknown bearer token",
				Header: http.Header{"Www-Authenticate": {"Bearer"}}}
		}
		return &User{Name: name}, nil
	}
}

// beginTx opens the request's transaction. Its cleanup learns how the
// request ended: it commits on success and rolls back on any error or panic,
// like a FastAPI dependency that yields a session.
//
// It is registered with depend.BeforeResponse (FastAPI's
// Depends(scope="function")): the cleanup runs when the handler has
// returned, before the response is written, because a COMMIT can fail too
// (the database is locked, a deferred constraint fails) and a commit that
// fails must fail the response: the client gets a 500, not a 201 for a note
// that was never kept. After the response, as by default, the failure could
// only be logged.
func beginTx(ctx context.Context, db *sql.DB, t *Trace) (*sql.Tx, func(error) error, error) {
	t.Called("tx")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	return tx, func(cause error) error {
		if cause != nil {
			t.Log.Info("rollback", "cause", cause.Error())
			return tx.Rollback()
		}
		t.Log.Info("commit")
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}, nil
}

func index() []string {
	return []string{"GET /info", "GET /multi-info", "GET /randoms", "GET /fresh", "GET /me", "POST /notes", "GET /notes", "GET /timing", "GET /openapi.json", "GET /docs"}
}

func info(cfg *Config) *Config { return cfg }

// multiInfo asks for the config twice; it is loaded once.
func multiInfo(config1, config2 *Config, t *Trace) map[string]any {
	return map[string]any{
		"config1":      config1,
		"config2":      config2,
		"same_value":   config1 == config2,
		"config_loads": t.Calls("config"),
	}
}

// randoms takes two NoCache values: two calls, two values.
func randoms(a, b Random, t *Trace) map[string]any {
	return map[string]any{"a": a, "b": b, "random_calls": t.Calls("random")}
}

// fresh takes a cached Nonce twice and a Fresh one.
func fresh(a, b Nonce, f depend.Fresh[Nonce], t *Trace) map[string]any {
	return map[string]any{"cached": a, "cached_again": b, "fresh": f.Value, "nonce_calls": t.Calls("nonce")}
}

func me(u *User) *User { return u }

// addNote inserts a note in the request's transaction and answers 201 with
// its Location. With ?fail=1 it fails after the insert, to show the
// rollback: the note is not kept.
func addNote(ctx context.Context, in NewNote, tx *sql.Tx) (depend.Response[Note], error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO notes (text) VALUES (?)`, in.Body.Text)
	if err != nil {
		return depend.Response[Note]{}, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return depend.Response[Note]{}, err
	}
	if in.Fail {
		return depend.Response[Note]{}, errors.New("simulated failure after inserting note " + strconv.FormatInt(id, 10))
	}
	return depend.Created("/notes/"+strconv.FormatInt(id, 10), Note{ID: id, Text: in.Body.Text}), nil
}

// listNotes answers one page of notes, oldest first.
func listNotes(ctx context.Context, page ListNotes, tx *sql.Tx) ([]Note, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, text FROM notes ORDER BY id LIMIT ? OFFSET ?`, page.Limit, page.Offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	notes := []Note{}
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.ID, &n.Text); err != nil {
			return nil, err
		}
		notes = append(notes, n)
	}
	return notes, rows.Err()
}
