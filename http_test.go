package depend_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

type httpUser struct{ Name string }

type httpNote struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type created struct {
	ID string `json:"id"`
}

func (created) StatusCode() int { return http.StatusCreated }

type httpCounter struct{ n int }

// reports collects what the ReportError hook receives.
type reports struct {
	mu   sync.Mutex
	errs []error
}

func (r *reports) add(_ *http.Request, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *reports) all() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// newHTTP returns a Container whose reported errors are collected.
func newHTTP(t *testing.T) (*depend.Container, *reports) {
	t.Helper()
	c := depend.New()
	rep := &reports{}
	c.SetHTTPOptions(depend.HTTPOptions{ReportError: rep.add})
	return c, rep
}

func serve(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var errSecret = errors.New("dial db 10.0.0.7 with password hunter2: refused")

func TestHandlerParameters(t *testing.T) {
	c, _ := newHTTP(t)
	calls := 0
	require.NoError(t, c.Provide(func() *httpCounter { calls++; return &httpCounter{calls} }))
	var ok bool
	h := c.Handler(func(ctx context.Context, n *httpCounter, r *http.Request, s *depend.Scope,
		fresh depend.Fresh[*httpCounter], w http.ResponseWriter, again *httpCounter) {
		fromCtx, found := depend.ScopeFrom(ctx)
		fromReq, _ := depend.ScopeFrom(r.Context())
		ok = found && fromCtx == s && fromReq == s && ctx == r.Context() &&
			n == again && n != fresh.Value && calls == 2
		w.WriteHeader(http.StatusNoContent)
	})
	rec := serve(h, "GET", "/")
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.True(t, ok, "the parameters did not get the request's values")
}

// authUser reads a bearer token, as an auth provider does; a missing token
// is a 401 and nothing that needs the user runs.
func authUser(r *http.Request) (*httpUser, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return nil, &depend.HTTPError{Status: 401, Message: "missing bearer token",
			Header: http.Header{"Www-Authenticate": {"Bearer"}}}
	}
	return &httpUser{Name: token}, nil
}

func TestHandlerProvidersReadTheRequest(t *testing.T) {
	c, rep := newHTTP(t)
	require.NoError(t, c.Provide(authUser))
	require.NoError(t, c.Provide(func(r *http.Request) httpNote { return httpNote{ID: r.PathValue("id")} }))
	var ran atomic.Int32
	mux := http.NewServeMux()
	mux.Handle("GET /notes/{id}", c.Handler(func(u *httpUser, n httpNote) httpNote {
		ran.Add(1)
		n.Text = "by " + u.Name
		return n
	}))

	rec := serve(mux, "GET", "/notes/42", "Authorization", "Bearer ada")
	assert.Equal(t, 200, rec.Code)
	assert.JSONEq(t, `{"id":"42","text":"by ada"}`, rec.Body.String())

	rec = serve(mux, "GET", "/notes/42")
	assert.Equal(t, 401, rec.Code)
	assert.Equal(t, "missing bearer token\n", bodyText(rec))
	assert.Equal(t, "Bearer", rec.Header().Get("WWW-Authenticate"))
	assert.Equal(t, int32(1), ran.Load(), "the handler ran without a user")
	assert.Empty(t, rep.all(), "a 4xx is the client's error, not reported")
}

//lint:ignore ST1008 a handler with its results in the wrong order, for Handler to reject
func errorFirst() (error, int) { return nil, 0 }

type loopA struct{}
type loopB struct{}
type single struct{}

func TestHandlerPanicsAtWrapTime(t *testing.T) {
	tests := []struct {
		name    string
		provide []any
		fn      any
		is      error
		want    []string // each appears in the message
	}{
		{"not a func", nil, 42, depend.ErrBadProvider, []string{"Handler(int)"}},
		{"nil func", nil, (func())(nil), depend.ErrBadProvider, []string{"want a func"}},
		{"too many results", nil, func() (int, int, error) { return 0, 0, nil }, depend.ErrBadProvider, []string{"want no results, error, T or (T, error)"}},
		{"error first", nil, errorFirst, depend.ErrBadProvider, []string{"want no results"}},
		{"variadic", nil, func(...int) {}, depend.ErrBadProvider, []string{"variadic"}},
		{"missing parameter", nil, func(*httpUser) {}, depend.ErrNotProvided, []string{"not provided: *depend_test.httpUser: nothing provides *depend_test.httpUser"}},
		{"missing fresh", nil, func(depend.Fresh[*httpUser]) {}, depend.ErrNotProvided, []string{"nothing provides *depend_test.httpUser"}},
		{"missing below", []any{func(*httpCounter) *httpUser { return nil }}, func(*httpUser) {}, depend.ErrNotProvided,
			[]string{"not provided: *depend_test.httpUser -> *depend_test.httpCounter"}},
		{"cycle", []any{func(loopB) loopA { return loopA{} }, func(loopA) loopB { return loopB{} }}, func(loopA) {}, depend.ErrCycle,
			[]string{"dependency cycle: depend_test.loopA -> depend_test.loopB -> depend_test.loopA"}},
		{"captive", []any{func(*http.Request) *httpUser { return nil }, func(*httpUser) single { return single{} }, depend.Singleton},
			func(single) {}, depend.ErrCaptive, []string{"Singleton depend_test.single depends on *depend_test.httpUser"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			for i := 0; i < len(tt.provide); i++ {
				var opts []depend.Option
				if i+1 < len(tt.provide) {
					if o, ok := tt.provide[i+1].(depend.Option); ok {
						opts = append(opts, o)
					}
				}
				if _, isOpt := tt.provide[i].(depend.Option); !isOpt {
					require.NoError(t, c.Provide(tt.provide[i], opts...))
				}
			}
			err := wrapPanic(func() { c.Handler(tt.fn) })
			require.Error(t, err, "Handler did not panic")
			assert.ErrorIs(t, err, tt.is)
			for _, line := range strings.Split(err.Error(), "\n") {
				assert.True(t, strings.HasPrefix(line, "depend: "), "line %q", line)
			}
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// wrapPanic returns what f panicked with, which must be an error.
func wrapPanic(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = p.(error)
		}
	}()
	f()
	return nil
}

func TestHandlerReportsEveryProblemAndOnlyReachableOnes(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(*loopA) *httpUser { return nil }))
	require.NoError(t, c.Provide(func(loopB) httpNote { return httpNote{} })) // broken, but not used below
	err := wrapPanic(func() { c.Handler(func(*httpUser, *httpCounter) {}) })
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	assert.Len(t, lines, 2, "one line per problem: %v", err)
	assert.NotContains(t, err.Error(), "loopB")

	assert.NotPanics(t, func() { c.Handler(func() {}) })
}

func TestHandlerSealsTheContainer(t *testing.T) {
	c := depend.New()
	c.Handler(func() {})
	assert.ErrorIs(t, c.Provide(func() *httpUser { return nil }), depend.ErrSealed)
}

// countingWriter counts WriteHeader calls, which httptest.ResponseRecorder
// would silently drop.
type countingWriter struct {
	*httptest.ResponseRecorder
	headers int
}

func (w *countingWriter) WriteHeader(code int) {
	w.headers++
	w.ResponseRecorder.WriteHeader(code)
}

// txLog records how each request's transaction ended.
type txLog struct {
	mu    sync.Mutex
	ended []string
}

func (l *txLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ended = append(l.ended, s)
}

type httpTx struct{}

// provideTx registers a transaction that commits on success and rolls back
// on failure; rec is the response being written, seen from the cleanup.
func provideTx(t *testing.T, c *depend.Container, l *txLog, rec **httptest.ResponseRecorder) {
	t.Helper()
	require.NoError(t, c.Provide(func() (*httpTx, func(error)) {
		return &httpTx{}, func(err error) {
			written := ""
			if *rec != nil {
				written = fmt.Sprintf(" after %d", (*rec).Code)
			}
			if err != nil {
				l.add("rollback" + written + ": " + err.Error())
				return
			}
			l.add("commit" + written)
		}
	}))
}

func TestHandlerCleanupsLearnHowTheRequestEnded(t *testing.T) {
	errFull := errors.New("disk full")
	tests := []struct {
		name string
		fn   any
		want string
	}{
		{"success", func(*httpTx) httpNote { return httpNote{} }, "commit after 200"},
		{"handler error", func(*httpTx) error { return errFull }, "rollback after 500: disk full"},
		{"status error", func(*httpTx) error { return &depend.HTTPError{Status: 422, Message: "too long"} }, "rollback after 422: too long"},
		{"provider error", func(*httpTx, *httpUser) {}, "rollback after 401: depend: build *depend_test.httpUser: missing bearer token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newHTTP(t)
			var l txLog
			rec := httptest.NewRecorder()
			provideTx(t, c, &l, &rec)
			require.NoError(t, c.Provide(authUser))
			c.Handler(tt.fn).ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
			assert.Equal(t, []string{tt.want}, l.ended)
		})
	}
}

func TestHandlerPanicRunsCleanupsThenContinues(t *testing.T) {
	for _, value := range []any{"boom", http.ErrAbortHandler} {
		t.Run(fmt.Sprint(value), func(t *testing.T) {
			c, _ := newHTTP(t)
			var l txLog
			var rec *httptest.ResponseRecorder
			provideTx(t, c, &l, &rec)
			h := c.Handler(func(*httpTx) { panic(value) })
			var got any
			func() {
				defer func() { got = recover() }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			}()
			assert.Equal(t, value, got, "the panic value changed")
			require.Len(t, l.ended, 1, "the cleanup did not run before the panic continued")
			assert.Equal(t, "rollback: depend: panic: "+fmt.Sprint(value), l.ended[0])
		})
	}
}

func TestHandlerGoexitRunsCleanups(t *testing.T) {
	c, _ := newHTTP(t)
	var l txLog
	var rec *httptest.ResponseRecorder
	provideTx(t, c, &l, &rec)
	h := c.Handler(func(*httpTx) { runtime.Goexit() })
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	<-done
	assert.Equal(t, []string{"rollback: depend: the handler called runtime.Goexit"}, l.ended)
}

func TestHandlerCleanupErrorIsReported(t *testing.T) {
	c, rep := newHTTP(t)
	require.NoError(t, c.Provide(func() (*httpTx, func() error) {
		return &httpTx{}, func() error { return errors.New("commit failed") }
	}))
	rec := serve(c.Handler(func(*httpTx) string { return "ok" }), "GET", "/")
	assert.Equal(t, 200, rec.Code)
	errs := rep.all()
	require.Len(t, errs, 1)
	assert.ErrorContains(t, errs[0], "commit failed")
}

func TestMiddlewareSharesOneScope(t *testing.T) {
	c, _ := newHTTP(t)
	var calls atomic.Int32
	var l txLog
	require.NoError(t, c.Provide(func() (*httpCounter, func()) {
		calls.Add(1)
		return &httpCounter{}, func() { l.add("closed") }
	}))
	var fromMiddleware *httpCounter
	logging := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, ok := depend.ScopeFrom(r.Context())
			require.True(t, ok)
			fromMiddleware, _ = depend.Resolve[*httpCounter](s)
			next.ServeHTTP(w, r)
			l.add("middleware returned")
		})
	}
	var fromHandler *httpCounter
	h := c.Middleware(logging(c.Handler(func(n *httpCounter) {
		fromHandler = n
		l.add("handler")
	})))
	serve(h, "GET", "/")
	assert.NotNil(t, fromHandler)
	assert.Same(t, fromMiddleware, fromHandler)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, []string{"handler", "middleware returned", "closed"}, l.ended)
}

func TestMiddlewareRecordsTheHandlersError(t *testing.T) {
	c, _ := newHTTP(t)
	var l txLog
	rec := httptest.NewRecorder()
	provideTx(t, c, &l, &rec)
	c.Middleware(c.Handler(func(*httpTx) error { return errors.New("bad input") })).
		ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, []string{"rollback after 500: bad input"}, l.ended)
}

func TestMiddlewarePanicRunsCleanupsThenContinues(t *testing.T) {
	c, _ := newHTTP(t)
	var l txLog
	var rec *httptest.ResponseRecorder
	provideTx(t, c, &l, &rec)
	h := c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := depend.ScopeFrom(r.Context())
		depend.Resolve[*httpTx](s)
		panic("boom")
	}))
	assert.PanicsWithValue(t, "boom", func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	})
	assert.Equal(t, []string{"rollback: depend: panic: boom"}, l.ended)
}

func TestScopeFromWithoutAScope(t *testing.T) {
	for _, ctx := range []context.Context{nil, context.Background()} {
		s, ok := depend.ScopeFrom(ctx)
		assert.Nil(t, s)
		assert.False(t, ok)
	}
}

// A Handler of another Container under Middleware opens its own Scope.
func TestHandlerOfAnotherContainer(t *testing.T) {
	outer, inner := depend.New(), depend.New()
	require.NoError(t, inner.Provide(func() *httpUser { return &httpUser{"inner"} }))
	var outerScope, innerScope *depend.Scope
	h := outer.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outerScope, _ = depend.ScopeFrom(r.Context())
		inner.Handler(func(s *depend.Scope, u *httpUser) { innerScope = s }).ServeHTTP(w, r)
	}))
	serve(h, "GET", "/")
	assert.NotNil(t, innerScope)
	assert.NotSame(t, outerScope, innerScope)
}

type authenticated struct{}
type admin struct{}

func TestHandlerAfterContainerClose(t *testing.T) {
	c, rep := newHTTP(t)
	h := c.Handler(func() string { return "ok" })
	require.NoError(t, c.Close())
	rec := serve(h, "GET", "/")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Len(t, rep.all(), 1)
	assert.ErrorIs(t, rep.all()[0], depend.ErrContainerClosed)
}

// A client that goes away mid-request: the handler sees its context end,
// and the cleanups still run.
func TestHandlerClientGoesAway(t *testing.T) {
	c, _ := newHTTP(t)
	var l txLog
	var rec *httptest.ResponseRecorder
	provideTx(t, c, &l, &rec)
	entered := make(chan struct{})
	closed := make(chan struct{})
	require.NoError(t, c.Provide(func() (*httpCounter, func()) { return &httpCounter{}, func() { close(closed) } }))
	srv := httptest.NewServer(c.Handler(func(ctx context.Context, _ *httpCounter, _ *httpTx) error { // the counter is built first, so its cleanup runs last
		close(entered)
		<-ctx.Done()
		return ctx.Err()
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	require.NoError(t, err)
	go func() {
		<-entered
		cancel()
	}()
	_, err = srv.Client().Do(req)
	assert.ErrorIs(t, err, context.Canceled)
	select {
	case <-closed:
	case <-time.After(10 * time.Second): // a bound, not a synchronization
		t.Fatal("the cleanups did not run after the client went away")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	assert.Equal(t, []string{"rollback: context canceled"}, l.ended)
}

func TestHandlerConcurrentRequestsHaveTheirOwnCache(t *testing.T) {
	const n = 64
	c, _ := newHTTP(t)
	var calls atomic.Int32
	require.NoError(t, c.Provide(func() *httpCounter { calls.Add(1); return &httpCounter{} }))
	require.NoError(t, c.Provide(func(n *httpCounter) *httpUser { return &httpUser{} }))
	h := c.Handler(func(a, b *httpCounter, _ *httpUser) bool { return a == b })
	start := make(chan struct{})
	var wg sync.WaitGroup
	var same atomic.Int32
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if rec := serve(h, "GET", "/"); rec.Body.String() == "true\n" {
				same.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(n), calls.Load(), "one provider call per request")
	assert.Equal(t, int32(n), same.Load())
}

func ExampleContainer_Handler() {
	c := depend.New()
	c.Provide(func(r *http.Request) (*httpUser, error) {
		name := r.Header.Get("X-User")
		if name == "" {
			return nil, &depend.HTTPError{Status: http.StatusUnauthorized, Message: "who are you?"}
		}
		return &httpUser{Name: name}, nil
	})
	mux := http.NewServeMux()
	mux.Handle("GET /hello", c.Handler(func(u *httpUser) map[string]string {
		return map[string]string{"hello": u.Name}
	}))

	for _, user := range []string{"ada", ""} {
		req := httptest.NewRequest("GET", "/hello", nil)
		req.Header.Set("X-User", user)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 {"hello":"ada"}
	// 401 {"type":"about:blank","title":"Unauthorized","status":401,"detail":"who are you?"}
}

// BenchmarkHandler compares Handler with the same handler wired by hand, in
// process (no network), so the ratio shows the layer's own cost.
func BenchmarkHandler(b *testing.B) {
	newConfig := func() *Config { return &Config{Debug: true} }
	newService := func(cfg *Config) *Service { return &Service{Config: cfg} }
	write := func(w http.ResponseWriter, svc *Service) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(svc.Config)
	}
	c := depend.New()
	c.Provide(depend.Func0(func() (*Config, error) { return newConfig(), nil }))
	c.Provide(depend.Func1(func(cfg *Config) (*Service, error) { return newService(cfg), nil }))
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"hand-wired", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			write(w, newService(newConfig()))
		})},
		{"Handler writer", c.Handler(func(w http.ResponseWriter, svc *Service) { write(w, svc) })},
		{"Handler value", c.Handler(func(svc *Service) *Config { return svc.Config })},
		{"Handler request", c.Handler(func(r *http.Request, svc *Service) *Config { return svc.Config })},
	}
	req := httptest.NewRequest("GET", "/", nil)
	for _, h := range handlers {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

type ctxKey struct{}

// A router or middleware between Middleware and Handler may replace the
// request and wrap the writer; providers built for the handler see those.
func TestHandlerUnderMiddlewareSeesTheInnerRequestAndWriter(t *testing.T) {
	c, _ := newHTTP(t)
	require.NoError(t, c.Provide(func(r *http.Request, w http.ResponseWriter) *httpUser {
		w.Header().Set("X-Seen-By", "provider")
		name, _ := r.Context().Value(ctxKey{}).(string)
		return &httpUser{Name: name + " " + r.PathValue("id")}
	}))
	inner := func(next http.Handler) http.Handler { // like a router that adds to the context
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, "routed")))
		})
	}
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", inner(c.Handler(func(u *httpUser) string { return u.Name })))
	rec := serve(c.Middleware(mux), "GET", "/users/7")
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, `"routed 7"`+"\n", rec.Body.String())
	assert.Equal(t, "provider", rec.Header().Get("X-Seen-By"))
}

func ExampleScopeFrom() {
	c := depend.New()
	calls := 0
	c.Provide(func() *httpCounter { calls++; return &httpCounter{n: calls} })
	logRequests := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := depend.ScopeFrom(r.Context())
			n, _ := depend.Resolve[*httpCounter](s) // the handler gets this same value
			fmt.Println("middleware sees", n.n)
			next.ServeHTTP(w, r)
		})
	}
	h := c.Middleware(logRequests(c.Handler(func(n *httpCounter) {
		fmt.Println("handler sees", n.n, "after", calls, "call")
	})))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Output:
	// middleware sees 1
	// handler sees 1 after 1 call
}

// Middleware code may start goroutines that resolve request-derived values
// while the router runs the handler. Under the usual Middleware -> ServeMux
// -> Handler chain the handler gets the very request and writer the Scope
// already holds, so joining the Scope must not write them again.
func TestHandlerJoiningMiddlewareDoesNotDisturbItsGoroutines(t *testing.T) {
	type Path struct{ p string }
	c := depend.New()
	require.NoError(t, c.Provide(func(r *http.Request) *Path { return &Path{r.URL.Path} }, depend.NoCache))
	mux := http.NewServeMux()
	mux.Handle("GET /x", c.Handler(func(p *Path) string { return p.p }))
	background := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := depend.ScopeFrom(r.Context())
			stop, done, running := make(chan struct{}), make(chan struct{}), make(chan struct{})
			go func() { // resolves while the handler runs
				defer close(done)
				for i := 0; ; i++ {
					if i == 1 {
						close(running)
					}
					select {
					case <-stop:
						return
					default:
					}
					if p, err := depend.Resolve[*Path](s); assert.NoError(t, err) {
						assert.Equal(t, "/x", p.p)
					}
				}
			}()
			<-running
			next.ServeHTTP(w, r)
			close(stop)
			<-done
		})
	}
	srv := c.Middleware(background(mux))
	for range 20 {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, "\"/x\"\n", rec.Body.String())
	}
}

type (
	ctxSeen   struct{ deadline bool }
	ctxProbed struct{}
)

// Under Middleware, a provider built while a handler runs sees that
// handler's request context, such as the deadline that a timeout
// middleware inside Middleware set; before and after the handler, it sees
// the Middleware's.
func TestMiddlewareProvidersSeeTheHandlersContext(t *testing.T) {
	c, _ := newHTTP(t)
	require.NoError(t, c.Provide(func(ctx context.Context) *ctxSeen {
		_, ok := ctx.Deadline()
		return &ctxSeen{deadline: ok}
	}, depend.NoCache))
	var inHandler, afterHandler *ctxSeen
	timeout := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	after := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			s, _ := depend.ScopeFrom(r.Context())
			var err error
			afterHandler, err = depend.Resolve[*ctxSeen](s)
			require.NoError(t, err)
		})
	}
	h := c.Middleware(after(timeout(c.Handler(func(v *ctxSeen) { inHandler = v }))))
	rec := serve(h, "GET", "/")
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	require.True(t, inHandler.deadline, "the provider did not see the handler's deadline")
	require.False(t, afterHandler.deadline, "after the handler, a provider saw the handler's context")
}

// A handler whose context has ended starts no provider, even under
// Middleware whose own context is alive.
func TestMiddlewareHandlerContextEndedStartsNoProvider(t *testing.T) {
	c, _ := newHTTP(t)
	var calls atomic.Int32
	require.NoError(t, c.Provide(func() *ctxProbed { calls.Add(1); return &ctxProbed{} }))
	cancelled := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithCancel(r.Context())
			cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	rec := serve(c.Middleware(cancelled(c.Handler(func(*ctxProbed) {}))), "GET", "/")
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Zero(t, calls.Load(), "a provider started after the handler's context ended")
}

type hsTenant struct{ ID string }

// NewHTTPScope opens one request's Scope without routing: providers see
// the request (whose context carries the Scope) and the writer, as under
// Handler.
func TestNewHTTPScope(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(r *http.Request, w http.ResponseWriter) (*hsTenant, error) {
		id := r.Header.Get("X-Tenant")
		if id == "" {
			return nil, &depend.HTTPError{Status: http.StatusBadRequest, Message: "no tenant"}
		}
		s, ok := depend.ScopeFrom(r.Context())
		if !ok || s == nil {
			return nil, errors.New("the request's context does not carry the Scope")
		}
		w.Header().Set("X-Tenant", id)
		return &hsTenant{ID: id}, nil
	}))
	t.Run("a request and a recorder", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-Tenant", "acme")
		rec := httptest.NewRecorder()
		s := c.NewHTTPScope(rec, req)
		tenant, err := depend.Resolve[*hsTenant](s)
		require.NoError(t, err)
		require.Equal(t, "acme", tenant.ID)
		require.Equal(t, "acme", rec.Header().Get("X-Tenant"))
		require.NoError(t, s.Close())
	})
	t.Run("the provider's error", func(t *testing.T) {
		s := c.NewHTTPScope(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
		defer s.Close()
		_, err := depend.Resolve[*hsTenant](s)
		var he *depend.HTTPError
		require.ErrorAs(t, err, &he)
		require.Equal(t, http.StatusBadRequest, he.Status)
	})
	t.Run("nil request and writer", func(t *testing.T) {
		s := c.NewHTTPScope(nil, nil)
		defer s.Close()
		_, err := depend.Resolve[*hsTenant](s)
		require.ErrorIs(t, err, depend.ErrNotProvided)
		require.ErrorContains(t, err, "*http.Request exists only in a Scope opened for an HTTP request")
	})
}

type (
	jnKey  struct{}
	jnUser struct{ ctx context.Context }
)

// A goroutine that middleware code started may resolve in the Scope while a
// Handler, behind an inner middleware that derives the context, joins it
// and leaves it: it sees one set of inputs or the other, never half of
// each. Run with -race.
func TestMiddlewareGoroutinesResolveWhileAHandlerJoins(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(ctx context.Context) *jnUser { return &jnUser{ctx} }, depend.NoCache))
	h := c.Handler(func(u *jnUser) string {
		if u.ctx.Value(jnKey{}) == nil {
			t.Error("the handler's provider did not see the handler's context")
		}
		return "ok"
	})
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), jnKey{}, 1)))
	})
	withGoroutine := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := depend.ScopeFrom(r.Context())
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				u, err := depend.Resolve[*jnUser](s)
				if err != nil || u.ctx == nil {
					t.Errorf("a resolution during the join failed: %v", err)
					return
				}
			}
		})
		inner.ServeHTTP(w, r)
		close(stop)
		wg.Wait()
	})
	srv := c.Middleware(withGoroutine)
	for range 20 {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		require.Equal(t, http.StatusOK, rec.Code)
	}
}

// jnValueCtx is a context of a struct type that == cannot compare.
type jnValueCtx struct {
	context.Context
	tags map[string]string
}

// A Handler joins a Scope whatever the type of the context it was given.
func TestHandlerJoinsWithAContextOfAnUncomparableType(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(ctx context.Context) *jnUser { return &jnUser{ctx} }))
	tag := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(jnValueCtx{r.Context(), map[string]string{}}))
		})
	}
	var seen context.Context
	h := c.Middleware(tag(c.Group().Middleware(tag(c.Handler(func(u *jnUser) string { seen = u.ctx; return "ok" })))))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.IsType(t, jnValueCtx{}, seen)
}
