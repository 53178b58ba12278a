package depend_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/godepend/depend"
)

type Config struct{ Debug bool }

type Service struct {
	Config *Config
	Clock  *Clock // the docs' tests replace it with a fixed one
}

// The README's quickstart.
func Example() {
	// snippet readme-quickstart
	c := depend.New()
	loads := 0
	c.Provide(func() *Config {
		loads++
		return &Config{Debug: true}
	})
	c.Provide(func(cfg *Config) *Service { return &Service{Config: cfg} })
	if err := c.Validate(); err != nil {
		panic(err) // a wiring mistake, found at startup
	}

	s := c.NewScope(context.Background()) // one per request
	defer s.Close()
	svc, _ := depend.Resolve[*Service](s)
	cfg, _ := depend.Resolve[*Config](s)
	fmt.Println(svc.Config == cfg, loads) // true 1
	// end snippet

	// Output: true 1
}

func ExampleContainer_Provide_noCache() {
	c := depend.New()
	c.Provide(func() int { return rand.IntN(1 << 30) }, depend.NoCache)

	s := c.NewScope(context.Background())
	defer s.Close()
	s.Invoke(func(a, b int) {
		fmt.Println(a != b)
	})
	// Output: true
}

func ExampleFresh() {
	c := depend.New()
	n := 0
	c.Provide(func() *Config { n++; return &Config{} })

	s := c.NewScope(context.Background())
	defer s.Close()
	s.Invoke(func(cached *Config, again *Config, fresh depend.Fresh[*Config]) {
		fmt.Println(cached == again, cached == fresh.Value, n)
	})
	// Output: true false 2
}

func ExampleSingleton() {
	c := depend.New()
	c.Provide(func() (*Config, func()) {
		fmt.Println("load config")
		return &Config{}, func() { fmt.Println("release config") }
	}, depend.Singleton)

	for range 2 {
		s := c.NewScope(context.Background())
		depend.Resolve[*Config](s)
		s.Close()
	}
	c.Close()
	// Output:
	// load config
	// release config
}

type Tx struct{ name string }

func ExampleScope_Close() {
	c := depend.New()
	c.Provide(func() (*Tx, func(error)) {
		fmt.Println("begin")
		return &Tx{}, func(err error) {
			if err != nil {
				fmt.Println("rollback:", err)
				return
			}
			fmt.Println("commit")
		}
	})

	s := c.NewScope(context.Background())
	depend.Resolve[*Tx](s)
	s.CloseWithError(errors.New("insert failed"))

	s = c.NewScope(context.Background())
	depend.Resolve[*Tx](s)
	s.Close()
	// Output:
	// begin
	// rollback: insert failed
	// begin
	// commit
}

func ExampleFunc2() {
	c := depend.New()
	c.Provide(func() *Config { return &Config{Debug: true} })
	c.Provide(depend.Func2(func(ctx context.Context, cfg *Config) (*Service, error) {
		return &Service{Config: cfg}, ctx.Err()
	}))

	s := c.NewScope(context.Background())
	defer s.Close()
	svc, err := depend.Resolve[*Service](s)
	fmt.Println(svc.Config.Debug, err)
	// Output: true <nil>
}

func ExampleContainer_Validate() {
	c := depend.New()
	c.Provide(func(cfg *Config) *Service { return nil }, depend.Singleton)
	err := c.Validate()
	fmt.Println(errors.Is(err, depend.ErrNotProvided))
	fmt.Println(err)
	// Output:
	// true
	// depend: not provided: *depend_test.Service -> *depend_test.Config: nothing provides *depend_test.Config; register a provider for it with Provide
}
