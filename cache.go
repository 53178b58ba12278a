package depend

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Slot states. A slot moves empty -> building -> ready, or through waited
// when another goroutine is blocked on it, and goes back to empty only when
// its table is reset for reuse.
const (
	slotEmpty uint32 = iota
	slotBuilding
	slotWaited // building, and at least one waiter holds slot.wait
	slotReady
)

// slot caches one Scoped provider's value for one Scope. It is a
// single-flight cell: the goroutine that moves it out of empty builds the
// value; every other one reads it or waits.
type slot struct {
	state atomic.Uint32
	val   any           // written once by the builder before state becomes ready
	err   error         // likewise
	wait  chan struct{} // made by the first waiter and closed by the builder; guarded by Scope.mu
}

// table is a Scope's cache: one slot per provider id, so a lookup is an index
// and not a map access. Tables are pooled per Container; reset clears only
// the slots a request touched, so its cost does not grow with the number of
// registered providers.
type table struct {
	slots   []slot
	touched []int32 // ids of slots that left empty, in [0, n)
	// n is the number of touched ids: added to with atomic.AddInt32 while
	// the table serves a Scope, read and zeroed plainly by reset, whose
	// caller owns the table, which saves a locked store per request.
	n        int32
	cleanups []cleanup // in creation order; guarded by Scope.mu
	// The BeforeResponse cleanups (teardown.go): how many are registered
	// and not run yet, changed under Scope.mu; and, while a Finish runs
	// the ones it took, a channel it closes when done, guarded by Scope.mu.
	// They live here, not in the Scope, to keep the per-request handle small.
	early     atomic.Int32
	finishing chan struct{}
}

// set stores a build's outcome in sl, claimed and so still zero, before it
// is published. A nil val or err is not stored: each stored word pays a
// write barrier while the garbage collector marks.
func (sl *slot) set(val any, err error) {
	if val != nil {
		sl.val = val
	}
	if err != nil {
		sl.err = err
	}
}

func newTable(n int) *table {
	return &table{slots: make([]slot, n), touched: make([]int32, n)}
}

func (t *table) touch(id int) {
	t.touched[atomic.AddInt32(&t.n, 1)-1] = int32(id)
}

// record adds the ids of slots that left empty to touched, with one atomic
// Add for all of them.
func (t *table) record(ids []int32) {
	end := atomic.AddInt32(&t.n, int32(len(ids)))
	copy(t.touched[end-int32(len(ids)):], ids)
}

// reset makes t ready for another Scope. No goroutine may use t any more.
func (t *table) reset() {
	for _, id := range t.touched[:t.n] {
		// Plain writes: no goroutine can see t, and an atomic store per
		// slot would cost a locked instruction each. Field by field, and
		// only the pointers that are set: zeroing the whole slot at once
		// runs a bulk write barrier over it while the garbage collector
		// marks.
		sl := &t.slots[id]
		sl.state = atomic.Uint32{}
		if sl.val != nil {
			sl.val = nil
		}
		if sl.err != nil {
			sl.err = nil
		}
		if sl.wait != nil {
			sl.wait = nil
		}
	}
	t.n = 0
	if t.early.Load() != 0 { // a locked store only when Close ran them
		t.early.Store(0)
	}
	if t.finishing != nil {
		t.finishing = nil
	}
	if len(t.cleanups) > 0 {
		clear(t.cleanups)
		t.cleanups = t.cleanups[:0]
	}
}

// fill builds p into its slot sl of t, or waits for the goroutine that is
// building it. Within a lean resolution r that has room, the build is lean.
func (s *Scope) fill(r *resolution, t *table, sl *slot, p *provider) (any, error) {
	if !sl.state.CompareAndSwap(slotEmpty, slotBuilding) {
		return s.await(sl, p)
	}
	if r != nil && r.depth < len(r.building) && r.n < len(r.claimed) {
		r.claimed[r.n] = int32(p.id)
		r.n++
		return s.buildLean(r, sl, p)
	}
	t.touch(p.id)
	return s.build(p, sl, false)
}

// resolution is one lean walk of the graph: a Resolve, an Invoke or a
// handler's parameters in a Scope that has no observer and is not parallel.
// Its Scoped builds (buildLean) register no deferred func each: settle,
// deferred once by the call that began the walk, is their recover, and
// records the slots they claimed with one atomic Add. A resolution lives on
// its goroutine's stack and is never shared; the builds of another path
// (Singletons, NoCache, Fresh, typed and reflective calls' parameters) get
// nil and keep their own deferred func, so a panic never crosses one of
// them with lean builds under it.
type resolution struct {
	building [8]int32  // provider ids of the lean builds in progress, outermost first
	depth    int       // how many of building are in progress
	claimed  [16]int32 // ids of the slots this walk claimed, for table.touched
	n        int       // how many of claimed are set
}

// buildLean is build for a Scoped provider p claimed in sl by the lean
// resolution r. It returns and publishes exactly what build would; on a
// panic or runtime.Goexit, settle does build's deferred work for it.
func (s *Scope) buildLean(r *resolution, sl *slot, p *provider) (v any, err error) {
	r.building[r.depth] = int32(p.id)
	r.depth++
	if p.broken != nil {
		err = p.broken
	} else if p.direct {
		v, err = s.buildDirect(r, p)
	} else if e := p.erased; e != nil {
		var args [maxWords]word
		if args, err = s.words(r, p.deps, nil); err == nil {
			// started, in this frame: p is Scoped
			if closed(s.inputs().done) {
				err = s.notStarted()
			}
			if err == nil {
				v, err = e.call(p.word, &args)
			}
		}
	} else {
		v, err = s.call(p, false)
	}
	if err != nil {
		v, err = nil, &BuildError{p.out, err}
	}
	r.depth--
	sl.set(v, err)
	s.publish(sl)
	return v, err
}

// settle ends the lean resolution r; the call that began r defers it.
// If a lean build was left by a panic or runtime.Goexit, it fails the
// builds in progress, innermost first, with the errors their own deferred
// funcs would have given: the panic as a PanicError in the innermost one,
// wrapped by each caller, as their returned errors are; for Goexit each
// build's own. The outermost error becomes *errp: a Goexit goes on and
// ignores it, but a panic(nil), which recover also returns as nil under
// GODEBUG=panicnil=1, is recovered, and its call must not return a nil
// error. A panic outside any lean build (the Invoke func's own) is not
// recovered.
func (s *Scope) settle(r *resolution, errp *error) {
	if r.depth > 0 {
		p := recover()
		var err error
		if p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
		for i := r.depth - 1; i >= 0; i-- {
			if p == nil {
				err = errGoexit
			}
			err = s.failLean(r.building[i], err)
		}
		*errp = publicError(err)
	}
	if r.n > 0 {
		s.table.record(r.claimed[:r.n])
	}
}

// failLean publishes the failure err of the lean build of provider id and
// returns it as that build's error.
func (s *Scope) failLean(id int32, err error) error {
	p := s.c.providers[id]
	sl := &s.table.slots[id]
	sl.val, sl.err = nil, &BuildError{p.out, err}
	s.publish(sl)
	return sl.err
}

var errGoexit = errors.New("provider called runtime.Goexit")

// ctxError reports that p was not built because the Scope's context ended.
func (s *Scope) ctxError(p *provider, what string) error {
	return &BuildError{p.out, fmt.Errorf("%s: %w", what, s.ctxErr())}
}

// ctxErr says why the Scope's context ended: its Err and, when it was
// cancelled with a cause (a parallel Scope that closed or failed), that
// cause too, so that errors.Is matches context.Canceled and, say,
// ErrScopeClosed alike.
func (s *Scope) ctxErr() error {
	ctx := s.inputs().ctx
	err := ctx.Err()
	cause := context.Cause(ctx)
	if cause == err || cause == nil {
		return err
	}
	if p, ok := cause.(*prefixed); ok { // inside a path, without a second "depend: "
		cause = p.err
	}
	return fmt.Errorf("%w: %w", err, cause)
}

// publish marks sl ready and wakes its waiters.
func (s *Scope) publish(sl *slot) {
	if sl.state.Swap(slotReady) == slotWaited {
		s.wake(sl)
	}
}

// wake wakes the waiters of sl, published.
func (s *Scope) wake(sl *slot) {
	s.mu.Lock()
	close(sl.wait)
	s.mu.Unlock()
}

// await blocks until another goroutine has built sl or s's context is done.
func (s *Scope) await(sl *slot, p *provider) (any, error) {
	s.mu.Lock()
	for {
		st := sl.state.Load()
		if st == slotReady {
			s.mu.Unlock()
			return sl.val, sl.err
		}
		if st == slotWaited || sl.state.CompareAndSwap(slotBuilding, slotWaited) {
			break
		}
	}
	if sl.wait == nil {
		sl.wait = make(chan struct{})
	}
	wait := sl.wait
	s.mu.Unlock()
	select {
	case <-wait:
		return sl.val, sl.err
	case <-s.inputs().done:
		return nil, s.ctxError(p, "waiting for another goroutine to build it")
	}
}

// singleton caches one Singleton provider's value for its Container. Unlike
// a slot it does not keep errors: a failed build is retried by the next
// use, as database/sql retries a failed connection.
type singleton struct {
	ready atomic.Bool
	val   any        // written once before ready is set
	mu    sync.Mutex // guards flight
	// flight is the build in progress, or nil.
	flight *flight
}

// flight is one build of a Singleton. val and err are written before wait
// is closed and read only after.
type flight struct {
	wait chan struct{}
	ctx  context.Context // the context of the Scope that builds it
	val  any
	err  error
}

func (c *singleton) get(s *Scope, p *provider) (any, error) {
	in := s.inputs()
	for {
		if c.ready.Load() {
			return c.val, nil
		}
		c.mu.Lock()
		if c.ready.Load() {
			c.mu.Unlock()
			return c.val, nil
		}
		if f := c.flight; f != nil {
			c.mu.Unlock()
			select {
			case <-f.wait:
				if f.err != nil && f.ctx.Err() != nil && in.ctx.Err() == nil {
					// The build may have failed because the builder's
					// request ended, which must not fail this one:
					// retry, as the next use would.
					continue
				}
				return f.val, f.err
			case <-in.done:
				return nil, s.ctxError(p, "waiting for another goroutine to build it")
			}
		}
		if in.ctx.Err() != nil {
			c.mu.Unlock()
			return nil, s.ctxError(p, "not started")
		}
		f := &flight{wait: make(chan struct{}), ctx: in.ctx}
		c.flight = f
		c.mu.Unlock()
		return c.run(s, p, f)
	}
}

func (c *singleton) run(s *Scope, p *provider, f *flight) (any, error) {
	done := false
	defer func() {
		if !done {
			// build makes a panic an error, and catches an observer's,
			// so only runtime.Goexit leaves it early.
			f.err = &BuildError{p.out, errGoexit}
		}
		c.mu.Lock()
		if f.err == nil {
			c.val = f.val
			c.ready.Store(true)
		}
		c.flight = nil
		c.mu.Unlock()
		close(f.wait)
	}()
	f.val, f.err = s.build(p, nil, true)
	done = true
	return f.val, f.err
}
