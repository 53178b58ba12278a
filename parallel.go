package depend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
)

// SetParallel turns parallel resolution on or off for every Scope of c.
// In a parallel Scope, when a provider, an Invoke func or a handler has two
// or more Scoped or Singleton dependencies that are not cached yet, they are
// resolved concurrently, one goroutine each, before the call. The caching
// rules are unchanged: a Scoped provider still runs at most once per Scope,
// and NoCache and Fresh values are still built once per use, in parameter
// order, when the call needs them.
//
// It pays off when providers block (a database, an HTTP call); when nothing
// blocks it only adds the cost of the goroutines, which the benchmarks in
// parallel_test.go measure. See [WithParallel] to turn it on for one
// Scope or one handler instead.
//
// On the first error in a concurrent group, the Scope's context is cancelled
// with that error as its cause (see [context.Cause]), so sibling providers
// that watch their context.Context stop early. The error returned is then
// the first one in parameter order, ignoring the errors that are only
// siblings reporting that cancellation; values that were built keep their
// cleanups, which run when the Scope closes. Because the cancelled context is
// the Scope's, everything resolved later in that Scope fails too: the request
// has failed.
//
// Call SetParallel before the first NewScope or Handler; after that it fails
// with ErrSealed, and the failure is kept, as Provide's is. It is safe for
// concurrent use.
func (c *Container) SetParallel(on bool) error {
	return c.keep(c.setParallel(on))
}

func (c *Container) setParallel(on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sealed.Load() {
		return fmt.Errorf("SetParallel: call it before the first NewScope or Handler: %w", ErrSealed)
	}
	c.parallel = on
	return nil
}

// parallelKey marks a context made by WithParallel.
type parallelKey struct{}

// WithParallel returns a copy of ctx that makes NewScope open a parallel
// Scope (see [Container.SetParallel]) even if its Container is not
// parallel. Use it for one request or one handler:
//
//	s := c.NewScope(depend.WithParallel(ctx))
//
// The mark is for the Scope opened on ctx: the context of that Scope, and
// what derives from it, do not carry it, so a Scope of another Container
// opened inside the request is parallel only if its own Container or
// context asks for it. A nil ctx means context.Background(). It is safe for
// concurrent use.
func WithParallel(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, parallelKey{}, true)
}

// Parallel returns middleware that makes the Scope of each request it
// serves parallel, by giving the request a context made with WithParallel:
//
//	mux.Handle("GET /dashboard", depend.Parallel(c.Handler(dashboard)))
//
// It must wrap whatever opens the Scope: Handler, or Middleware when
// handlers run under it. It is safe for concurrent use, and so is the
// http.Handler it returns.
func Parallel(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithParallel(r.Context())))
	})
}

// scopeContext returns the context for a new Scope of c: ctx itself for a
// sequential Scope; for a parallel one, a cancellable copy that the Scope
// owns, with the func that cancels it. Ownership is never guessed from a
// context's type, so a Scope cannot cancel a context it did not create.
func (c *Container) scopeContext(ctx context.Context) (context.Context, context.CancelCauseFunc) {
	if !c.parallel && ctx.Value(parallelKey{}) == nil {
		return ctx, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	return &unmarked{ctx}, cancel
}

// unmarked is a parallel Scope's context: it hides the WithParallel mark
// that the Scope has consumed.
type unmarked struct{ context.Context }

func (u *unmarked) Value(key any) any {
	if key == (parallelKey{}) {
		return nil
	}
	return u.Context.Value(key)
}

// endParallel releases a parallel Scope's context once the Scope is closed
// and its cleanups have run. Calls still in flight then fail with
// ErrScopeClosed, as the context's cause.
func (s *Scope) endParallel() {
	if s.cancel != nil {
		s.cancel(ErrScopeClosed)
	}
}

// prefetch resolves deps concurrently if s is parallel, so that the call
// that follows finds them cached. The caller keeps s entered.
func (s *Scope) prefetch(deps []dep) error {
	if s.cancel != nil {
		return s.resolveGroup(deps)
	}
	return nil
}

func (s *Scope) resolveGroup(deps []dep) error {
	if len(deps) < 2 {
		return nil
	}
	var buf [8]int
	todo := buf[:0]
	for i, d := range deps {
		if s.pending(d) {
			todo = append(todo, i)
		}
	}
	if len(todo) < 2 {
		return nil // nothing to overlap
	}
	g := &group{cancel: s.cancel}
	if len(todo) <= len(g.inline) {
		g.errs = g.inline[:len(todo)]
	} else {
		g.errs = make([]error, len(todo))
	}
	g.first.Store(-1)
	var wg sync.WaitGroup
	defer wg.Wait() // even if this goroutine's share calls runtime.Goexit
	for k, i := range todo[1:] {
		wg.Go(func() { g.run(s, k+1, deps[i]) })
	}
	g.run(s, 0, deps[todo[0]]) // the caller's goroutine takes one share
	wg.Wait()
	return g.result()
}

// pending reports whether resolving d may run a provider whose value is then
// cached, which is what a concurrent group can usefully do ahead of the call.
func (s *Scope) pending(d dep) bool {
	if d.kind != depProvider {
		return false
	}
	switch d.p.life {
	case Scoped:
		return s.table.slots[d.p.id].state.Load() != slotReady
	case Singleton:
		return !s.c.singles[d.p.id].ready.Load()
	}
	return false // NoCache: a value resolved now would be lost
}

// group is one concurrent resolution of a parameter list.
type group struct {
	cancel context.CancelCauseFunc // the Scope's
	errs   []error                 // by position in the group; each written by one goroutine before wg.Wait
	inline [8]error                // errs' storage for small groups
	first  atomic.Int32            // position of the first failure in time, or -1
}

func (g *group) run(s *Scope, k int, d dep) {
	if _, err := s.resolve(d); err != nil {
		g.errs[k] = err
		if g.first.CompareAndSwap(-1, int32(k)) {
			g.cancel(publicError(err))
		}
	}
}

// result returns the first error in parameter order, skipping the errors of
// siblings that only report the cancellation the first failure caused.
func (g *group) result() error {
	first := g.first.Load()
	if first < 0 {
		return nil
	}
	cause := g.errs[first]
	for k, err := range g.errs {
		if err != nil && (k == int(first) || !isEcho(err, cause)) {
			return err
		}
	}
	return cause
}

func isEcho(err, cause error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, cause)
}
