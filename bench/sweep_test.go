package bench

//go:generate go run ./internal/gensweep

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/godepend/depend"
)

// sweepCase is one size of a generated sweep graph (sweep_gen_test.go).
type sweepCase struct {
	n       int
	hand    func() error              // hand-written wiring
	handler any                       // for Scope.Invoke, with plain registration
	resolve func(*depend.Scope) error // Resolve calls, with typed registration
}

var errNil = errors.New("bench: nil value")

// sink keeps a built value alive as a handler would use it.
//
//go:noinline
func sink(v any) error {
	if v == nil {
		return errNil
	}
	return nil
}

// sealed seals c by opening and closing one Scope, as a server does on its
// first request, so that no benchmark op pays for compiling the graph.
func sealed(c *depend.Container) *depend.Container {
	must(c.Validate())
	must(c.NewScope(context.Background()).Close())
	return c
}

// benchScoped is one op per request: open a Scope, run use in it, close it.
func benchScoped(b *testing.B, ctx context.Context, c *depend.Container, use func(*depend.Scope) error) {
	b.ReportAllocs()
	for b.Loop() {
		s := c.NewScope(ctx)
		if err := closeScope(s, use(s)); err != nil {
			b.Fatal(err)
		}
	}
}

func benchHand(b *testing.B, hand func() error) {
	b.ReportAllocs()
	for b.Loop() {
		if err := hand(); err != nil {
			b.Fatal(err)
		}
	}
}

// invoke returns a use that calls s.Invoke(handler).
func invoke(handler any) func(*depend.Scope) error {
	return func(s *depend.Scope) error { return s.Invoke(handler) }
}

// BenchmarkDepth touches a chain of n providers per request: D_n needs
// D_n-1, down to D1.
func BenchmarkDepth(b *testing.B) {
	for _, sc := range depthSweep {
		b.Run(fmt.Sprintf("providers=%d", sc.n), func(b *testing.B) {
			b.Run("handwritten", func(b *testing.B) { benchHand(b, sc.hand) })
			b.Run("depend", func(b *testing.B) {
				c := depend.New()
				provideDepthPlain(c, sc.n)
				benchScoped(b, b.Context(), sealed(c), invoke(sc.handler))
			})
			b.Run("depend-typed", func(b *testing.B) {
				c := depend.New()
				provideDepthTyped(c, sc.n)
				benchScoped(b, b.Context(), sealed(c), sc.resolve)
			})
		})
	}
}

// BenchmarkWidth touches n independent providers per request, all asked
// for by the handler.
func BenchmarkWidth(b *testing.B) {
	for _, sc := range widthSweep {
		b.Run(fmt.Sprintf("providers=%d", sc.n), func(b *testing.B) {
			b.Run("handwritten", func(b *testing.B) { benchHand(b, sc.hand) })
			b.Run("depend", func(b *testing.B) {
				c := depend.New()
				provideWidthPlain(c)
				benchScoped(b, b.Context(), sealed(c), invoke(sc.handler))
			})
			b.Run("depend-typed", func(b *testing.B) {
				c := depend.New()
				provideWidthTyped(c)
				benchScoped(b, b.Context(), sealed(c), sc.resolve)
			})
		})
	}
}

// provideUnused registers n providers that no request touches, each of a
// distinct struct type made at run time.
func provideUnused(c *depend.Container, n int) {
	for i := range n {
		t := reflect.PointerTo(reflect.StructOf([]reflect.StructField{{Name: fmt.Sprintf("Unused%d", i), Type: reflect.TypeFor[int]()}}))
		fn := reflect.MakeFunc(reflect.FuncOf(nil, []reflect.Type{t}, false), func([]reflect.Value) []reflect.Value {
			return []reflect.Value{reflect.New(t.Elem())}
		})
		must(c.Provide(fn.Interface()))
	}
}

// BenchmarkRegistered touches the same 10 providers (the depth-10 chain)
// with 10 and with 10,000 providers registered: unused registrations must
// not slow a request down.
func BenchmarkRegistered(b *testing.B) {
	sc := depthSweep[1]
	for _, registered := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("registered=%d", registered), func(b *testing.B) {
			b.Run("handwritten", func(b *testing.B) { benchHand(b, sc.hand) })
			b.Run("depend", func(b *testing.B) {
				c := depend.New()
				provideDepthPlain(c, sc.n)
				provideUnused(c, registered-sc.n)
				benchScoped(b, b.Context(), sealed(c), invoke(sc.handler))
			})
			b.Run("depend-typed", func(b *testing.B) {
				c := depend.New()
				provideDepthTyped(c, sc.n)
				provideUnused(c, registered-sc.n)
				benchScoped(b, b.Context(), sealed(c), sc.resolve)
			})
		})
	}
}

// BenchmarkParallel serves the reference request from every P at once, on
// one Container.
func BenchmarkParallel(b *testing.B) {
	for _, c := range contenders()[:3] {
		b.Run(c.name, func(b *testing.B) {
			ctx := RequestContext(b.Context())
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.srv.Serve(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

const sharers = 8

// fanOut runs fn on sharers goroutines and waits for them all.
func fanOut(fn func() error) error {
	var wg sync.WaitGroup
	errs := make([]error, sharers)
	for i := range sharers {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// BenchmarkSharedScope is one request whose Scope is resolved by 8
// goroutines at once; each needs the handler's dependencies. The
// hand-written baseline builds the graph once and fans out, which is the
// cost of the goroutines alone.
func BenchmarkSharedScope(b *testing.B) {
	ctx := RequestContext(b.Context())
	b.Run("handwritten", func(b *testing.B) {
		app := NewApp()
		benchHand(b, func() error {
			svc, audit, user, err := app.Build(ctx)
			if err != nil {
				return err
			}
			return fanOut(func() error { return Handle(svc, audit, user) })
		})
	})
	for _, c := range []struct {
		name string
		c    *depend.Container
		use  func(*depend.Scope) error
	}{
		{"depend", NewDependPlain().C, invoke(Handle)},
		{"depend-typed", NewDependTyped().C, serveTyped},
	} {
		b.Run(c.name, func(b *testing.B) {
			benchScoped(b, ctx, c.c, func(s *depend.Scope) error {
				return fanOut(func() error { return c.use(s) })
			})
		})
	}
}
