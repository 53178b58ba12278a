package depend

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
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
// safe for concurrent use. A panic in one does not fail the build it
// reports: the resolution completes and caches its values as if the
// observer had returned, then Resolve, Invoke or the handler panics with
// that value, as a panic in the code that resolved would. When goroutines
// resolve in one Scope concurrently, the panic may surface in another of
// them.
//
// Call Observe before the first NewScope or Handler, like Provide; after
// that it fails with ErrSealed. A failure is kept, as Provide's is. A Container without observers pays one
// predictable branch per lookup for this feature and allocates nothing.
// Observe is safe for concurrent use.
func (c *Container) Observe(fn func(Event)) error {
	return c.keep(c.observe(fn))
}

func (c *Container) observe(fn func(Event)) error {
	if fn == nil {
		return fmt.Errorf("Observe: the observer func is nil; pass a func(depend.Event): %w", ErrBadProvider)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sealed.Load() {
		return fmt.Errorf("Observe: add observers before the first NewScope or Handler: %w", ErrSealed)
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
func (s *Scope) observeHit(d *dep) {
	if d.kind != depProvider {
		return
	}
	p := d.p
	switch p.life {
	case Scoped:
		sl := &s.table.slots[p.id]
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
	defer s.catchObserverPanic()
	s.c.observer(Event{
		Context:  s.inputs().ctx,
		Type:     p.out,
		Lifetime: p.life,
		Hit:      hit,
		Duration: d,
		Err:      publicError(err),
	})
}

// panicked is a recovered panic value, kept to be raised again.
type panicked struct{ value any }

// catchObserverPanic keeps an observer's panic for raiseObserverPanic. An
// observer runs inside builds: unwinding them would fail the providers that
// were resolving, cache that failure and lose the built values (a Singleton
// would be built again), although no provider failed.
func (s *Scope) catchObserverPanic() {
	if r := recover(); r != nil {
		s.observerPanic.CompareAndSwap(nil, &panicked{r})
	}
}

// raiseObserverPanic panics with the value of an observer's panic caught in
// s, if any, once the resolution that ran the observer has cached its
// values: at the edge of the package (Resolve, Invoke, a handler), where a
// panic in the code that resolved would surface.
func (s *Scope) raiseObserverPanic() {
	if s.c.observer == nil {
		return
	}
	if p := s.observerPanic.Swap(nil); p != nil {
		panic(p.value)
	}
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

// timingKey finds a request's timings in its context.
type timingKey struct{}

// maxTimings bounds the Server-Timing header of one response.
const maxTimings = 64

// timings collects one request's provider calls for its Server-Timing
// header.
type timings struct {
	mu      sync.Mutex
	entries []string // rendered metrics, at most maxTimings; guarded by mu
	dropped int      // calls past maxTimings; guarded by mu
}

// ServerTimingObserver is the observer, for [Container.Observe], that feeds
// [ServerTiming]: it records each provider call of a request served under
// ServerTiming. Events of other Scopes are ignored. It is safe for
// concurrent use.
func ServerTimingObserver(e Event) {
	if e.Hit || e.Context == nil {
		return
	}
	t, _ := e.Context.Value(timingKey{}).(*timings)
	if t == nil {
		return
	}
	t.add(e)
}

func (t *timings) add(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.entries) == maxTimings {
		t.dropped++
		return
	}
	desc := e.Type.String() + " " + e.Lifetime.String()
	if e.Err != nil {
		desc += " error"
	}
	ms := strconv.FormatFloat(float64(e.Duration)/float64(time.Millisecond), 'f', 3, 64)
	t.entries = append(t.entries, metricName(e.Type.String())+";dur="+ms+";desc="+quote(desc))
}

func (t *timings) header() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := strings.Join(t.entries, ", ")
	if t.dropped > 0 {
		h += fmt.Sprintf(`, depend.dropped;desc="%d more provider calls"`, t.dropped)
	}
	return h
}

// metricName makes s a valid Server-Timing metric name, an RFC 9110 token:
// every other byte becomes '_'.
func metricName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !isTokenChar(c) {
			b[i] = '_'
		}
	}
	return string(b)
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// quote makes s an RFC 9110 quoted-string of printable ASCII: '"' and '\'
// are escaped, other bytes become '?'.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == ' ' || c == '\t' || ('!' <= c && c <= '~'):
			b.WriteByte(c)
		default:
			b.WriteByte('?')
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ServerTiming returns middleware that adds a Server-Timing header to each
// response, listing the provider calls made for the request until the
// response started, with their durations in milliseconds, so that the
// browser's developer tools show what each dependency cost. Register
// [ServerTimingObserver] with Container.Observe too, and wrap the handlers
// (or the Container's Middleware) with ServerTiming:
//
//	c.Observe(depend.ServerTimingObserver)
//	mux.Handle("GET /users/{id}", c.Handler(getUser))
//	http.ListenAndServe(addr, depend.ServerTiming(mux))
//
// Wrap whatever opens the request's Scope (Handler, or Middleware), since
// the context providers see carries the record. Placed inside Middleware,
// it records only what is built while the handler runs.
//
// A metric is named after the provided type, made a valid token, with the
// type, its lifetime and "error" for a failed call in its description. At
// most 64 calls are listed. The header reveals the types and timings of the
// server's internals to every client: enable it in development, or only for
// trusted clients. ServerTiming is safe for concurrent use, and so is the
// http.Handler it returns.
func ServerTiming(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := &timings{}
		tw := &timingWriter{ResponseWriter: w, t: t}
		next.ServeHTTP(tw, r.WithContext(context.WithValue(r.Context(), timingKey{}, t)))
		tw.start() // a handler that wrote nothing still gets the header
	})
}

// timingWriter adds the Server-Timing header when the response starts.
// http.ResponseController reaches the writer it wraps through Unwrap.
type timingWriter struct {
	http.ResponseWriter
	t       *timings
	started bool // set by the serving goroutine only
}

func (w *timingWriter) start() {
	if w.started {
		return
	}
	w.started = true
	if h := w.t.header(); h != "" {
		w.Header().Add("Server-Timing", h)
	}
}

func (w *timingWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols { // informational headers go without it
		w.start()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *timingWriter) Write(b []byte) (int, error) {
	w.start()
	return w.ResponseWriter.Write(b)
}

func (w *timingWriter) Flush() {
	w.start()
	_ = http.NewResponseController(w.ResponseWriter).Flush() // http.Flusher cannot report it
}

func (w *timingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
