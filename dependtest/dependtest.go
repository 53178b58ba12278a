// Package dependtest makes tests of code that uses depend short: each test
// gets its own fork of the application's Container with the providers it
// overrides, a Scope that is closed when the test ends, and a failed test if
// a cleanup fails.
//
// An override is a provider func (or a depend.Provider made by Func0 to
// Func6) for a type the Container already provides; it replaces that
// provider as [depend.Container.Replace] does, keeping its lifetime and As
// bindings, and brings its own dependencies. The application's Container is
// only read, so tests that share it may run in parallel.
//
// The functions take a [testing.TB] and stop the test with t.Fatalf when the
// overrides or the graph are wrong, so, like t.Fatalf, they must be called
// from the goroutine running the test. They are safe for concurrent use by
// parallel tests.
package dependtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/godepend/depend"
)

// Container returns a fork of c with each override replacing the provider of
// the type it provides, checked with Validate. The fork's Singletons are
// closed when the test ends; a cleanup error fails the test. Use it to open
// several Scopes, or to serve requests through the fork's handlers. It is
// safe for concurrent use by parallel tests.
func Container(t testing.TB, c *depend.Container, overrides ...any) *depend.Container {
	t.Helper()
	f := c.Fork()
	for i, o := range overrides {
		if err := f.Replace(o); err != nil {
			t.Fatalf("dependtest: override %d: %v", i, err)
		}
	}
	if err := f.Validate(); err != nil {
		t.Fatalf("dependtest: the graph with the overrides is invalid:\n%v", err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("dependtest: closing the Container: %v", err)
		}
	})
	return f
}

// Scope opens one request's Scope on Container(t, c, overrides...). The Scope
// is closed when the test ends, before the fork's Singletons; if a cleanup
// fails, so does the test. Its context is context.Background(), so that
// cleanups that use it still can when they run after the test. It is safe
// for concurrent use by parallel tests.
func Scope(t testing.TB, c *depend.Container, overrides ...any) *depend.Scope {
	t.Helper()
	s := Container(t, c, overrides...).NewScope(context.Background())
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("dependtest: closing the Scope: %v", err)
		}
	})
	return s
}

// Resolve returns T resolved in a fresh Scope of c with the overrides,
// failing the test if it cannot be built:
//
//	svc := dependtest.Resolve[*Service](t, app, func() *DB { return fakeDB })
//
// Cleanups of what was built run when the test ends. It is safe for
// concurrent use by parallel tests.
func Resolve[T any](t testing.TB, c *depend.Container, overrides ...any) T {
	t.Helper()
	v, err := depend.Resolve[T](Scope(t, c, overrides...))
	if err != nil {
		t.Fatalf("dependtest: %v", err)
	}
	return v
}

// RequestScope opens one request's Scope for r on Container(t, c,
// overrides...), as Handler would, so that a provider that reads the
// request (a header, a path value, the body) is tested without routing:
//
//	req := httptest.NewRequest("GET", "/orders", nil)
//	req.Header.Set("Authorization", "Bearer secret")
//	s, rec := dependtest.RequestScope(t, app, req)
//	user, err := depend.Resolve[*User](s)
//
// Providers see r with the Scope's context (which derives from r's and
// carries the Scope) and a writer that wraps the returned recorder. Nothing
// is routed or answered: call s.Finish to run the BeforeResponse cleanups
// as a Handler would before its response; otherwise they run with the
// others when the Scope is closed, at the end of the test, before the
// fork's Singletons. If a cleanup fails, so does the test. It is safe for
// concurrent use by parallel tests.
func RequestScope(t testing.TB, c *depend.Container, r *http.Request, overrides ...any) (*depend.Scope, *httptest.ResponseRecorder) {
	t.Helper()
	rec := httptest.NewRecorder()
	s := Container(t, c, overrides...).NewHTTPScope(rec, r)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("dependtest: closing the Scope: %v", err)
		}
	})
	return s, rec
}
