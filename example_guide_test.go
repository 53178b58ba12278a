package depend_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependtest"
)

// The snippets of docs/guide.md, in the guide's order, except its
// transaction provider, which newApp (example_docs_test.go) registers, and
// its users package, which is examples/users. An example without an Output
// comment is compiled but not run: those serve on a port or write files.

// Guide, Providers.
// snippet guide-provider
func NewNoteRepo(tx *sql.Tx, log *slog.Logger) (*NoteRepo, error) {
	return &NoteRepo{tx: tx, log: log}, nil
}

// end snippet

// Guide, Cleanups: the transaction's cleanup commits when the request
// succeeded and rolls back when it failed.
func ExampleScope_CloseWithError() {
	c := newApp(os.Stdout)
	for _, cause := range []error{nil, errors.New("insert failed")} {
		s := c.NewScope(context.Background())
		s.Invoke(func(ctx context.Context, notes *NoteRepo) error {
			return notes.Add(ctx, "buy milk")
		})
		s.CloseWithError(cause)
	}
	// Output:
	// begin
	// exec: INSERT INTO notes (text) VALUES (?)
	// commit
	// begin
	// exec: INSERT INTO notes (text) VALUES (?)
	// rollback
}

// Guide, HTTP: Handler.
func ExampleContainer_Handler_guide() {
	// snippet guide-new-container
	c := depend.New()
	// end snippet
	c.Provide(userFromToken)
	c.Provide(noteFromPath)
	// snippet guide-handler
	mux := http.NewServeMux()
	mux.Handle("GET /notes/{id}", c.Handler(func(u *User, n *Note) (*Note, error) {
		if n.Owner != u.Name {
			return nil, &depend.HTTPError{Status: http.StatusForbidden, Message: "not your note"}
		}
		return n, nil
	}))
	// end snippet
	fmt.Println(get(mux, "GET", "/notes/1", "secret-ada"))
	fmt.Println(get(mux, "GET", "/notes/1", "secret-bob"))
	fmt.Println(get(mux, "GET", "/notes/2", "secret-bob"))
	fmt.Println(get(mux, "GET", "/notes/1", ""))
	// Output:
	// 200 {"Owner":"ada","Text":"buy milk"}
	// 403 not your note
	// 404 Not Found
	// 401 who are you?
}

// Guide, Errors in HTTP: problem details.
func ExampleContainer_SetHTTPOptions_guide() {
	c := depend.New()
	logger := stdoutLogger()
	c.Provide(noteFromPath)
	c.Provide(depend.Input[inPage]())
	// snippet guide-http-options
	c.SetHTTPOptions(depend.HTTPOptions{
		// FastAPI's error shape: {"detail": message}, and for invalid
		// inputs {"detail": [{"loc": [...], "msg": ..., "type": ...}]}.
		WriteError: func(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
			var detail any = msg
			var invalid *depend.InputError
			if errors.As(err, &invalid) {
				items := make([]map[string]any, len(invalid.Errors))
				for i, f := range invalid.Errors {
					items[i] = map[string]any{"loc": strings.Split(f.Location, "."), "msg": f.Message, "type": "value_error"}
				}
				detail = items
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"detail": detail})
		},
		ReportError: func(r *http.Request, err error) {
			logger.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
		},
	})
	// end snippet
	mux := http.NewServeMux()
	mux.Handle("GET /notes/{id}", c.Handler(func(n *Note) *Note { return n }))
	mux.Handle("GET /broken", c.Handler(func() error { return errors.New("disk full") }))
	mux.Handle("GET /page", c.Handler(func(p inPage) inPage { return p }))
	fmt.Println(get(mux, "GET", "/notes/2", ""))
	fmt.Println(get(mux, "GET", "/broken", ""))
	fmt.Println(get(mux, "GET", "/page?limit=0", ""))
	// Output:
	// 404 {"detail":"Not Found"}
	// level=ERROR msg="request failed" path=/broken err="disk full"
	// 500 {"detail":"Internal Server Error"}
	// 422 {"detail":[{"loc":["query","limit"],"msg":"must be at least 1","type":"value_error"}]}
}

// inPage is a query input, for the FastAPI error shape.
type inPage struct {
	Limit int `query:"limit" default:"20" minimum:"1"`
}

// Guide, Middleware and ScopeFrom.
func ExampleContainer_Middleware() {
	c := depend.New()
	c.Provide(func() *slog.Logger { return slog.Default() }, depend.Singleton)
	mux := http.NewServeMux()
	addr := "localhost:8080"
	// snippet guide-middleware
	logRequests := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := depend.ScopeFrom(r.Context())
			log, _ := depend.Resolve[*slog.Logger](s) // the handler gets this same logger
			log.Info("request", "path", r.URL.Path)
			next.ServeHTTP(w, r)
		})
	}
	http.ListenAndServe(addr, c.Middleware(logRequests(mux)))
	// end snippet
}

// Guide, Route and group dependencies.
func ExampleRequire() {
	c := depend.New()
	c.Provide(userFromToken)
	c.Provide(requireAdmin)
	c.Provide(func() *Config { return &Config{} })
	c.Provide(func(cfg *Config) *Service { return &Service{Config: cfg} })
	mux := http.NewServeMux()
	files := fstest.MapFS{"files/a.txt": {Data: []byte("hello")}}
	// snippet guide-route-groups
	type Authenticated struct{}

	c.Provide(func(r *http.Request) (Authenticated, error) {
		if !validToken(r.Header.Get("Authorization")) {
			return Authenticated{}, &depend.HTTPError{Status: http.StatusUnauthorized}
		}
		return Authenticated{}, nil
	})

	api := c.Group(depend.Require[Authenticated]()) // a router's dependencies
	admin := api.Group(depend.Require[Admin]())     // nested: Authenticated, then Admin
	mux.Handle("GET /me", api.Handler(me))
	mux.Handle("DELETE /users/{id}", admin.Handler(deleteUser))
	mux.Handle("/files/", admin.Middleware(http.FileServerFS(files))) // protects any http.Handler
	// end snippet
	fmt.Println(get(mux, "GET", "/me", ""))
	fmt.Println(get(mux, "GET", "/me", "secret-ada"))
	fmt.Println(get(mux, "DELETE", "/users/7", "secret-ada"))
	fmt.Println(get(mux, "DELETE", "/users/7", "secret-root"))
	fmt.Println(get(mux, "GET", "/files/a.txt", "secret-bob"))
	fmt.Println(get(mux, "GET", "/files/a.txt", "secret-root"))
	// Output:
	// 401 Unauthorized
	// 200 {"Name":"ada"}
	// 403 admins only
	// 200 "deleted 7"
	// 403 admins only
	// 200 hello
}

// Guide, Testing: a provider's failure path, in a test. The test's own
// app shows what the transaction was told.
func TestGuideRollbackInATest(t *testing.T) {
	for _, rollback := range []bool{true, false} {
		var db strings.Builder
		app := newApp(&db)
		t.Run(fmt.Sprint("rollback=", rollback), func(t *testing.T) {
			if !rollback {
				// Without CloseWithError dependtest closes the Scope
				// with a nil cause: the cleanup commits.
				tx, err := depend.Resolve[*sql.Tx](dependtest.Scope(t, app))
				require.NoError(t, err)
				_, err = tx.Exec("INSERT INTO notes (text) VALUES ('kept')")
				require.NoError(t, err)
				return
			}
			// snippet guide-test-rollback
			s := dependtest.Scope(t, app)
			tx, err := depend.Resolve[*sql.Tx](s)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec("INSERT INTO notes (text) VALUES ('lost')"); err != nil {
				t.Fatal(err)
			}
			s.CloseWithError(errors.New("simulated failure")) // the cleanup rolls back
			// end snippet
		})
		want := "begin\nexec: INSERT INTO notes (text) VALUES ('lost')\nrollback\n"
		if !rollback {
			want = "begin\nexec: INSERT INTO notes (text) VALUES ('kept')\ncommit\n"
		}
		assert.Equal(t, want, db.String())
	}
}

// Guide, Testing with overrides: a fork by hand.
func TestGuideForkByHand(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// snippet guide-fork-by-hand
	f := app.Fork() // app is not changed
	// By provided type: a func that returns a Store replaces Store's provider.
	if err := f.Replace(func() Store { return fakeStore{} }); err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(); err != nil { // checks the fork's graph
		t.Fatal(err)
	}
	s := f.NewScope(ctx)
	defer s.Close()
	// end snippet
	st, err := depend.Resolve[Store](s)
	require.NoError(t, err)
	assert.Equal(t, fakeStore{}, st)
	st, err = depend.Resolve[Store](dependtest.Scope(t, app))
	require.NoError(t, err)
	assert.Equal(t, pgStore{}, st, "app is not changed")
}

// Guide, Testing with overrides: a provider without HTTP.
func TestGuideResolveWithFake(t *testing.T) {
	t.Parallel()
	fixedClock := &Clock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	// snippet guide-resolve-with-fake
	svc := dependtest.Resolve[*Service](t, app, func() *Clock { return fixedClock })
	// end snippet
	assert.Same(t, fixedClock, svc.Clock)
}

// Guide, A picture of the graph: to a file.
func ExampleContainer_WriteDOT_file() {
	c := newContainer()
	// snippet guide-write-dot-file
	f, err := os.Create("graph.dot")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := c.WriteDOT(f); err != nil { // the whole graph
		log.Fatal(err)
	}
	// end snippet
}

// Guide, A picture of the graph: from roots.
func ExampleContainer_WriteDOT_roots() {
	c := newContainer()
	c.Provide(func() Store { return pgStore{} })
	// snippet guide-write-dot-roots
	c.WriteDOT(os.Stdout, GetUser)                   // what GET /users/{id} builds
	c.WriteDOT(os.Stdout, func(*Report, *Mailer) {}) // the values of two types
	// end snippet
}

// Guide, A picture of the graph: a -graph flag.
func Example_graphFlag() {
	// snippet guide-graph-flag
	graph := flag.Bool("graph", false, "write the dependency graph as DOT to stdout and exit")
	flag.Parse()
	c := newContainer()
	if *graph {
		if err := c.WriteDOT(os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	// end snippet
}

// Guide, Tracing: the observer hook. The durations vary, so this is a
// test that only shows what it prints with -v.
func TestGuideObserve(t *testing.T) {
	// snippet guide-observe
	c := depend.New()
	c.Provide(NewConfig, depend.Singleton)
	c.Provide(NewDB)
	c.Observe(func(e depend.Event) {
		fmt.Println(e.Type, e.Lifetime, e.Hit, e.Duration, e.Err)
	})
	// end snippet
	require.NoError(t, c.Validate())
	s := c.NewScope(t.Context())
	defer s.Close()
	require.NoError(t, s.Invoke(func(*DB, *DB, *Config) {}))
}

// Guide, Tracing: logging each event with slog, to stderr.
func TestGuideSlogObserver(t *testing.T) {
	c := newContainer()
	// snippet guide-slog-observer
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c.Observe(depend.SlogObserver(logger))
	// end snippet
	s := c.NewScope(t.Context())
	defer s.Close()
	require.NoError(t, s.Invoke(func(*Report, *Mailer) {}))
}

// Guide, Server-Timing.
func ExampleServerTiming_guide() {
	// snippet guide-server-timing
	c := depend.New()
	// ... Provide ...
	c.Observe(depend.ServerTimingObserver) // 1. record provider calls

	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", c.Handler(GetUser))
	http.ListenAndServe("127.0.0.1:8080", depend.ServerTiming(mux)) // 2. send them
	// end snippet
}

// Guide, Parallel resolution: for every request of a Container.
func ExampleContainer_SetParallel_guide() {
	// snippet guide-set-parallel
	c := depend.New()
	c.SetParallel(true) // before the first NewScope, Handler or Middleware
	// end snippet
	c.Provide(func() *User { return &User{Name: "ada"} })
	c.Provide(func() *Prices { return &Prices{Coffee: 3} })
	s := c.NewScope(context.Background())
	defer s.Close()
	s.Invoke(func(u *User, p *Prices) { fmt.Println(dashboard(u, p)) })
	// Output: ada: coffee costs 3
}

// Guide, Parallel resolution: for one handler.
func ExampleParallel_guide() {
	c := depend.New()
	c.Provide(userFromToken)
	c.Provide(func() *Prices { return &Prices{Coffee: 3} })
	mux := http.NewServeMux()
	// snippet guide-parallel-handler
	mux.Handle("GET /dashboard", depend.Parallel(c.Handler(dashboard)))
	// end snippet
	fmt.Println(get(mux, "GET", "/dashboard", "secret-ada"))
	// Output: 200 "ada: coffee costs 3"
}

// Guide, Parallel resolution: for one Scope, and when a dependency fails.
// The user service fails at once, so fetchPrices stops (or never starts)
// instead of taking ten seconds, and the error is the user's, not the
// cancellation.
func ExampleWithParallel() {
	c := depend.New()
	ctx := context.Background()
	// snippet guide-parallel-failure
	c.Provide(func(ctx context.Context) (*Prices, error) {
		return fetchPrices(ctx) // stops when ctx is cancelled
	})
	// end snippet
	c.Provide(func() (*User, error) { return nil, errors.New("user service down") })
	// snippet guide-with-parallel
	s := c.NewScope(depend.WithParallel(ctx))
	// end snippet
	defer s.Close()
	start := time.Now()
	fmt.Println(s.Invoke(dashboard))
	fmt.Println("waited for the prices:", time.Since(start) > 5*time.Second)
	// Output:
	// depend: build *depend_test.User: user service down
	// waited for the prices: false
}

// openNotesDB stands for a database that cannot be opened, to show what
// Start reports.
func openNotesDB() (*sql.DB, func() error, error) {
	return nil, nil, errors.New("open /var/lib/notes.db: permission denied")
}

// NoteIndex is a Singleton built from the database.
type NoteIndex struct{ db *sql.DB }

func newNoteIndex(db *sql.DB) *NoteIndex { return &NoteIndex{db: db} }

// startNotes registers the notes service and starts it, as main would.
func startNotes(ctx context.Context, c *depend.Container) error {
	// snippet guide-startup
	c.Provide(openNotesDB, depend.Singleton)
	c.Provide(newNoteIndex, depend.Singleton)
	if err := c.Start(ctx); err != nil { // validates, then builds the Singletons
		return err
	}
	// end snippet
	return nil
}

// Guide, Startup: Start reports a Singleton that cannot be built, with its
// path, before any request.
func ExampleContainer_Start() {
	err := startNotes(context.Background(), depend.New())
	fmt.Println(err)
	// Output:
	// depend: Start: build *depend_test.NoteIndex: build *sql.DB: open /var/lib/notes.db: permission denied
}

// Guide, Startup: a failed registration is kept for Validate.
func ExampleContainer_Validate_keptErrors() {
	c := depend.New()
	// snippet guide-kept-errors
	c.Provide(func() *Config { return &Config{} })
	c.Provide(func() *Config { return &Config{Debug: true} }) // a second provider of *Config
	c.Provide(42)                                             // not a func
	err := c.Validate()                                       // reports both, one per line
	// end snippet

	fmt.Println(errors.Is(err, depend.ErrAlreadyProvided), errors.Is(err, depend.ErrBadProvider))
	fmt.Println(len(strings.Split(err.Error(), "\n")), "lines")
	// Output:
	// true true
	// 2 lines
}

// Guide, Testing: a provider that reads the request, tested alone.
func TestGuideRequestScope(t *testing.T) {
	t.Parallel()
	// snippet guide-request-scope
	req := httptest.NewRequest("GET", "/me", nil)
	req.Header.Set("Authorization", "Bearer secret-ada")
	s, _ := dependtest.RequestScope(t, app, req)
	u, err := depend.Resolve[*User](s)
	if err != nil {
		t.Fatal(err)
	}
	// end snippet
	assert.Equal(t, "ada", u.Name)

	s, rec := dependtest.RequestScope(t, app, httptest.NewRequest("GET", "/me", nil))
	_, err = depend.Resolve[*User](s)
	var he *depend.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusUnauthorized, he.Status)
	assert.Zero(t, rec.Body.Len(), "a provider's error is the caller's to answer")
}

// snippet guide-input-types
// ListNotes is GET /notes's query: FastAPI's limit: int = Query(20, ge=1, le=100).
type ListNotes struct {
	Limit  int    `query:"limit" default:"20" minimum:"1" maximum:"100"`
	Offset int    `query:"offset" default:"0" minimum:"0"`
	Sort   string `query:"sort" default:"id" enum:"id,text"`
}

// NewNote is POST /notes's input: a JSON body, and a query flag.
type NewNote struct {
	DryRun bool `query:"dry_run" default:"false"`
	Body   struct {
		Text string   `json:"text" minLength:"1" maxLength:"280"`
		Tags []string `json:"tags" maxLength:"5"`
	} `body:""`
}

// end snippet

// Guide, Request inputs: a rejected request runs no provider, and says
// what is wrong with every input at once.
func ExampleInput() {
	c := depend.New()
	// snippet guide-input-provide
	c.Provide(depend.Input[ListNotes]())
	c.Provide(depend.Input[NewNote]())
	// end snippet
	c.Provide(func() *NoteRepo { fmt.Println("repo opened"); return &NoteRepo{} })
	mux := http.NewServeMux()
	// snippet guide-input-handlers
	mux.Handle("GET /notes", c.Handler(func(q ListNotes, repo *NoteRepo) []string {
		return []string{fmt.Sprintf("limit %d offset %d by %s", q.Limit, q.Offset, q.Sort)}
	}))
	mux.Handle("POST /notes", c.Handler(func(repo *NoteRepo, in NewNote) depend.Response[string] {
		return depend.Created("/notes/1", in.Body.Text)
	}))
	// end snippet
	for _, r := range []*http.Request{
		httptest.NewRequest("GET", "/notes?limit=5", nil),
		httptest.NewRequest("GET", "/notes?limit=500&offset=-1&sort=date", nil),
		jsonRequest("POST", "/notes", `{"text":"buy milk"}`),
		jsonRequest("POST", "/notes", `{"text":""}`),
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		fmt.Print(rec.Code, " ", rec.Header().Get("Location"), " ", rec.Body.String())
	}
	// Output:
	// repo opened
	// 200  ["limit 5 offset 0 by id"]
	// 422  {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request's inputs are invalid","errors":[{"location":"query.limit","message":"must be at most 100","value":"500"},{"location":"query.offset","message":"must be at least 0","value":"-1"},{"location":"query.sort","message":"must be one of id, text","value":"date"}]}
	// repo opened
	// 201 /notes/1 "buy milk"
	// 422  {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request's inputs are invalid","errors":[{"location":"body.text","message":"must have at least 1 character"}]}
}

func jsonRequest(method, target, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}
