package depend_test

import (
	"testing"
	"time"

	"github.com/godepend/depend"
)

// BenchmarkParallel compares sequential and parallel resolution side by side:
// three independent providers that each block for 10 ms (parallel should take
// about 10 ms, sequential 30 ms), the same three when nothing blocks (the
// pure overhead of the goroutines), and the observer benchmarks' request
// graph.
func BenchmarkParallel(b *testing.B) {
	for _, mode := range []struct {
		name     string
		parallel bool
	}{{"sequential", false}, {"parallel", true}} {
		b.Run("block10ms/"+mode.name, func(b *testing.B) {
			benchRequestThree(b, threeContainer(b, mode.parallel, 10*time.Millisecond))
		})
		b.Run("noblock/"+mode.name, func(b *testing.B) {
			benchRequestThree(b, threeContainer(b, mode.parallel, 0))
		})
		b.Run("graph/"+mode.name, func(b *testing.B) {
			benchRequest(b, benchContainer(b, func(c *depend.Container) {
				if err := c.SetParallel(mode.parallel); err != nil {
					b.Fatal(err)
				}
			}))
		})
	}
}

func threeContainer(b *testing.B, parallel bool, block time.Duration) *depend.Container {
	c := depend.New()
	wait := func() {
		if block > 0 {
			time.Sleep(block) // stands for a database or HTTP call
		}
	}
	for _, fn := range []any{
		depend.Func0(func() (*pA, error) { wait(); return &pA{}, nil }),
		depend.Func0(func() (*pB, error) { wait(); return &pB{}, nil }),
		depend.Func0(func() (*pC, error) { wait(); return &pC{}, nil }),
	} {
		if err := c.Provide(fn); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.SetParallel(parallel); err != nil {
		b.Fatal(err)
	}
	return c
}

func benchRequestThree(b *testing.B, c *depend.Container) {
	handler := func(*pA, *pB, *pC) {}
	benchScopes(b, c, func(s *depend.Scope) error { return s.Invoke(handler) })
}
