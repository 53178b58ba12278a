package depend

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"
)

type (
	wtTop  struct{ _ int }
	wtMid  struct{ _ int }
	wtLeaf struct{ _ int }
)

// waitFor blocks until the slot of p's id in s reaches state st.
func waitFor(t *testing.T, s *Scope, out any, st uint32) {
	t.Helper()
	p := s.c.byType[reflect.TypeOf(out)]
	deadline := time.Now().Add(10 * time.Second)
	for s.table.slots[p.id].state.Load() != st {
		if time.Now().After(deadline) {
			t.Fatalf("the slot of %v never reached state %d", p.out, st)
		}
		runtime.Gosched()
	}
}

// TestLeanFailureReachesWaitersAsOnTheGeneralPath: Top <- Mid <- Leaf, all
// lean, Mid built from inside Top's provider through a nested Resolve (Top
// takes *Scope) for the nested variant. Leaf panics or calls Goexit only
// once goroutines wait on every slot of the chain. Every waiter, and the
// builder, must get the error the general path gives, and nobody may be
// stranded.
func TestLeanFailureReachesWaitersAsOnTheGeneralPath(t *testing.T) {
	for _, nested := range []bool{false, true} {
		for _, how := range []string{"panic", "goexit", "panic error"} {
			t.Run(fmt.Sprintf("nested=%v/%s", nested, how), func(t *testing.T) {
				lean := leanFailure(t, nested, how, false)
				general := leanFailure(t, nested, how, true)
				if fmt.Sprint(lean) != fmt.Sprint(general) {
					t.Fatalf("lean and general differ:\nlean:    %v\ngeneral: %v", lean, general)
				}
			})
		}
	}
}

func leanFailure(t *testing.T, nested bool, how string, general bool) map[string]string {
	c := New()
	c.general = general
	release := make(chan struct{})
	started := make(chan struct{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Provide(func() *wtLeaf {
		close(started)
		<-release
		switch how {
		case "panic":
			panic("leaf panics")
		case "panic error":
			panic(errors.New("leaf panics with an error"))
		}
		runtime.Goexit()
		return nil
	}))
	must(c.Provide(func(*wtLeaf) *wtMid { return &wtMid{} }))
	if nested {
		must(c.Provide(func(s *Scope) (*wtTop, error) {
			if _, err := Resolve[*wtMid](s); err != nil {
				return nil, err
			}
			return &wtTop{}, nil
		}))
	} else {
		must(c.Provide(func(*wtMid) *wtTop { return &wtTop{} }))
	}
	s := c.NewScope(context.Background())
	defer s.Close()
	if c.lean == general {
		t.Fatalf("general %v but lean %v", general, c.lean)
	}
	var mu sync.Mutex
	got := map[string]string{}
	record := func(who string, err error) {
		mu.Lock()
		got[who] = fmt.Sprint(err)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		ended := false
		defer func() {
			if !ended {
				record("builder", errors.New("goexit"))
			}
		}()
		_, err := Resolve[*wtTop](s)
		record("builder", err)
		ended = true
	})
	<-started
	wg.Go(func() { _, err := Resolve[*wtTop](s); record("top", err) })
	wg.Go(func() { _, err := Resolve[*wtMid](s); record("mid", err) })
	wg.Go(func() { _, err := Resolve[*wtLeaf](s); record("leaf", err) })
	wg.Go(func() {
		record("invoke", s.Invoke(func(*wtMid) {}))
	})
	waitFor(t, s, (*wtTop)(nil), slotWaited)
	waitFor(t, s, (*wtMid)(nil), slotWaited)
	waitFor(t, s, (*wtLeaf)(nil), slotWaited)
	close(release)
	lcWait(t, &wg)
	return got
}

// TestHotTypesServeOnlyTheirOwnType fills the hot caches of two Containers
// from many goroutines with more types than they have places, so that
// places collide, and checks that every hit is the entry of its own type
// and Container; then that Resolve and Invoke, through those caches, give
// each type its own value.
func TestHotTypesServeOnlyTheirOwnType(t *testing.T) {
	types := make([]reflect.Type, 64)
	for i := range types {
		types[i] = reflect.PointerTo(reflect.StructOf([]reflect.StructField{{Name: fmt.Sprintf("H%d", i), Type: reflect.TypeFor[int]()}}))
	}
	var hot [2]hotTypes[int]
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 2000 {
				i := (g*7 + k) % len(types)
				h := &hot[k%2]
				want := i*2 + k%2
				if v, ok := h.load(types[i]); ok && v != want {
					t.Errorf("hot %d: %v gave %d, want %d", k%2, types[i], v, want)
					return
				}
				h.store(types[i], want)
			}
		})
	}
	wg.Wait()
	hits := 0
	for k := range hot {
		for i, ty := range types {
			if v, ok := hot[k].load(ty); ok {
				hits++
				if v != i*2+k {
					t.Errorf("hot %d: %v gave %d, want %d", k, ty, v, i*2+k)
				}
			}
		}
	}
	if hits == 0 || hits > 2*len(hot[0].entries) {
		t.Errorf("%d hits, want 1 to %d", hits, 2*len(hot[0].entries))
	}

	// Through Resolve and Invoke: two Containers, each type's provider
	// returns a value numbered by Container and type.
	var cs [2]*Container
	for k := range cs {
		cs[k] = New()
		for i, ty := range types {
			fn := reflect.MakeFunc(reflect.FuncOf(nil, []reflect.Type{ty}, false), func([]reflect.Value) []reflect.Value {
				v := reflect.New(ty.Elem())
				v.Elem().Field(0).SetInt(int64(k*1000 + i))
				return []reflect.Value{v}
			})
			if err := cs[k].Provide(fn.Interface()); err != nil {
				t.Fatal(err)
			}
		}
	}
	for g := range 8 {
		wg.Go(func() {
			for k := range 300 {
				ci := (g + k) % 2
				s := cs[ci].NewScope(context.Background())
				i := (g*5 + k) % len(types)
				v, err := s.resolveType(types[i])
				if err != nil || reflect.ValueOf(v).Elem().Field(0).Int() != int64(ci*1000+i) {
					t.Errorf("Resolve %v in Container %d: %v %v", types[i], ci, v, err)
				}
				got := int64(-1)
				fn := reflect.MakeFunc(reflect.FuncOf([]reflect.Type{types[i]}, nil, false), func(a []reflect.Value) []reflect.Value {
					got = a[0].Elem().Field(0).Int()
					return nil
				})
				if err := s.Invoke(fn.Interface()); err != nil || got != int64(ci*1000+i) {
					t.Errorf("Invoke func(%v) in Container %d: got %d, %v", types[i], ci, got, err)
				}
				s.Close()
			}
		})
	}
	wg.Wait()
}
