package depend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// recorder is an observer that keeps every Event.
type recorder struct {
	mu     sync.Mutex
	events []depend.Event // guarded by mu
}

func (r *recorder) observe(e depend.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// summary renders the events as "type lifetime hit|call [error]", in order.
func (r *recorder) summary() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.events))
	for i, e := range r.events {
		kind := "call"
		if e.Hit {
			kind = "hit"
		}
		out[i] = fmt.Sprintf("%v %v %s", e.Type, e.Lifetime, kind)
		if e.Err != nil {
			out[i] += " error"
		}
	}
	return out
}

type (
	tConfig  struct{}
	tDB      struct{}
	tUser    struct{}
	tCounter struct{}
)

var errDown = errors.New("database down")

func observed(t *testing.T, providers ...any) (*depend.Container, *recorder) {
	t.Helper()
	c := depend.New()
	rec := &recorder{}
	for _, p := range providers {
		opts := []depend.Option{}
		if po, ok := p.(provideOpt); ok {
			p, opts = po.fn, po.opts
		}
		require.NoError(t, c.Provide(p, opts...))
	}
	require.NoError(t, c.Observe(rec.observe))
	return c, rec
}

type provideOpt struct {
	fn   any
	opts []depend.Option
}

func with(fn any, opts ...depend.Option) provideOpt { return provideOpt{fn, opts} }

func TestObserveEvents(t *testing.T) {
	config := with(func() *tConfig { return &tConfig{} }, depend.Singleton)
	db := func(*tConfig) (*tDB, error) { return &tDB{}, nil }
	counter := with(func() *tCounter { return &tCounter{} }, depend.NoCache)
	tests := []struct {
		name      string
		providers []any
		invoke    any
		want      []string
		wantErr   error
	}{{
		name:      "a call per provider and a hit per cached use",
		providers: []any{config, db},
		invoke:    func(*tDB, *tDB, *tConfig) {},
		want: []string{
			"*depend_test.tConfig singleton call",
			"*depend_test.tDB scoped call",
			"*depend_test.tDB scoped hit",
			"*depend_test.tConfig singleton hit",
		},
	}, {
		name:      "NoCache and Fresh are always calls",
		providers: []any{config, db, counter},
		invoke:    func(*tCounter, *tCounter, depend.Fresh[*tDB]) {},
		want: []string{
			"*depend_test.tCounter nocache call",
			"*depend_test.tCounter nocache call",
			"*depend_test.tConfig singleton call",
			"*depend_test.tDB scoped call",
		},
	}, {
		name:      "an error is reported by the call and by each hit on it",
		providers: []any{func() (*tDB, error) { return nil, errDown }},
		invoke:    func(a *tDB, b *tDB) {},
		want:      []string{"*depend_test.tDB scoped call error"},
		wantErr:   errDown,
	}, {
		name:      "a panic is a call with an error",
		providers: []any{func() *tDB { panic("boom") }},
		invoke:    func(*tDB) {},
		want:      []string{"*depend_test.tDB scoped call error"},
		wantErr:   depend.ErrPanic,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := observed(t, tt.providers...)
			s := c.NewScope(context.Background())
			err := s.Invoke(tt.invoke)
			require.NoError(t, s.Close())
			require.ErrorIs(t, err, tt.wantErr)
			require.Equal(t, tt.want, rec.summary())
			for _, e := range rec.events {
				if tt.wantErr != nil {
					require.ErrorIs(t, e.Err, tt.wantErr)
					require.True(t, strings.HasPrefix(e.Err.Error(), "depend: build *depend_test.tDB: "), e.Err.Error())
				}
			}
		})
	}
}

func TestObserveCachedErrorHit(t *testing.T) {
	c, rec := observed(t, func() (*tDB, error) { return nil, errDown })
	s := c.NewScope(context.Background())
	defer s.Close()
	_, err1 := depend.Resolve[*tDB](s)
	_, err2 := depend.Resolve[*tDB](s)
	require.ErrorIs(t, err1, errDown)
	require.ErrorIs(t, err2, errDown)
	require.Equal(t, []string{"*depend_test.tDB scoped call error", "*depend_test.tDB scoped hit error"}, rec.summary())
}

func TestObserveDurationAndContext(t *testing.T) {
	type key struct{}
	c, rec := observed(t, func() *tDB { return &tDB{} })
	ctx := context.WithValue(context.Background(), key{}, "req-1")
	s := c.NewScope(ctx)
	defer s.Close()
	_, err := depend.Resolve[*tDB](s)
	require.NoError(t, err)
	_, err = depend.Resolve[*tDB](s)
	require.NoError(t, err)
	require.Len(t, rec.events, 2)
	call, hit := rec.events[0], rec.events[1]
	require.Positive(t, call.Duration)
	require.Zero(t, hit.Duration)
	require.Equal(t, reflect.TypeFor[*tDB](), call.Type)
	require.Equal(t, "req-1", call.Context.Value(key{}))
	require.Equal(t, "req-1", hit.Context.Value(key{}))
}

func TestObserveOrderAndMisuse(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() *tDB { return &tDB{} }))
	var order []string
	require.NoError(t, c.Observe(func(depend.Event) { order = append(order, "first") }))
	require.NoError(t, c.Observe(func(depend.Event) { order = append(order, "second") }))
	require.ErrorIs(t, c.Fork().Observe(nil), depend.ErrBadProvider)

	s := c.NewScope(context.Background())
	_, err := depend.Resolve[*tDB](s)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.Equal(t, []string{"first", "second"}, order)

	err = c.Observe(func(depend.Event) {})
	require.ErrorIs(t, err, depend.ErrSealed)
	require.ErrorContains(t, err, "depend: Observe: add observers before the first NewScope")
}

// One Scoped value asked for by many goroutines at once is one call.
func TestObserveConcurrentOneCall(t *testing.T) {
	const n = 16
	release := make(chan struct{})
	c, rec := observed(t, func() *tDB { <-release; return &tDB{} })
	s := c.NewScope(context.Background())
	defer s.Close()
	var ready, done sync.WaitGroup
	var failures atomic.Int32
	for range n {
		ready.Add(1)
		done.Go(func() {
			ready.Done()
			if _, err := depend.Resolve[*tDB](s); err != nil {
				failures.Add(1)
			}
		})
	}
	ready.Wait()
	close(release)
	done.Wait()
	require.Zero(t, failures.Load())
	calls := 0
	for _, line := range rec.summary() {
		if strings.HasSuffix(line, "call") {
			calls++
		}
	}
	require.Equal(t, 1, calls)
}

func TestObserveNoAllocs(t *testing.T) {
	c, _ := observed(t, func() *tDB { return &tDB{} })
	s := c.NewScope(context.Background())
	defer s.Close()
	_, err := depend.Resolve[*tDB](s)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() { _, _ = depend.Resolve[*tDB](s) })
	require.Zero(t, allocs, "an observed cache hit allocates")
}

func TestSlogObserver(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		want  []string
	}{
		{"debug logs each event", slog.LevelDebug, []string{
			`level=DEBUG msg="depend: resolve" type=*depend_test.tDB lifetime=scoped hit=false duration=`,
			`level=DEBUG msg="depend: resolve" type=*depend_test.tUser lifetime=scoped hit=false duration=`,
			`error="depend: build *depend_test.tUser: database down"`,
		}},
		{"info logs nothing", slog.LevelInfo, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level}))
			c := depend.New()
			require.NoError(t, c.Provide(func() *tDB { return &tDB{} }))
			require.NoError(t, c.Provide(func() (*tUser, error) { return nil, errDown }))
			require.NoError(t, c.Observe(depend.SlogObserver(l)))
			s := c.NewScope(context.Background())
			require.NoError(t, s.Invoke(func(*tDB) {}))
			require.ErrorIs(t, s.Invoke(func(*tUser) {}), errDown)
			require.NoError(t, s.Close())
			for _, w := range tt.want {
				require.Contains(t, buf.String(), w)
			}
			if tt.want == nil {
				require.Empty(t, buf.String())
			}
		})
	}
}

func ExampleContainer_Observe() {
	c := depend.New()
	c.Provide(func() *Config { return &Config{} })
	c.Provide(func(cfg *Config) *Service { return &Service{Config: cfg} })
	c.Observe(func(e depend.Event) {
		fmt.Println(e.Type, e.Lifetime, "hit:", e.Hit, "error:", e.Err)
	})

	s := c.NewScope(context.Background())
	defer s.Close()
	s.Invoke(func(*Service, *Config) {})
	// Output:
	// *depend_test.Config scoped hit: false error: <nil>
	// *depend_test.Service scoped hit: false error: <nil>
	// *depend_test.Config scoped hit: true error: <nil>
}

// serveTimed serves one request under ServerTiming with a handler that opens
// its own Scope from the request's context and invokes fn in it.
func serveTimed(t *testing.T, c *depend.Container, fn any) *httptest.ResponseRecorder {
	t.Helper()
	h := depend.ServerTiming(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := c.NewScope(r.Context())
		defer s.Close()
		if err := s.Invoke(fn); err != nil {
			http.Error(w, "failed", http.StatusInternalServerError)
		}
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	return w
}

var metricRE = regexp.MustCompile(`^[!#$%&'*+\-.^_` + "`" + `|~0-9A-Za-z]+;dur=[0-9]+\.[0-9]{3};desc="([^"\\]|\\.)*"$`)

func TestServerTiming(t *testing.T) {
	type weird struct {
		A int `json:"a"`
	}
	tests := []struct {
		name      string
		providers []any
		fn        any
		want      []string // the metrics, each without its dur
	}{{
		name:      "one metric per call, none for hits",
		providers: []any{func() *tConfig { return &tConfig{} }, func(*tConfig) *tDB { return &tDB{} }},
		fn:        func(*tDB, *tConfig) {},
		want: []string{
			`*depend_test.tConfig;desc="*depend_test.tConfig scoped"`,
			`*depend_test.tDB;desc="*depend_test.tDB scoped"`,
		},
	}, {
		name:      "names become tokens and descriptions quoted strings",
		providers: []any{func() []weird { return nil }, func() map[string]int { return nil }},
		fn:        func([]weird, map[string]int) {},
		want: []string{
			`__depend_test.weird;desc="[]depend_test.weird scoped"`,
			`map_string_int;desc="map[string]int scoped"`,
		},
	}, {
		name:      "a failed call says so",
		providers: []any{func() (*tDB, error) { return nil, errDown }},
		fn:        func(*tDB) {},
		want:      []string{`*depend_test.tDB;desc="*depend_test.tDB scoped error"`},
	}, {
		name:      "nothing called, no header",
		providers: nil,
		fn:        func() {},
		want:      nil,
	}}
	durRE := regexp.MustCompile(`;dur=[0-9.]+`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			for _, p := range tt.providers {
				require.NoError(t, c.Provide(p))
			}
			require.NoError(t, c.Observe(depend.ServerTimingObserver))
			w := serveTimed(t, c, tt.fn)
			header := w.Header().Values("Server-Timing")
			if tt.want == nil {
				require.Empty(t, header)
				return
			}
			require.Len(t, header, 1)
			metrics := strings.Split(header[0], ", ")
			for _, m := range metrics {
				require.Regexp(t, metricRE, m)
			}
			require.Equal(t, tt.want, strings.Split(durRE.ReplaceAllString(header[0], ""), ", "))
		})
	}
}

func TestServerTimingQuotes(t *testing.T) {
	type tagged = *struct {
		A int `demo:"a\\" é:"x"`
	}
	c := depend.New()
	require.NoError(t, c.Provide(func() tagged { return nil }))
	require.NoError(t, c.Observe(depend.ServerTimingObserver))
	header := serveTimed(t, c, func(tagged) {}).Header().Get("Server-Timing")
	require.Regexp(t, metricRE, header)

	// The description, unquoted, is the type with each non-ASCII byte as '?'.
	typ := reflect.TypeFor[tagged]().String()
	want := []byte(typ)
	for i, c := range want {
		if c > '~' {
			want[i] = '?'
		}
	}
	desc := header[strings.Index(header, `;desc="`)+len(`;desc="`) : len(header)-1]
	unquoted := regexp.MustCompile(`\\(.)`).ReplaceAllString(desc, "$1")
	require.Equal(t, string(want)+" scoped", unquoted)
	require.Contains(t, typ, `"`)
	require.Contains(t, typ, `\`)
}

func TestServerTimingLimit(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() int { return 1 }, depend.NoCache))
	require.NoError(t, c.Observe(depend.ServerTimingObserver))
	fn := func(s *depend.Scope) {
		for range 100 {
			_, _ = depend.Resolve[int](s)
		}
	}
	header := serveTimed(t, c, fn).Header().Get("Server-Timing")
	metrics := strings.Split(header, ", ")
	require.Len(t, metrics, 65)
	require.Equal(t, `depend.dropped;desc="36 more provider calls"`, metrics[64])
}

// Without ServerTimingObserver, or outside ServerTiming, nothing is recorded.
func TestServerTimingNeedsBoth(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() *tDB { return &tDB{} }))
	require.Empty(t, serveTimed(t, c, func(*tDB) {}).Header().Values("Server-Timing"))

	c = depend.New()
	require.NoError(t, c.Provide(func() *tDB { return &tDB{} }))
	require.NoError(t, c.Observe(depend.ServerTimingObserver))
	s := c.NewScope(context.Background())
	require.NotPanics(t, func() { require.NoError(t, s.Invoke(func(*tDB) {})) })
	require.NoError(t, s.Close())
}

// The header goes out with the first write; calls after it are not listed.
func TestServerTimingAtFirstWrite(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() *tDB { return &tDB{} }))
	require.NoError(t, c.Provide(func() *tUser { return &tUser{} }))
	require.NoError(t, c.Observe(depend.ServerTimingObserver))
	h := depend.ServerTiming(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := c.NewScope(r.Context())
		defer s.Close()
		_, _ = depend.Resolve[*tDB](s)
		w.WriteHeader(http.StatusTeapot)
		_, _ = depend.Resolve[*tUser](s)
		http.NewResponseController(w).Flush()
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusTeapot, w.Code)
	require.True(t, w.Flushed, "Flush did not reach the recorder")
	header := w.Header().Get("Server-Timing")
	require.Contains(t, header, "*depend_test.tDB;")
	require.NotContains(t, header, "tUser")
}

// ServerTiming and SlogObserver work with Handler's own Scopes, and the
// header reaches an error response too.
func TestServerTimingHandler(t *testing.T) {
	var logs bytes.Buffer
	c := depend.New()
	require.NoError(t, c.Provide(func() *tConfig { return &tConfig{} }, depend.Singleton))
	require.NoError(t, c.Provide(func(r *http.Request) (*tUser, error) {
		if r.Header.Get("Authorization") == "" {
			return nil, &depend.HTTPError{Status: http.StatusUnauthorized}
		}
		return &tUser{}, nil
	}))
	require.NoError(t, c.Observe(depend.ServerTimingObserver))
	require.NoError(t, c.Observe(depend.SlogObserver(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))))
	h := depend.ServerTiming(c.Handler(func(*tConfig, *tUser) string { return "hi" }))

	tests := []struct {
		name   string
		auth   string
		status int
		want   []string
	}{
		{"success", "Bearer x", http.StatusOK, []string{`*depend_test.tConfig;`, `*depend_test.tUser;`}},
		{"provider error", "", http.StatusUnauthorized, []string{`desc="*depend_test.tUser scoped error"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", tt.auth)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			require.Equal(t, tt.status, w.Code)
			for _, want := range tt.want {
				require.Contains(t, w.Header().Get("Server-Timing"), want)
			}
		})
	}
	require.Contains(t, logs.String(), "type=*depend_test.tUser lifetime=scoped hit=false")
}

// Outside Middleware, ServerTiming records every call of the request.
// Inside, it records what is built while the handler runs, since providers
// then see the handler's context; what middleware code built before it is
// not recorded.
func TestServerTimingOrder(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() *tDB { return &tDB{} }))
	require.NoError(t, c.Observe(depend.ServerTimingObserver))
	h := c.Handler(func(*tDB) string { return "ok" })
	for _, tt := range []struct {
		name    string
		handler http.Handler
		want    bool
	}{
		{"outside Middleware", depend.ServerTiming(c.Middleware(h)), true},
		{"inside Middleware", c.Middleware(depend.ServerTiming(h)), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			tt.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			require.Equal(t, http.StatusOK, w.Code)
			require.Equal(t, tt.want, strings.Contains(w.Header().Get("Server-Timing"), "*depend_test.tDB;dur="))
		})
	}
}

// A Fork observes like its original, and can add observers of its own
// without the original seeing their events.
func TestForkKeepsObservers(t *testing.T) {
	c, rec := observed(t, func() *tDB { return &tDB{} })
	f := c.Fork()
	forkOnly := &recorder{}
	require.NoError(t, f.Observe(forkOnly.observe))
	s := f.NewScope(context.Background())
	require.NoError(t, s.Invoke(func(*tDB) {}))
	require.NoError(t, s.Close())
	require.Equal(t, []string{"*depend_test.tDB scoped call"}, rec.summary())
	require.Equal(t, []string{"*depend_test.tDB scoped call"}, forkOnly.summary())

	s = c.NewScope(context.Background())
	require.NoError(t, s.Invoke(func(*tDB) {}))
	require.NoError(t, s.Close())
	require.Len(t, rec.summary(), 2)
	require.Len(t, forkOnly.summary(), 1, "the original called the fork's observer")
}

func ExampleServerTiming() {
	c := depend.New()
	c.Provide(func() *Config { return &Config{} })
	c.Provide(func(cfg *Config) *Service { return &Service{Config: cfg} })
	c.Observe(depend.ServerTimingObserver)
	h := depend.ServerTiming(c.Handler(func(*Service) string { return "ok" }))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	for _, metric := range strings.Split(w.Header().Get("Server-Timing"), ", ") {
		name, _, _ := strings.Cut(metric, ";")
		_, desc, _ := strings.Cut(metric, ";desc=")
		fmt.Println(name, desc)
	}
	// Output:
	// *depend_test.Config "*depend_test.Config scoped"
	// *depend_test.Service "*depend_test.Service scoped"
}

func ExampleSlogObserver() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{} // not reproducible
			}
			return a
		},
	}))
	c := depend.New()
	c.Provide(func() *Config { return &Config{} })
	c.Observe(depend.SlogObserver(logger))

	s := c.NewScope(context.Background())
	defer s.Close()
	s.Invoke(func(*Config, *Config) {})
	// Output:
	// level=DEBUG msg="depend: resolve" type=*depend_test.Config lifetime=scoped hit=false
	// level=DEBUG msg="depend: resolve" type=*depend_test.Config lifetime=scoped hit=true
}

type (
	obsOuter struct{}
	obsInner struct{}
)

// An observer's panic while a dependency is built is not the enclosing
// provider's failure: it is not cached as that provider's error, and every
// provider still runs at most once in the Scope. The panic reaches the
// caller whose resolution ran the observer.
func TestObserverPanicDoesNotPoisonTheCache(t *testing.T) {
	for _, event := range []string{"call", "hit"} {
		t.Run(event, func(t *testing.T) {
			c := depend.New()
			var outerCalls, innerCalls, panics atomic.Int32
			provide(t, c, func() *obsInner { innerCalls.Add(1); return &obsInner{} })
			provide(t, c, func(*obsInner, *obsInner) *obsOuter { outerCalls.Add(1); return &obsOuter{} })
			require.NoError(t, c.Observe(func(e depend.Event) {
				if e.Type == reflect.TypeFor[*obsInner]() && e.Hit == (event == "hit") && panics.Add(1) == 1 {
					panic("observer bug")
				}
			}))
			s := scope(t, c)
			require.PanicsWithValue(t, "observer bug", func() { _, _ = depend.Resolve[*obsOuter](s) })
			outer, err := depend.Resolve[*obsOuter](s)
			require.NoError(t, err, "the observer's panic was cached as the enclosing provider's error")
			require.NotNil(t, outer)
			require.Equal(t, int32(1), outerCalls.Load())
			require.Equal(t, int32(1), innerCalls.Load())
		})
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

type (
	obsA     struct{}
	obsB     struct{}
	obsOther struct{}
)

// When a parallel group fails, an observer's panic during it is raised by
// the call that ran the group, not lost, nor raised by a later one.
func TestObserverPanicInAFailedGroupReachesItsCaller(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.SetParallel(true))
	require.NoError(t, c.Observe(func(e depend.Event) {
		if e.Type == reflect.TypeFor[*obsA]() {
			panic("observer bug")
		}
	}))
	provide(t, c, func() *obsA { return &obsA{} })
	provide(t, c, func() (*obsB, error) { return nil, errors.New("b failed") })
	provide(t, c, func() *obsOther { return &obsOther{} })
	s := scope(t, c)
	require.PanicsWithValue(t, "observer bug", func() { _ = s.Invoke(func(*obsA, *obsB) {}) })
	require.NotPanics(t, func() {
		_, err := depend.Resolve[*obsOther](s) // the failed group cancelled the Scope
		require.ErrorContains(t, err, "b failed")
	}, "a later call raised the earlier observer's panic")
}
