package depend_test

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/godepend/depend"
)

// The types, providers and handlers that the docs' snippets
// (example_readme_test.go, example_guide_test.go, example_fastapi_test.go)
// take for granted. User, Config and Service are shared with the other
// tests of the package.

// Profile is what GET /me answers.
type Profile struct{ Name string }

// Profile is the README's service method behind GET /me.
func (s *Service) Profile(u *User) (*Profile, error) {
	return &Profile{Name: u.Name}, nil
}

// HasScope reports whether u may use scope, for fastapi.md's SecurityScopes.
func (u *User) HasScope(scope string) bool { return slices.Contains(userScopes[u.Name], scope) }

var userScopes = map[string][]string{"ada": {"items"}}

// users maps an Authorization header to its user.
var users = map[string]*User{
	"Bearer secret-ada":  {Name: "ada"},
	"Bearer secret-bob":  {Name: "bob"},
	"Bearer secret-root": {Name: "root"},
}

func validToken(authorization string) bool { return users[authorization] != nil }

// userFromToken is the provider of the caller, from the bearer token.
func userFromToken(r *http.Request) (*User, error) {
	u, ok := users[r.Header.Get("Authorization")]
	if !ok {
		return nil, &depend.HTTPError{Status: http.StatusUnauthorized, Message: "who are you?"}
	}
	return u, nil
}

// Admin, Authenticated and AccessLog are requirements of route groups: no
// handler takes them, their providers check or log the request.
type (
	Admin         struct{}
	Authenticated struct{}
	AccessLog     struct{}
)

func requireAdmin(u *User) (Admin, error) {
	if u.Name != "root" {
		return Admin{}, &depend.HTTPError{Status: http.StatusForbidden, Message: "admins only"}
	}
	return Admin{}, nil
}

func me(u *User, svc *Service) (*Profile, error) { return svc.Profile(u) }

func deleteUser(r *http.Request) string { return "deleted " + r.PathValue("id") }

// Clock is a dependency tests replace with a fixed one.
type Clock struct{ now time.Time }

// Now is the time, fixed if the Clock was made with one.
func (c *Clock) Now() time.Time {
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

// Store is what the guide's handlers need from the database; fakeStore is
// the fake a test puts in its place.
type Store interface {
	User(ctx context.Context, id string) (*User, error)
}

type pgStore struct{}

func (pgStore) User(context.Context, string) (*User, error) {
	return nil, errors.New("no database in the docs' examples")
}

type fakeStore struct{}

func (fakeStore) User(_ context.Context, id string) (*User, error) {
	return &User{Name: "user " + id}, nil
}

// GetUser is the guide's handler of GET /users/{id}.
func GetUser(r *http.Request, st Store) (*User, error) {
	return st.User(r.Context(), r.PathValue("id"))
}

// Note is what the guide's GET /notes/{id} answers.
type Note struct{ Owner, Text string }

var notes = map[string]*Note{"1": {Owner: "ada", Text: "buy milk"}}

func noteFromPath(r *http.Request) (*Note, error) {
	n, ok := notes[r.PathValue("id")]
	if !ok {
		return nil, &depend.HTTPError{Status: http.StatusNotFound}
	}
	return n, nil
}

// Report, Mailer and DB are values the guide draws or observes.
type (
	Report struct{}
	Mailer struct{}
	DB     struct{}
)

func NewConfig() *Config        { return &Config{} }
func NewDB(cfg *Config) *DB     { return &DB{} }
func newReport(*DB) *Report     { return &Report{} }
func newMailer(*Config) *Mailer { return &Mailer{} }

// newContainer is the application of the guide's graph and tracing
// snippets.
func newContainer() *depend.Container {
	c := depend.New()
	c.Provide(NewConfig, depend.Singleton)
	c.Provide(NewDB)
	c.Provide(newReport)
	c.Provide(newMailer)
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return c
}

// Prices come from a slow service, which dashboard waits for.
type Prices struct{ Coffee int }

// fetchPrices stands for a call over the network: it answers after a
// while, or gives up when ctx is cancelled.
func fetchPrices(ctx context.Context) (*Prices, error) {
	select {
	case <-time.After(10 * time.Second):
		return &Prices{Coffee: 3}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func dashboard(u *User, p *Prices) string {
	return fmt.Sprintf("%s: coffee costs %d", u.Name, p.Coffee)
}

// Random and Nonce are fastapi.md's values that are not cached
// (use_cache=False).
type (
	Random int
	Nonce  string
)

// NoteRepo is the guide's first provider's value.
type NoteRepo struct {
	tx  *sql.Tx
	log *slog.Logger
}

// Add inserts a note in the request's transaction.
func (r *NoteRepo) Add(ctx context.Context, text string) error {
	r.log.Debug("add note", "text", text)
	_, err := r.tx.ExecContext(ctx, "INSERT INTO notes (text) VALUES (?)", text)
	return err
}

// app is the application the docs' tests fork, as a real application's
// tests fork its Container. Its database only tells what it was asked.
var app = newApp(io.Discard)

// newApp wires the application: the guide's transaction provider on a
// database that writes what it is told to dbLog, a user from the bearer
// token, and a Service that needs a Clock.
func newApp(dbLog io.Writer) *depend.Container {
	c := depend.New()
	c.Provide(func() *slog.Logger { return slog.New(slog.DiscardHandler) }, depend.Singleton)
	c.Provide(func() (*sql.DB, func() error) {
		db := sql.OpenDB(fakeDB{dbLog})
		return db, db.Close
	}, depend.Singleton)
	// snippet guide-tx-cleanup
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
	// end snippet
	c.Provide(NewNoteRepo)
	c.Provide(userFromToken)
	c.Provide(func() *Config { return &Config{} })
	c.Provide(func() *Clock { return &Clock{} }, depend.Singleton)
	c.Provide(func(cfg *Config, clock *Clock) *Service { return &Service{Config: cfg, Clock: clock} })
	c.Provide(func() Store { return pgStore{} })
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return c
}

// fakeDB is a database/sql driver without a database: it writes each
// transaction's begin, statements and end to w, so that the docs'
// transaction snippets run, and show whether they commit, in the
// root module, which uses only the standard library.
type fakeDB struct{ w io.Writer }

func (d fakeDB) Connect(context.Context) (driver.Conn, error) { return fakeConn(d), nil }
func (d fakeDB) Driver() driver.Driver                        { return d }
func (d fakeDB) Open(string) (driver.Conn, error)             { return fakeConn(d), nil }

// fakeConn is a connection and its transaction at once.
type fakeConn fakeDB

func (c fakeConn) Prepare(string) (driver.Stmt, error) {
	return nil, errors.New("fakeDB: prepared statements are not supported")
}
func (c fakeConn) Close() error { return nil }

func (c fakeConn) Begin() (driver.Tx, error) {
	fmt.Fprintln(c.w, "begin")
	return c, nil
}

func (c fakeConn) ExecContext(_ context.Context, query string, _ []driver.NamedValue) (driver.Result, error) {
	fmt.Fprintln(c.w, "exec:", query)
	return driver.RowsAffected(1), nil
}

func (c fakeConn) Commit() error {
	fmt.Fprintln(c.w, "commit")
	return nil
}

func (c fakeConn) Rollback() error {
	fmt.Fprintln(c.w, "rollback")
	return nil
}

// dropTime leaves the time out of slog's text records, so that examples
// can show them as output.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

// stdoutLogger logs to the example's output, without times.
func stdoutLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime}))
}

// get sends one request to h, with an Authorization header if token is set,
// and returns its status and body on one line.
func get(h http.Handler, method, path, token string) string {
	r := httptest.NewRequest(method, path, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	body := rec.Body.String()
	var p depend.Problem // an error shows as its status and detail
	if rec.Header().Get("Content-Type") == "application/problem+json" && json.Unmarshal(rec.Body.Bytes(), &p) == nil {
		body = cmp.Or(p.Detail, p.Title)
	}
	return strings.TrimSpace(fmt.Sprint(rec.Code, " ", body))
}
