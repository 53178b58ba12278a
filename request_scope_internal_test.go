package depend

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// White-box stress tests of the Scope's lifecycle word (Scope.life) and of
// the lean resolution: Close racing with calls, with Close, with setCause
// and Finish; stale Scopes whose table went to a later request; providers
// that resolve from their own Scope on other goroutines. Run them under
// -race with -count.

// lcID is the id of the request a value was built for, taken from the
// Scope's context.
type lcIDKey struct{}

type (
	lcA struct{ id int64 }
	lcB struct {
		id int64
		a  *lcA
	}
	lcC struct{ id int64 }
	lcD struct{ id int64 }
	lcE struct{ id int64 }
)

func lcIDOf(ctx context.Context) int64 { return ctx.Value(lcIDKey{}).(int64) }

// lcLedger counts, per value, its builds and cleanups.
type lcLedger struct {
	mu      sync.Mutex
	built   map[any]int
	cleaned map[any]int
	// per scope id, how many times each type was built
	perScope map[[2]any]int
	bg       sync.WaitGroup // goroutines spawned by providers
	errs     []string
}

func newLCLedger() *lcLedger {
	return &lcLedger{built: map[any]int{}, cleaned: map[any]int{}, perScope: map[[2]any]int{}}
}

func (l *lcLedger) build(id int64, v any) {
	l.mu.Lock()
	l.built[v]++
	l.perScope[[2]any{id, reflect.TypeOf(v)}]++
	l.mu.Unlock()
}

func (l *lcLedger) clean(v any) {
	l.mu.Lock()
	l.cleaned[v]++
	l.mu.Unlock()
}

func (l *lcLedger) errorf(format string, args ...any) {
	l.mu.Lock()
	l.errs = append(l.errs, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

// lcContainer provides A (reflective, cleanup), B <- A (lean), C <- *Scope
// (resolves D on another goroutine and waits for it), D <- A (cleanup),
// and E <- *Scope, which spawns a goroutine resolving B and D that it does
// not wait for.
func lcContainer(t testing.TB, l *lcLedger, general bool) *Container {
	c := New()
	c.general = general
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(s *Scope, id int64, what string, v interface{ get() int64 }, err error) {
		if err != nil {
			if !errors.Is(err, ErrScopeClosed) {
				l.errorf("scope %d: %s: %v", id, what, err)
			}
			return
		}
		if v.get() != id {
			l.errorf("scope %d: %s came from scope %d", id, what, v.get())
		}
	}
	must(c.Provide(func(ctx context.Context) (*lcA, func(), error) {
		a := &lcA{lcIDOf(ctx)}
		l.build(a.id, a)
		return a, func() { l.clean(a) }, nil
	}))
	must(c.Provide(func(ctx context.Context, a *lcA) *lcB {
		b := &lcB{lcIDOf(ctx), a}
		if a.id != b.id {
			l.errorf("B of scope %d got A of scope %d", b.id, a.id)
		}
		l.build(b.id, b)
		return b
	}))
	must(c.Provide(func(ctx context.Context, a *lcA) (*lcD, func(error), error) {
		d := &lcD{lcIDOf(ctx)}
		l.build(d.id, d)
		return d, func(error) { l.clean(d) }, nil
	}))
	must(c.Provide(func(ctx context.Context, s *Scope) (*lcC, error) {
		id := lcIDOf(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			d, err := Resolve[*lcD](s)
			check(s, id, "C's D", lcGetter(d), err)
		}()
		<-done
		cv := &lcC{id}
		l.build(id, cv)
		return cv, nil
	}))
	must(c.Provide(func(ctx context.Context, s *Scope) *lcE {
		id := lcIDOf(ctx)
		l.bg.Go(func() {
			runtime.Gosched()
			b, err := Resolve[*lcB](s)
			check(s, id, "E's B", lcGetter(b), err)
			d, err := Resolve[*lcD](s)
			check(s, id, "E's D", lcGetter(d), err)
		})
		e := &lcE{id}
		l.build(id, e)
		return e
	}))
	return c
}

type lcGet func() int64

func (f lcGet) get() int64 { return f() }

// lcGetter returns the id of a value of the graph; a nil value has id -1.
func lcGetter(v any) lcGet {
	return func() int64 {
		switch v := v.(type) {
		case *lcA:
			if v != nil {
				return v.id
			}
		case *lcB:
			if v != nil {
				return v.id
			}
		case *lcC:
			if v != nil {
				return v.id
			}
		case *lcD:
			if v != nil {
				return v.id
			}
		case *lcE:
			if v != nil {
				return v.id
			}
		}
		return -1
	}
}

// TestStressCloseRacesCalls opens many Scopes; in each, goroutines resolve
// and invoke behind a barrier while another one closes the Scope, and a
// provider resolves from its own Scope on goroutines of its own. Every
// value must belong to its Scope, be built at most once in it, and be
// cleaned up exactly once; a call either succeeds or fails with
// ErrScopeClosed. Stale Scopes, closed earlier, are called meanwhile and
// must fail, even though their tables now serve later requests.
func TestStressCloseRacesCalls(t *testing.T) {
	for _, general := range []bool{false, true} {
		t.Run(fmt.Sprintf("general=%v", general), func(t *testing.T) {
			stressCloseRacesCalls(t, general)
		})
	}
}

func stressCloseRacesCalls(t *testing.T, general bool) {
	l := newLCLedger()
	c := lcContainer(t, l, general)
	scopes := 2000
	if testing.Short() {
		scopes = 200
	}
	var stale []*Scope
	for id := int64(1); id <= int64(scopes); id++ {
		s := c.NewScope(context.WithValue(context.Background(), lcIDKey{}, id))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				<-start
				for k := range 3 {
					var err error
					switch (g + k + int(id)) % 5 {
					case 0:
						var b *lcB
						b, err = Resolve[*lcB](s)
						if err == nil && (b.id != id || b.a.id != id) {
							l.errorf("scope %d: B from scope %d", id, b.id)
						}
					case 1:
						err = s.Invoke(func(b *lcB, cv *lcC) error {
							if b.id != id || cv.id != id {
								return fmt.Errorf("scope %d: B %d C %d", id, b.id, cv.id)
							}
							return nil
						})
					case 2:
						err = s.Invoke(func(e *lcE, d *lcD) error {
							if e.id != id || d.id != id {
								return fmt.Errorf("scope %d: E %d D %d", id, e.id, d.id)
							}
							return nil
						})
					case 3:
						err = s.Finish(nil)
					case 4:
						var cv *lcC
						cv, err = Resolve[*lcC](s)
						if err == nil && cv.id != id {
							l.errorf("scope %d: C from scope %d", id, cv.id)
						}
					}
					if err != nil && !errors.Is(err, ErrScopeClosed) {
						l.errorf("scope %d: %v", id, err)
					}
				}
			})
		}
		// Stale Scopes: each call must fail with ErrScopeClosed.
		for _, old := range stale {
			wg.Go(func() {
				<-start
				if _, err := Resolve[*lcB](old); !errors.Is(err, ErrScopeClosed) {
					l.errorf("stale scope: Resolve: %v", err)
				}
				if err := old.Invoke(func(*lcA) {}); !errors.Is(err, ErrScopeClosed) {
					l.errorf("stale scope: Invoke: %v", err)
				}
				if err := old.Close(); err != nil {
					l.errorf("stale scope: Close: %v", err)
				}
			})
		}
		closers := 1 + int(id%3)
		for k := range closers {
			wg.Go(func() {
				<-start
				if k%2 == 0 {
					runtime.Gosched()
				}
				var err error
				if k == 1 {
					err = s.CloseWithError(errors.New("cause"))
				} else {
					err = s.Close()
				}
				if err != nil {
					l.errorf("scope %d: Close: %v", id, err)
				}
			})
		}
		close(start)
		lcWait(t, &wg)
		if err := s.Close(); err != nil {
			t.Fatalf("scope %d: second Close: %v", id, err)
		}
		stale = append(stale, s)
		if len(stale) > 4 {
			stale = stale[1:]
		}
	}
	lcWait(t, &l.bg)
	for k, n := range l.perScope {
		if n > 1 {
			t.Errorf("%v built %d times in scope %v", k[1], n, k[0])
		}
	}
	for v, n := range l.built {
		switch v.(type) {
		case *lcA, *lcD:
			if got := l.cleaned[v]; got != n {
				t.Errorf("%T of scope %d: built %d times, cleaned %d times", v, lcGetter(v)(), n, got)
			}
		}
	}
	for _, e := range l.errs {
		t.Error(e)
	}
}

func lcWait(t testing.TB, wg *sync.WaitGroup) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("goroutines did not finish")
	}
}

// TestSetCauseRacesClose races the Handler's setCause with a Close that
// finds no call in flight: the cleanup learns the cause or nil, never
// anything torn, and the race detector sees no unordered access.
func TestSetCauseRacesClose(t *testing.T) {
	cause := errors.New("handler panicked")
	c := New()
	var got atomic.Pointer[error]
	if err := c.Provide(func() (*lcA, func(error)) {
		return &lcA{}, func(err error) { got.Store(&err) }
	}); err != nil {
		t.Fatal(err)
	}
	for range 5000 {
		s := c.NewScope(context.Background())
		if _, err := Resolve[*lcA](s); err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { <-start; s.setCause(cause) })
		wg.Go(func() {
			<-start
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		close(start)
		wg.Wait()
		if e := got.Load(); e == nil || (*e != nil && *e != cause) {
			t.Fatalf("the cleanup got %v", e)
		}
		if s.life.Load() != lifeClosed|lifeReleased {
			t.Fatalf("life is %#x after Close, want closed and released", s.life.Load())
		}
	}
}

// TestScopeSize keeps a Scope in the 128-byte size class: it is the one
// allocation that every NewScope makes, and the kinds work measured a
// Scope of 160 bytes (the Kind and its inputs' values held in it) as a
// slower request, by about 15% for an empty Scope (docs/performance.md).
// What only a Scope of a Kind needs lives behind Scope.given.
func TestScopeSize(t *testing.T) {
	if size := unsafe.Sizeof(Scope{}); size > 128 {
		t.Fatalf("a Scope is %d bytes, over the 128-byte size class", size)
	}
}
