package depend_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing/fstest"

	"github.com/godepend/depend"
)

// The Go side of docs/fastapi.md, in its order, except its
// dependency_overrides test, which is in examples/server (fastapi_test.go),
// next to the demo's me handler.

// FastAPI, Depends: the config is loaded once per request.
func Example_fastapiDepends() {
	c := depend.New()
	c.Provide(stdoutLogger, depend.Singleton)
	mux := http.NewServeMux()
	// snippet fastapi-depends
	c.Provide(func(log *slog.Logger) *Config {
		log.Info("Loading config...")
		return &Config{Debug: true}
	})

	mux.Handle("GET /multi-info", c.Handler(func(config1, config2 *Config) map[string]*Config {
		return map[string]*Config{"config1": config1, "config2": config2}
	}))
	// end snippet
	fmt.Println(get(mux, "GET", "/multi-info", ""))
	// Output:
	// level=INFO msg="Loading config..."
	// 200 {"config1":{"Debug":true},"config2":{"Debug":true}}
}

// FastAPI, use_cache=False: Random is never cached, Nonce is, except at a
// Fresh use site.
func Example_fastapiUseCacheFalse() {
	c := depend.New()
	nonces := 0
	c.Provide(func() Nonce {
		nonces++
		return Nonce(fmt.Sprint("nonce-", nonces))
	})
	mux := http.NewServeMux()
	// snippet fastapi-no-cache
	// The dependency is never shared: every use site gets a new value.
	c.Provide(func() Random { return Random(rand.IntN(100) + 1) }, depend.NoCache)
	mux.Handle("GET /randoms", c.Handler(func(a, b Random) map[string]Random {
		return map[string]Random{"a": a, "b": b}
	}))

	// One use site opts out; the others share the cached value.
	mux.Handle("GET /fresh", c.Handler(func(cached Nonce, fresh depend.Fresh[Nonce]) []Nonce {
		return []Nonce{cached, fresh.Value}
	}))
	// end snippet
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/randoms", nil))
	var randoms map[string]Random
	json.NewDecoder(rec.Body).Decode(&randoms)
	fmt.Println(len(randoms), 1 <= randoms["a"] && randoms["a"] <= 100, 1 <= randoms["b"] && randoms["b"] <= 100)
	fmt.Println(get(mux, "GET", "/fresh", ""))
	// Output:
	// 2 true true
	// 200 ["nonce-1","nonce-2"]
}

// FastAPI, yield: the transaction commits, or rolls back when the
// request failed.
func Example_fastapiYield() {
	c := newApp(os.Stdout) // the guide's transaction, which fastapi.md shows too
	h := c.Handler(func(r *http.Request, tx *sql.Tx) error {
		if _, err := tx.ExecContext(r.Context(), "INSERT INTO notes (text) VALUES (?)", r.URL.Query().Get("text")); err != nil {
			return err
		}
		if r.URL.Query().Has("fail") {
			return &depend.HTTPError{Status: http.StatusConflict, Message: "failed after the insert"}
		}
		return nil
	})
	fmt.Println(get(h, "POST", "/notes?text=milk", ""))
	fmt.Println(get(h, "POST", "/notes?text=lost&fail=1", ""))
	// Output:
	// begin
	// exec: INSERT INTO notes (text) VALUES (?)
	// commit
	// 204
	// begin
	// exec: INSERT INTO notes (text) VALUES (?)
	// rollback
	// 409 failed after the insert
}

// FastAPI, dependencies=[...] on a route, a router or the app.
func ExampleGroup_Group() {
	c := depend.New()
	c.Provide(func(r *http.Request) AccessLog {
		fmt.Println("access:", r.Method, r.URL.Path)
		return AccessLog{}
	})
	c.Provide(func(r *http.Request) (Authenticated, error) {
		if !validToken(r.Header.Get("Authorization")) {
			return Authenticated{}, &depend.HTTPError{Status: http.StatusUnauthorized}
		}
		return Authenticated{}, nil
	})
	c.Provide(userFromToken)
	c.Provide(requireAdmin)
	c.Provide(func() *Config { return &Config{} })
	c.Provide(func(cfg *Config) *Service { return &Service{Config: cfg} })
	mux := http.NewServeMux()
	static := fstest.MapFS{"static/app.css": {Data: []byte("body {}")}}
	// snippet fastapi-groups
	app := c.Group(depend.Require[AccessLog]())       // the app
	api := app.Group(depend.Require[Authenticated]()) // a router
	admin := api.Group(depend.Require[Admin]())       // a nested router
	mux.Handle("GET /me", api.Handler(me))
	mux.Handle("DELETE /users/{id}", admin.Handler(deleteUser))
	mux.Handle("/static/", api.Middleware(http.FileServerFS(static)))
	// end snippet
	fmt.Println(get(mux, "GET", "/me", ""))
	fmt.Println(get(mux, "DELETE", "/users/7", "secret-ada"))
	fmt.Println(get(mux, "GET", "/static/app.css", "secret-ada"))
	// Output:
	// access: GET /me
	// 401 Unauthorized
	// access: DELETE /users/7
	// 403 admins only
	// access: GET /static/app.css
	// 200 body {}
}

// FastAPI, HTTPException: bearerUser answers 401 with a challenge.
func ExampleHTTPError() {
	c := depend.New()
	c.Provide(bearerUser)
	h := c.Handler(func(u *User) string { return "hello " + u.Name })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), strings.TrimSpace(rec.Body.String()))
	fmt.Println(get(h, "GET", "/", "secret-ada"))
	// Output:
	// 401 Bearer {"type":"about:blank","title":"Unauthorized","status":401,"detail":"missing token"}
	// 200 "hello ada"
}

func bearerUser(r *http.Request) (*User, error) {
	u, ok := users[r.Header.Get("Authorization")]
	if !ok {
		// snippet fastapi-http-exception
		return nil, &depend.HTTPError{Status: http.StatusUnauthorized, Message: "missing token",
			Header: http.Header{"Www-Authenticate": {"Bearer"}}}
		// end snippet
	}
	return u, nil
}

// FastAPI, Security and SecurityScopes: one type per permission.
func ExampleRequire_securityScopes() {
	c := depend.New()
	c.Provide(userFromToken)
	mux := http.NewServeMux()
	// snippet fastapi-security-scopes
	type CanReadItems struct{}
	c.Provide(func(u *User) (CanReadItems, error) {
		if !u.HasScope("items") {
			return CanReadItems{}, &depend.HTTPError{Status: http.StatusForbidden, Message: "needs scope items"}
		}
		return CanReadItems{}, nil
	})
	items := c.Group(depend.Require[CanReadItems]())
	mux.Handle("GET /items/", items.Handler(readItems))
	// end snippet
	fmt.Println(get(mux, "GET", "/items/", "secret-ada"))
	fmt.Println(get(mux, "GET", "/items/", "secret-bob"))
	// Output:
	// 200 ["coffee","tea"]
	// 403 needs scope items
}

func readItems() []string { return []string{"coffee", "tea"} }
