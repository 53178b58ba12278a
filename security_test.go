package depend_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godepend/depend"
)

// Types of the security tests: a per-request user, and things that must
// never outlive the request that built them.
type (
	secUser    struct{ name string }
	secSession struct{ user *secUser } // a Singleton that would hold one user
	secOuter   struct{ s *secSession }
	secHeaders struct{ auth string } // a Singleton that would hold one request
	secLeak    struct{}
)

type userKey struct{}

// userContainer provides *secUser from the request's context, as an auth
// provider would from a token.
func userContainer(t *testing.T) *depend.Container {
	c := depend.New()
	provide(t, c, func(ctx context.Context) (*secUser, error) {
		name, _ := ctx.Value(userKey{}).(string)
		if name == "" {
			return nil, errors.New("no user")
		}
		return &secUser{name}, nil
	})
	return c
}

func userScope(c *depend.Container, name string) *depend.Scope {
	return c.NewScope(context.WithValue(context.Background(), userKey{}, name))
}

// TestSecurityCaptiveIsRejected: a Singleton holding per-request data (a
// user, the *http.Request) is reported by Validate, with the path and the
// reason; even without Validate it is never built, so the first user's data
// can never be handed to the next user. A Singleton depending on such a
// Singleton fails too.
func TestSecurityCaptiveIsRejected(t *testing.T) {
	var built atomic.Int32
	c := userContainer(t)
	provide(t, c, func(u *secUser) *secSession { built.Add(1); return &secSession{u} }, depend.Singleton)
	provide(t, c, func(s *secSession) *secOuter { built.Add(1); return &secOuter{s} }, depend.Singleton)
	provide(t, c, func(r *http.Request) *secHeaders { built.Add(1); return &secHeaders{r.Header.Get("Authorization")} }, depend.Singleton)

	err := c.Validate()
	if !errors.Is(err, depend.ErrCaptive) {
		t.Fatalf("Validate = %v, want ErrCaptive", err)
	}
	for _, want := range []string{
		"depend: captive dependency: *depend_test.secSession -> *depend_test.secUser: Singleton *depend_test.secSession depends on *depend_test.secUser, which is scoped, so it would capture one request's value and share it with every later request",
		"depend: captive dependency: *depend_test.secHeaders -> *http.Request: Singleton *depend_test.secHeaders depends on the per-request input *http.Request",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v\nwant it to contain %q", err, want)
		}
	}

	for _, user := range []string{"alice", "bob"} {
		s := userScope(c, user)
		for _, resolve := range []func() error{
			func() error { _, err := depend.Resolve[*secSession](s); return err },
			func() error { _, err := depend.Resolve[*secOuter](s); return err },
			func() error { _, err := depend.Resolve[*secHeaders](s); return err },
		} {
			if err := resolve(); !errors.Is(err, depend.ErrCaptive) {
				t.Errorf("%s: resolving a captive Singleton = %v, want ErrCaptive", user, err)
			}
		}
		if u, err := depend.Resolve[*secUser](s); err != nil || u.name != user {
			t.Errorf("%s: the request's own user = %v, %v", user, u, err)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
	if n := built.Load(); n != 0 {
		t.Errorf("captive Singletons were built %d times", n)
	}
}

// TestSecurityStaleScopeCannotReachTheNextRequest: a provider that keeps its
// *Scope (in a global, a goroutine, a cached struct) cannot use it once its
// request has ended, though the Scope's cache table is pooled and serves the
// next request: every use fails with ErrScopeClosed and never yields the
// next user's values. Goroutines hammer the stale Scope while the next
// request runs.
func TestSecurityStaleScopeCannotReachTheNextRequest(t *testing.T) {
	var stale atomic.Pointer[depend.Scope]
	c := userContainer(t)
	provide(t, c, func(s *depend.Scope) *secLeak { stale.Store(s); return &secLeak{} })

	var prev *depend.Scope
	for i := range 500 {
		name := fmt.Sprintf("user%d", i)
		s := userScope(c, name)
		if _, err := depend.Resolve[*secLeak](s); err != nil {
			t.Fatal(err)
		}
		if stale.Load() != s {
			t.Fatalf("request %d: the provider got another request's *Scope", i)
		}
		var wg sync.WaitGroup
		if prev != nil {
			for range 2 {
				wg.Go(func() {
					u, err := depend.Resolve[*secUser](prev)
					ierr := prev.Invoke(func(u *secUser) { t.Errorf("stale scope invoked with user %q", u.name) })
					if u != nil || !errors.Is(err, depend.ErrScopeClosed) || !errors.Is(ierr, depend.ErrScopeClosed) {
						t.Errorf("request %d: stale scope gave %v, %v, %v; want ErrScopeClosed", i, u, err, ierr)
					}
				})
			}
		}
		u, err := depend.Resolve[*secUser](s)
		if err != nil || u.name != name {
			t.Fatalf("request %d: user = %v, %v; want %s", i, u, err, name)
		}
		waitTimeout(t, &wg, 10*time.Second, "stale scope users")
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		prev = s
	}
}

// TestSecurityProvidersSeeOnlyTheirRequest: many requests at once, each
// with its own user. Every provider gets its own request's context, *Scope
// and user, and so does the handler.
func TestSecurityProvidersSeeOnlyTheirRequest(t *testing.T) {
	type secAudit struct{ user string }
	c := userContainer(t)
	provide(t, c, func(ctx context.Context, s *depend.Scope, u *secUser) (*secAudit, error) {
		if s.Context() != ctx || ctx.Value(userKey{}) != u.name {
			return nil, fmt.Errorf("provider for %s saw another request's context or scope", u.name)
		}
		return &secAudit{u.name}, nil
	}, depend.NoCache)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			<-start
			name := fmt.Sprintf("user%d", i)
			s := userScope(c, name)
			defer s.Close()
			for range 20 {
				err := s.Invoke(func(u *secUser, a *secAudit) error {
					if u.name != name || a.user != name {
						return fmt.Errorf("request of %s got user %s and audit %s", name, u.name, a.user)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	close(start)
	waitTimeout(t, &wg, 30*time.Second, "concurrent requests")
}

// secret is what must never reach a client: internal error text and panic
// values can hold passwords, tokens and queries.
const secret = "postgres://admin:hunter2@db.internal"

type secretErr struct{}

func (secretErr) Error() string { return "dial " + secret }

// TestSecurity500HidesInternals: whatever fails inside a request (a
// provider's error or panic, the handler's error or panic, a value that
// cannot be encoded, an HTTPError's cause), under Handler alone or under
// Middleware, with the default and a problem+json renderer, the client's
// response contains neither the error text nor the panic value, while the
// error hook gets the whole error.
func TestSecurity500HidesInternals(t *testing.T) {
	type (
		secFailing   struct{}
		secPanicking struct{}
	)
	c := depend.New()
	provide(t, c, func() (*secFailing, error) { return nil, fmt.Errorf("open pool: %w", secretErr{}) })
	provide(t, c, func() *secPanicking { panic(secret) })
	var mu sync.Mutex
	var reported []string
	problemJSON := false
	c.SetHTTPOptions(depend.HTTPOptions{
		ReportError: func(_ *http.Request, err error) { mu.Lock(); reported = append(reported, err.Error()); mu.Unlock() },
		WriteError: func(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
			if problemJSON {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"status":%d,"detail":%q}`, status, msg)
				return
			}
			http.Error(w, msg, status)
		},
	})
	routes := map[string]struct {
		h      http.Handler
		status int    // 0: the panic aborts the response
		report string // what the error hook must get; "": not called
	}{
		"provider-error":      {c.Handler(func(*secFailing) string { return "" }), 500, secret},
		"provider-panic":      {c.Handler(func(*secPanicking) string { return "" }), 500, secret},
		"handler-error":       {c.Handler(func() error { return fmt.Errorf("query failed: %w", secretErr{}) }), 500, secret},
		"handler-panic":       {c.Handler(func() { panic(secret) }), 0, ""},
		"unencodable":         {c.Handler(func() func() string { return func() string { return secret } }), 500, "json: unsupported type"},
		"http-error-cause":    {c.Handler(func() error { return &depend.HTTPError{Status: 503, Message: "try later", Err: secretErr{}} }), 503, "try later"},
		"middleware-provider": {c.Middleware(c.Handler(func(*secFailing) string { return "" })), 500, secret},
		"middleware-panic":    {c.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(secret) })), 0, ""},
	}
	mux := http.NewServeMux()
	for name, r := range routes {
		mux.Handle("/"+name, r.h)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // net/http logs the panics it recovers
	srv.Start()
	defer srv.Close()

	for _, problemJSON = range []bool{false, true} {
		for name, r := range routes {
			t.Run(fmt.Sprintf("%s/problem=%v", name, problemJSON), func(t *testing.T) {
				mu.Lock()
				reported = nil
				mu.Unlock()
				resp, err := http.Get(srv.URL + "/" + name)
				if r.status == 0 {
					if err == nil {
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						t.Fatalf("a panicking handler answered %d %q; want the connection aborted", resp.StatusCode, body)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != r.status || strings.Contains(string(body), "hunter2") || strings.Contains(fmt.Sprint(resp.Header), "hunter2") {
					t.Errorf("got %d %q, want %d without the secret", resp.StatusCode, body, r.status)
				}
				mu.Lock()
				defer mu.Unlock()
				if r.report == "" && len(reported) != 0 || r.report != "" && (len(reported) != 1 || !strings.Contains(reported[0], r.report)) {
					t.Errorf("the error hook got %q, want the whole error (%q) once", reported, r.report)
				}
			})
		}
	}
}
