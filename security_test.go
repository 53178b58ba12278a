package depend_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
