package depend

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The differential test: random graphs, with providers that fail, panic,
// call runtime.Goexit, cancel the request or return cleanups, run through
// the default Container (the erased call and the lean resolution) and
// through one forced onto the general path (Container.general: reflection,
// a deferred func per build, one atomic Add per claimed slot). Both must
// make the same calls, in the same order, with the same values and errors,
// and run the same cleanups.

// diffGraphs is the number of random graphs; each runs on both paths.
const diffGraphs = 2000

func TestDifferentialLeanAndGeneral(t *testing.T) {
	n := diffGraphs
	if testing.Short() {
		n /= 10
	}
	for seed := range uint64(n) {
		g := newDiffGraph(seed)
		lean, general := g.run(t, false), g.run(t, true)
		if !slices.Equal(lean, general) {
			t.Fatalf("seed %d: the lean and general paths differ\ngraph:\n%s\nlean:\n%s\ngeneral:\n%s",
				seed, g, strings.Join(lean, "\n"), strings.Join(general, "\n"))
		}
	}
}

// diffTypes are the pointer types a random graph provides, made at run
// time so that a graph can have as many as it needs.
var diffTypes = func() []reflect.Type {
	ts := make([]reflect.Type, 24)
	for i := range ts {
		ts[i] = reflect.PointerTo(reflect.StructOf([]reflect.StructField{{Name: fmt.Sprintf("V%d", i), Type: reflect.TypeFor[int]()}}))
	}
	return ts
}()

// diffKind is what a provider does when called.
type diffKind uint8

const (
	diffOK diffKind = iota
	diffFail
	diffPanic
	diffGoexit
	diffCancel // cancels the request's context, then returns its value
)

func (k diffKind) String() string {
	return [...]string{"ok", "fail", "panic", "goexit", "cancel"}[k]
}

// diffProvider is one provider of a random graph: it provides diffTypes[i].
type diffProvider struct {
	i       int
	deps    []int // indexes into diffTypes; some may be unprovided
	ctx     bool  // takes the context.Context first
	life    Lifetime
	kind    diffKind
	cleanup bool // returns a func() cleanup, which takes the reflective call
	// nested >= 0: the provider also takes the *Scope and, before its own
	// behaviour, resolves diffTypes[nested] through it: a resolution inside
	// a build.
	nested int
}

// diffOp is one call in a Scope: Resolve of one type, Invoke of a func of
// the given types, or a request to the graph's handler.
type diffOp struct {
	resolve int   // >= 0: Resolve(diffTypes[resolve])
	invoke  []int // Invoke(func(deps...) error), when resolve < 0 and !serve
	panics  bool  // the Invoke func panics itself
	serve   bool  // a request through the handler
}

type diffGraph struct {
	providers  []diffProvider
	handler    []int
	cancelable bool
	scopes     [][]diffOp
}

func newDiffGraph(seed uint64) *diffGraph {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	g := &diffGraph{cancelable: rng.IntN(4) != 0}
	n := 3 + rng.IntN(len(diffTypes)-3)
	// One graph in four is mostly Scoped, erasable and succeeding, with
	// every type provided: a chain (each provider depends on the previous
	// one) or a wide one (leaves, then providers of three to five earlier
	// types), so that a
	// resolution goes deeper than resolution.building or claims more slots
	// than resolution.claimed holds, and the lean path falls back.
	shape := rng.IntN(8)
	lean := shape < 2
	if lean {
		n = len(diffTypes)
	}
	singleton := make([]bool, n)
	for i := range n {
		if !lean && rng.IntN(20) == 0 { // unprovided: resolving it fails with ErrNotProvided
			continue
		}
		p := diffProvider{i: i, deps: diffDeps(rng, i), nested: -1}
		switch {
		case shape == 0 && i > 0: // a chain
			p.deps = append([]int{i - 1}, p.deps...)
		case shape == 1 && i >= 8: // wide and shallow: leaves, then fan-in
			p.deps = p.deps[:0]
			for range 3 + rng.IntN(3) {
				p.deps = append(p.deps, i/2+rng.IntN(i-i/2))
			}
		case shape == 1:
			p.deps = nil
		}
		if len(p.deps) > 7 {
			p.deps = p.deps[:7]
		}
		switch r := rng.IntN(20); {
		case lean && r < 1:
			p.life = NoCache
		case lean:
		case r < 3 && allOf(singleton, p.deps):
			p.life, singleton[i] = Singleton, true
		case r < 6:
			p.life = NoCache
		}
		if p.life != Singleton {
			p.ctx = rng.IntN(5) == 0
			p.cleanup = rng.IntN(8) == 0
			if i > 0 && rng.IntN(6) == 0 {
				p.nested = rng.IntN(i)
			}
		}
		if lean && rng.IntN(2) == 0 { // most providers stay on the lean path
			p.ctx, p.cleanup, p.nested = false, false, -1
		}
		p.kind = diffBehaviour(rng, p.life)
		if lean && rng.IntN(8) != 0 {
			p.kind = diffOK
		}
		g.providers = append(g.providers, p)
	}
	g.handler = diffDeps(rng, n)
	for range 2 {
		ops := make([]diffOp, 1+rng.IntN(6))
		for k := range ops {
			ops[k] = diffOp{resolve: -1}
			switch r := rng.IntN(10); {
			case r < 5 && lean: // from the top, where the graph is deepest or widest
				ops[k].resolve = n - 1 - rng.IntN(3)
			case r < 5:
				ops[k].resolve = rng.IntN(n)
			case r < 8:
				ops[k].invoke = diffDeps(rng, n)
				ops[k].panics = rng.IntN(10) == 0
			default:
				ops[k].serve = true
			}
		}
		g.scopes = append(g.scopes, ops)
	}
	return g
}

// diffDeps picks the dependencies of a provider of index i, or of a
// func when i is the number of types: a few of the earlier types, so that
// the graph has no cycle, and now and then seven, more than the erased
// call takes.
func diffDeps(rng *rand.Rand, i int) []int {
	if i == 0 {
		return nil
	}
	k := rng.IntN(4)
	if i >= 7 && rng.IntN(10) == 0 {
		k = 7
	}
	deps := make([]int, k)
	for j := range deps {
		deps[j] = rng.IntN(i)
	}
	return deps
}

func diffBehaviour(rng *rand.Rand, life Lifetime) diffKind {
	switch r := rng.IntN(40); {
	case r < 3:
		return diffFail
	case r < 6:
		return diffPanic
	case r < 8 && life != Singleton:
		return diffGoexit
	case r < 10 && life != Singleton:
		return diffCancel
	}
	return diffOK
}

func allOf(set []bool, ids []int) bool {
	for _, id := range ids {
		if !set[id] {
			return false
		}
	}
	return true
}

func (g *diffGraph) String() string {
	var b strings.Builder
	for _, p := range g.providers {
		fmt.Fprintf(&b, "  T%d <- %v ctx=%v %v %v cleanup=%v nested=%d\n", p.i, p.deps, p.ctx, p.life, p.kind, p.cleanup, p.nested)
	}
	fmt.Fprintf(&b, "  handler <- %v, cancelable=%v\n", g.handler, g.cancelable)
	for i, ops := range g.scopes {
		fmt.Fprintf(&b, "  scope %d: %+v\n", i, ops)
	}
	return b.String()
}

// diffRun is one run of a graph: what its funcs did, in order.
type diffRun struct {
	t      *testing.T
	mu     sync.Mutex
	log    []string
	seq    int                     // values made, to tell them apart
	cancel context.CancelCauseFunc // the current Scope's, or nil
}

func (r *diffRun) add(format string, args ...any) {
	r.mu.Lock()
	r.log = append(r.log, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// run builds the graph in a new Container, on the general path or not, and
// runs its Scopes; it returns the log.
func (g *diffGraph) run(t *testing.T, general bool) []string {
	r := &diffRun{t: t}
	c := New()
	c.general = general
	for _, p := range g.providers {
		var opts []Option
		if p.life != Scoped {
			opts = append(opts, p.life)
		}
		if err := c.Provide(r.provider(p).Interface(), opts...); err != nil {
			t.Fatalf("Provide T%d: %v", p.i, err)
		}
	}
	c.SetHTTPOptions(HTTPOptions{ReportError: func(_ *http.Request, err error) { r.add("reported: %s", diffErr(err)) }})
	h := r.handler(c, g.handler)
	r.checkPath(t, c, general)
	for i, ops := range g.scopes {
		r.scope(c, h, i, ops, g.cancelable)
	}
	r.add("container close: %v", diffErr(c.Close()))
	return r.log
}

// handler wraps the graph's handler, or returns nil if Handler refuses it
// (it needs a type no provider provides).
func (r *diffRun) handler(c *Container, deps []int) (h http.Handler) {
	defer func() {
		if recover() != nil {
			r.add("handler refused")
			h = nil
		}
	}()
	return c.Handler(r.invokeFunc("handler", deps, false, true).Interface())
}

// checkPath checks that the Container takes the path the run is for.
func (r *diffRun) checkPath(t *testing.T, c *Container, general bool) {
	if c.lean == general {
		t.Fatalf("general %v: Container.lean is %v", general, c.lean)
	}
	for _, p := range c.providers {
		if general && p.erased != nil {
			t.Fatalf("general: %s is called shape-erased", p)
		}
	}
}

func (r *diffRun) scope(c *Container, h http.Handler, i int, ops []diffOp, cancelable bool) {
	ctx := context.Background()
	r.cancel = nil
	if cancelable {
		ctx, r.cancel = context.WithCancelCause(context.Background())
	}
	s := c.NewScope(ctx)
	for k, op := range ops {
		r.add("scope %d op %d", i, k)
		r.op(s, h, op)
	}
	r.add("scope %d close: %v", i, diffErr(s.Close()))
	if r.cancel != nil {
		r.cancel(nil)
	}
}

// op runs one call on its own goroutine, so that runtime.Goexit ends only
// the call, and logs how it ended.
func (r *diffRun) op(s *Scope, h http.Handler, op diffOp) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		returned := false
		defer func() {
			if p := recover(); p != nil {
				r.add("panicked: %v", p)
			} else if !returned {
				r.add("goexit")
			}
		}()
		switch {
		case op.resolve >= 0:
			v, err := s.resolveType(diffTypes[op.resolve])
			r.add("resolve T%d: %s %v", op.resolve, diffValue(v), diffErr(err))
		case op.serve && h == nil:
			r.add("serve: no handler")
		case op.serve:
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequestWithContext(s.Context(), "GET", "/", nil))
			r.add("serve: %d %q", w.Code, w.Body.String())
		default:
			err := s.Invoke(r.invokeFunc("invoke", op.invoke, op.panics, false).Interface())
			r.add("invoke: %v", diffErr(err))
		}
		returned = true
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a slot left building strands its waiters
		r.mu.Lock()
		defer r.mu.Unlock()
		r.t.Fatalf("a call did not return; the log so far:\n%s", strings.Join(r.log, "\n"))
	}
}

// provider makes p's func: pointer parameters and results, so that the
// default path calls it shape-erased unless it has a cleanup or seven
// parameters.
func (r *diffRun) provider(p diffProvider) reflect.Value {
	var in []reflect.Type
	if p.ctx {
		in = append(in, contextType)
	}
	if p.nested >= 0 {
		in = append(in, scopeType)
	}
	for _, d := range p.deps {
		in = append(in, diffTypes[d])
	}
	out := []reflect.Type{diffTypes[p.i]}
	if p.cleanup {
		out = append(out, reflect.TypeFor[func()]())
	}
	out = append(out, errorType)
	ft := reflect.FuncOf(in, out, false)
	return reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		if p.nested >= 0 {
			at := 0
			if p.ctx {
				at = 1
			}
			s := args[at].Interface().(*Scope)
			args = slices.Delete(slices.Clone(args), at, at+1)
			v, err := s.resolveType(diffTypes[p.nested])
			r.add("T%d resolves T%d: %s %v", p.i, p.nested, diffValue(v), diffErr(err))
		}
		r.add("call T%d(%s)", p.i, diffArgs(args))
		switch p.kind {
		case diffFail:
			return diffResults(ft, reflect.Zero(out[0]), nil, fmt.Errorf("T%d failed", p.i))
		case diffPanic:
			panic(fmt.Sprintf("T%d panics", p.i))
		case diffGoexit:
			runtime.Goexit()
		case diffCancel:
			if r.cancel != nil {
				r.cancel(fmt.Errorf("T%d cancelled", p.i))
			}
		}
		v := r.value(p.i)
		var cl func()
		if p.cleanup {
			name := diffValue(v.Interface())
			cl = func() { r.add("cleanup %s", name) }
		}
		return diffResults(ft, v, cl, nil)
	})
}

// value makes a new value of diffTypes[i], numbered in the run.
func (r *diffRun) value(i int) reflect.Value {
	r.mu.Lock()
	r.seq++
	n := r.seq
	r.mu.Unlock()
	v := reflect.New(diffTypes[i].Elem())
	v.Elem().Field(0).SetInt(int64(n))
	return v
}

func diffResults(ft reflect.Type, v reflect.Value, cl func(), err error) []reflect.Value {
	out := []reflect.Value{v}
	if ft.NumOut() == 3 {
		out = append(out, reflect.ValueOf(cl))
	}
	e := reflect.Zero(errorType)
	if err != nil {
		e = reflect.ValueOf(&err).Elem()
	}
	return append(out, e)
}

// invokeFunc makes a func(deps...) error for Invoke, or, for a handler,
// func(http.ResponseWriter, deps...) error: erasable up to six words.
func (r *diffRun) invokeFunc(name string, deps []int, panics, handler bool) reflect.Value {
	var in []reflect.Type
	if handler {
		in = append(in, writerType)
	}
	for _, d := range deps {
		in = append(in, diffTypes[d])
	}
	ft := reflect.FuncOf(in, []reflect.Type{errorType}, false)
	return reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		if handler {
			args[0].Interface().(http.ResponseWriter).Write([]byte("ok"))
			args = args[1:]
		}
		r.add("%s(%s)", name, diffArgs(args))
		if panics {
			panic(name + " panics")
		}
		return []reflect.Value{reflect.Zero(errorType)}
	})
}

func diffArgs(args []reflect.Value) string {
	var s []string
	for _, a := range args {
		s = append(s, diffValue(a.Interface()))
	}
	return strings.Join(s, ", ")
}

// diffValue names a value made by value: its type and number.
func diffValue(v any) string {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer {
		return fmt.Sprintf("%T", v)
	}
	if rv.IsNil() {
		return "nil"
	}
	e := rv.Elem()
	if e.Kind() != reflect.Struct || e.NumField() != 1 || e.Field(0).Kind() != reflect.Int {
		return fmt.Sprintf("%T", v)
	}
	return fmt.Sprintf("%s#%d", e.Type().Field(0).Name, e.Field(0).Int())
}

// diffErr renders an error with what the callers can test of it.
func diffErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	var pe *PanicError
	return fmt.Sprintf("%q panic=%v canceled=%v notProvided=%v closed=%v",
		err.Error(), errors.As(err, &pe), errors.Is(err, context.Canceled),
		errors.Is(err, ErrNotProvided), errors.Is(err, ErrScopeClosed))
}
