package depend

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"time"
)

// Event reports one provider call or one cache hit to the observers set with
// [Container.Observe]. An Event is a plain value and safe for concurrent use.
//
// A call is reported when the provider returns, with Hit false. Its Duration
// includes resolving the dependencies that were not cached yet, as a span in
// a trace includes its children. A lookup that finds the value ready in its
// cache (the Scope's for Scoped, the Container's for Singleton) is reported
// with Hit true and a zero Duration. A lookup that waits for another
// goroutine's build of the same value is not reported separately: that
// build's own event covers it. A Fresh[T] use site is always a call.
type Event struct {
	// Context is the Scope's context: it carries the request's values, such
	// as the Server-Timing recorder or a request id for logging.
	Context  context.Context
	Type     reflect.Type // the provided type
	Lifetime Lifetime
	Hit      bool          // the value came from a cache; no provider ran
	Duration time.Duration // the call, dependencies included; 0 for a hit
	// Err is the call's error, or the cached error a hit returned. It reads
	// as the error Resolve would return: depend: build *T: ...
	Err error
}

// Observe adds fn to the functions that receive an Event for each provider
// call and each cache hit, in every Scope of c. Observers run in the order
// they were added, on the goroutine that resolves, so they must be fast and
// safe for concurrent use; a panic in one propagates like a panic in the
// code that resolved.
//
// Call Observe before the first NewScope or Handler, like Provide; after
// that it fails with ErrSealed. A Container without observers pays one
// predictable branch per lookup for this feature and allocates nothing.
// Observe is safe for concurrent use.
func (c *Container) Observe(fn func(Event)) error {
	if fn == nil {
		return publicError(fmt.Errorf("Observe: the observer func is nil; pass a func(depend.Event): %w", ErrBadProvider))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sealed.Load() {
		return publicError(fmt.Errorf("Observe: add observers before the first NewScope or Handler: %w", ErrSealed))
	}
	if prev := c.observer; prev != nil {
		fn = chain(prev, fn)
	}
	c.observer = fn
	return nil
}

func chain(first, then func(Event)) func(Event) {
	return func(e Event) {
		first(e)
		then(e)
	}
}

// observeHit reports a hit if d's value is ready in its cache. A ready value
// never becomes unready while the lookup runs, so the lookup that follows
// returns exactly what was reported.
func (s *Scope) observeHit(d dep) {
	if d.kind != depProvider {
		return
	}
	p := d.p
	switch p.life {
	case Scoped:
		sl := &s.table.Load().slots[p.id]
		if sl.state.Load() == slotReady {
			s.emit(p, true, 0, sl.err)
		}
	case Singleton:
		if s.c.singles[p.id].ready.Load() {
			s.emit(p, true, 0, nil)
		}
	}
}

// observeCall is deferred by build when observers are set: it reports the
// call that started at start and ended with *err.
func (s *Scope) observeCall(p *provider, start time.Time, err *error) {
	s.emit(p, false, time.Since(start), *err)
}

func (s *Scope) emit(p *provider, hit bool, d time.Duration, err error) {
	s.c.observer(Event{
		Context:  s.ctx,
		Type:     p.out,
		Lifetime: p.life,
		Hit:      hit,
		Duration: d,
		Err:      publicError(err),
	})
}

// SlogObserver returns an observer for [Container.Observe] that logs each
// Event with l at debug level, with the Event's Context, so a handler that
// reads a request id from the context can add it. A nil l means
// slog.Default(). Nothing is formatted unless l is enabled for debug. The
// observer is safe for concurrent use.
func SlogObserver(l *slog.Logger) func(Event) {
	if l == nil {
		l = slog.Default()
	}
	return func(e Event) {
		if !l.Enabled(e.Context, slog.LevelDebug) {
			return
		}
		attrs := []slog.Attr{
			slog.String("type", e.Type.String()),
			slog.String("lifetime", e.Lifetime.String()),
			slog.Bool("hit", e.Hit),
			slog.Duration("duration", e.Duration),
		}
		if e.Err != nil {
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
		l.LogAttrs(e.Context, slog.LevelDebug, "depend: resolve", attrs...)
	}
}
