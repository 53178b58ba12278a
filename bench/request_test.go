package bench

import (
	"context"
	"testing"
)

// contenders are the BenchmarkRequest sub-benchmarks, in table order.
func contenders() []struct {
	name string
	srv  Server
} {
	return []struct {
		name string
		srv  Server
	}{
		{"handwritten", NewApp()},
		{"depend", NewDependPlain()},
		{"depend-typed", NewDependTyped()},
		{"dig", NewDig()},
		{"samber-do", NewSamberDo()},
	}
}

// TestContendersServe checks that every contender serves the reference
// request, shares its request-scoped values, and fails without a token.
func TestContendersServe(t *testing.T) {
	for _, c := range contenders() {
		t.Run(c.name, func(t *testing.T) {
			for range 3 {
				if err := c.srv.Serve(RequestContext(t.Context())); err != nil {
					t.Fatalf("Serve: %v", err)
				}
			}
			if err := c.srv.Serve(context.Background()); err == nil {
				t.Fatal("Serve without a token: got nil error")
			}
		})
	}
}

// BenchmarkRequest is one request of the reference graph per op: open a
// scope, resolve the handler's dependencies, call it, close the scope.
func BenchmarkRequest(b *testing.B) {
	ctx := RequestContext(b.Context())
	for _, c := range contenders() {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.srv.Serve(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
