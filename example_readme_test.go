package depend_test

import (
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependtest"
)

// The README's snippets, except the quickstart, which is Example in
// example_test.go. An example without an Output comment is compiled but
// not run: those serve on a port.

// README, With net/http.
func ExampleContainer_Handler_readme() {
	c := depend.New()
	c.Provide(func() *Config { return &Config{} })
	c.Provide(func(cfg *Config) *Service { return &Service{Config: cfg} })
	// snippet readme-net-http
	c.Provide(func(r *http.Request) (*User, error) { // a provider may read the request
		u, ok := users[r.Header.Get("Authorization")]
		if !ok {
			return nil, &depend.HTTPError{Status: http.StatusUnauthorized, Message: "who are you?"}
		}
		return u, nil
	})
	if err := c.Validate(); err != nil {
		log.Fatal(err) // a failed Provide or a wiring mistake, found at startup
	}
	mux := http.NewServeMux()
	mux.Handle("GET /me", c.Handler(func(u *User, svc *Service) (*Profile, error) {
		return svc.Profile(u) // written as JSON; an error becomes a status
	}))
	log.Fatal(http.ListenAndServe("localhost:8080", c.Middleware(mux)))
	// end snippet
}

// README, Tests with fakes: a real test of the docs' app.
// snippet readme-test-with-fakes
func TestMe(t *testing.T) {
	t.Parallel()
	c := dependtest.Container(t, app, func() *User { return &User{Name: "ada"} }) // no token needed
	rec := httptest.NewRecorder()
	c.Handler(me).ServeHTTP(rec, httptest.NewRequest("GET", "/me", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

// end snippet

// README, Tracing and Server-Timing.
func ExampleServerTimingObserver() {
	c := depend.New()
	mux := http.NewServeMux()
	// snippet readme-server-timing
	c.Observe(depend.ServerTimingObserver)
	http.ListenAndServe("localhost:8080", depend.ServerTiming(c.Middleware(mux)))
	// end snippet
}
