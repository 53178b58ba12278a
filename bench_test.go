package depend_test

import (
	"context"
	"testing"

	"github.com/godepend/depend"
)

// The benchmarks in this file break a request's cost into its parts; the
// side-by-side suite against hand-written wiring and other containers is
// the bench module (bench/, docs/performance.md).

type benchLeaf struct{ n int }

type benchValue struct{ n int }

//go:noinline
func newBenchLeaf() *benchLeaf { return &benchLeaf{1} }

// BenchmarkScopeOpenClose is the fixed cost of a request: NewScope and
// Close with nothing resolved.
func BenchmarkScopeOpenClose(b *testing.B) {
	c := depend.New()
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.NewScope(ctx).Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveHit is Resolve of a value already in the Scope's cache.
func BenchmarkResolveHit(b *testing.B) {
	c := depend.New()
	if err := c.Provide(newBenchLeaf); err != nil {
		b.Fatal(err)
	}
	s := c.NewScope(b.Context())
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := depend.Resolve[*benchLeaf](s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInvokeHit is Invoke of a func whose parameter is already in the
// Scope's cache: the dispatch and the call.
func BenchmarkInvokeHit(b *testing.B) {
	c := depend.New()
	if err := c.Provide(newBenchLeaf); err != nil {
		b.Fatal(err)
	}
	s := c.NewScope(b.Context())
	defer s.Close()
	fn := func(l *benchLeaf) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Invoke(fn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuild opens a Scope, builds one value by each calling route and
// closes the Scope: shape-erased (a plain pointer func), typed (Func0 of a
// value type) and reflective (a plain func of a value type).
func BenchmarkBuild(b *testing.B) {
	for _, tc := range []struct {
		name    string
		provide any
		resolve func(*depend.Scope) error
	}{
		{"erased", newBenchLeaf, func(s *depend.Scope) error { _, err := depend.Resolve[*benchLeaf](s); return err }},
		{"typed", depend.Func0(func() (benchValue, error) { return benchValue{1}, nil }),
			func(s *depend.Scope) error { _, err := depend.Resolve[benchValue](s); return err }},
		{"reflect", func() benchValue { return benchValue{1} },
			func(s *depend.Scope) error { _, err := depend.Resolve[benchValue](s); return err }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := depend.New()
			if err := c.Provide(tc.provide); err != nil {
				b.Fatal(err)
			}
			benchScopes(b, c, tc.resolve)
		})
	}
}

// benchScopes runs one request per iteration: it opens a Scope of c, calls
// request in it and closes it. The context cannot be canceled, so that every
// benchmark measures the same context checks.
func benchScopes(b *testing.B, c *depend.Container, request func(*depend.Scope) error) {
	ctx := context.WithoutCancel(b.Context())
	b.ReportAllocs()
	for b.Loop() {
		s := c.NewScope(ctx)
		if err := request(s); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
