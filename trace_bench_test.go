package depend_test

import (
	"context"
	"testing"
	"time"

	"github.com/godepend/depend"
)

// The observer benchmarks run one small request graph (a Singleton, typed
// and reflective Scoped providers, a handler via Invoke) and one cache hit,
// with and without an observer. BenchmarkObserverUnset compiles on the code
// before observers existed, so benchstat can compare the two versions.

type (
	bConfig  struct{ n int }
	bReqID   struct{ id string }
	bLogger  struct{ id *bReqID }
	bTx      struct{ cfg *bConfig }
	bRepo    struct{ tx *bTx }
	bService struct {
		repo *bRepo
		log  *bLogger
	}
)

func benchContainer(b *testing.B, observe func(*depend.Container)) *depend.Container {
	c := depend.New()
	provide := func(fn any, opts ...depend.Option) {
		if err := c.Provide(fn, opts...); err != nil {
			b.Fatal(err)
		}
	}
	provide(func() *bConfig { return &bConfig{n: 1} }, depend.Singleton)
	provide(depend.Func1(func(ctx context.Context) (*bReqID, error) { return &bReqID{id: "r"}, nil }))
	provide(depend.Func1(func(id *bReqID) (*bLogger, error) { return &bLogger{id: id}, nil }))
	provide(func(cfg *bConfig, _ *bLogger) (*bTx, func(), error) { return &bTx{cfg: cfg}, func() {}, nil })
	provide(depend.Func1(func(tx *bTx) (*bRepo, error) { return &bRepo{tx: tx}, nil }))
	provide(depend.Func2(func(r *bRepo, l *bLogger) (*bService, error) { return &bService{repo: r, log: l}, nil }))
	if observe != nil {
		observe(c)
	}
	return c
}

func handler(svc *bService, log *bLogger, cfg *bConfig) error { return nil }

func benchRequest(b *testing.B, c *depend.Container) {
	benchScopes(b, c, func(s *depend.Scope) error { return s.Invoke(handler) })
}

func benchHit(b *testing.B, c *depend.Container) {
	b.ReportAllocs()
	s := c.NewScope(context.Background())
	defer s.Close()
	if _, err := depend.Resolve[*bService](s); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := depend.Resolve[*bService](s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkObserver(b *testing.B) {
	b.Run("request", func(b *testing.B) { benchRequest(b, benchContainer(b, nil)) })
	b.Run("hit", func(b *testing.B) { benchHit(b, benchContainer(b, nil)) })
	// BEGIN observer-set: removed for the baseline run on code without Observe.
	var sink time.Duration
	observe := func(c *depend.Container) {
		if err := c.Observe(func(e depend.Event) { sink += e.Duration }); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("request-observed", func(b *testing.B) { benchRequest(b, benchContainer(b, observe)) })
	b.Run("hit-observed", func(b *testing.B) { benchHit(b, benchContainer(b, observe)) })
	// END observer-set
}
