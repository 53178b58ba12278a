//go:build gc && !purego

package depend

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewErased checks which signatures the shape-erased call takes: only
// pointer words and the builtin interfaces, with erasable results.
func TestNewErased(t *testing.T) {
	type T struct{}
	for _, tc := range []struct {
		fn   any
		want *erased // nil: falls back to reflection
	}{
		{func() *T { return nil }, &erased{out: outWord}},
		{func(*T, *int) (*T, error) { return nil, nil }, &erased{out: outWordErr, args: 2}},
		{func(context.Context, http.ResponseWriter, *http.Request) error { return nil }, &erased{out: outErr, args: 5}},
		{func(*T) {}, &erased{out: outNone, args: 1}},
		{func(T) *T { return nil }, nil},                    // value parameter
		{func(any) *T { return nil }, nil},                  // interface other than a builtin
		{func(Fresh[*T]) *T { return nil }, nil},            // Fresh is a struct
		{func() T { return T{} }, nil},                      // value result
		{func() (*T, func()) { return nil, nil }, nil},      // cleanup
		{func(...*T) *T { return nil }, nil},                // variadic
		{func(*T, *T, *T, *T, *T, context.Context) {}, nil}, // seven words
	} {
		typ := reflect.TypeOf(tc.fn)
		t.Run(typ.String(), func(t *testing.T) {
			got := newErased(typ)
			if (got == nil) != (tc.want == nil) {
				t.Fatalf("newErased(%v) = %+v, want %+v", typ, got, tc.want)
			}
			if got != nil && (got.out != tc.want.out || got.args != tc.want.args) {
				t.Fatalf("newErased(%v) = %+v, want %+v", typ, got, tc.want)
			}
			if got != nil && (got.out == outWord || got.out == outWordErr) && got.typ == nil {
				t.Fatalf("newErased(%v): no type word to box the result with", typ)
			}
		})
	}
}

// Types for TestErasedServesInputs.
type (
	inJob  struct{ id int }
	inLog  struct{ job *inJob }
	inPath struct{ r *http.Request }
	inResp struct {
		ctx context.Context
		w   http.ResponseWriter
		r   *http.Request
	}
)

// viaReflect reports whether its caller was called through reflection: a
// frame of package reflect is on the stack between it and the test.
func viaReflect() bool {
	pc := make([]uintptr, 64)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "reflect.") {
			return true
		}
		if strings.HasPrefix(f.Function, "testing.") || !more {
			return false
		}
	}
}

// TestErasedServesInputs checks that the inputs a Scope is given when it
// opens, HTTP's (*http.Request, http.ResponseWriter) and a Kind's (*inJob),
// reach providers, Invoke funcs and Handlers through the shape-erased call
// and not through reflection, in a Scope of the Kind, in NewHTTPScope and
// under Handler: every such call is compiled erased, and no frame of
// package reflect is under it when it runs. The same calls on a Container
// forced onto the general path show that the check sees reflection.
func TestErasedServesInputs(t *testing.T) {
	for _, general := range []bool{false, true} {
		t.Run(fmt.Sprintf("general=%v", general), func(t *testing.T) {
			var erasedCalls, reflectCalls []string
			note := func(name string) {
				if viaReflect() {
					reflectCalls = append(reflectCalls, name)
				} else {
					erasedCalls = append(erasedCalls, name)
				}
			}
			c := New()
			c.general = general
			k := c.Kind("job", Supplies[*inJob]())
			require.NoError(t, c.Provide(func(j *inJob) *inLog { note("provider(*inJob)"); return &inLog{j} }))
			require.NoError(t, c.Provide(func(r *http.Request) *inPath { note("provider(*http.Request)"); return &inPath{r} }))
			require.NoError(t, c.Provide(func(ctx context.Context, w http.ResponseWriter, r *http.Request) *inResp {
				note("provider(context, writer, request)")
				return &inResp{ctx, w, r}
			}))
			require.NoError(t, c.Validate())

			// A Scope of the Kind: Resolve and Invoke reach *inJob.
			job := &inJob{7}
			require.NoError(t, k.Run(context.Background(), func(ctx context.Context) error {
				s, _ := ScopeFrom(ctx)
				l, err := Resolve[*inLog](s)
				require.NoError(t, err)
				assert.Same(t, job, l.job)
				return s.Invoke(func(j *inJob, again *inLog) {
					note("Invoke(*inJob)")
					assert.Same(t, job, j)
					assert.Same(t, l, again)
				})
			}, With(job)))

			// NewHTTPScope: the request and writer as the Scope holds them.
			rec := httptest.NewRecorder()
			s := c.NewHTTPScope(rec, httptest.NewRequest(http.MethodGet, "/scope", nil))
			p, err := Resolve[*inPath](s)
			require.NoError(t, err)
			assert.Equal(t, "/scope", p.r.URL.Path)
			require.NoError(t, s.Invoke(func(r *http.Request, w http.ResponseWriter, x *inResp) {
				note("Invoke(*http.Request, http.ResponseWriter)")
				assert.Same(t, p.r, r)
				assert.Same(t, r, x.r)
				assert.Equal(t, w, x.w)
			}))
			require.NoError(t, s.Close())

			// Handler: the request and writer the handler is served with.
			h := c.Handler(func(w http.ResponseWriter, r *http.Request, p *inPath, x *inResp) error {
				note("Handler(writer, request)")
				assert.Same(t, r, p.r)
				assert.Same(t, r, x.r)
				assert.Equal(t, w, x.w)
				w.WriteHeader(http.StatusTeapot)
				return nil
			})
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/handler", nil))
			assert.Equal(t, http.StatusTeapot, rec.Code)

			all := []string{
				"provider(*inJob)", "Invoke(*inJob)",
				"provider(*http.Request)", "provider(context, writer, request)", "Invoke(*http.Request, http.ResponseWriter)",
				"provider(*http.Request)", "provider(context, writer, request)", "Handler(writer, request)",
			}
			for _, p := range c.providers {
				assert.Equal(t, !general, p.erased != nil, "%s: compiled erased", p)
			}
			if general {
				assert.Equal(t, all, reflectCalls, "called through reflection")
				assert.Empty(t, erasedCalls, "called without reflection")
			} else {
				assert.Equal(t, all, erasedCalls, "called shape-erased")
				assert.Empty(t, reflectCalls, "called through reflection")
			}
		})
	}
}

// TestChanLayoutKnown checks that the runtime's channel layout is the one
// closed reads, so that the supported releases take its fast path. If a
// new Go release fails it, closed still works, through a select; update
// the offsets in erased.go to get the fast path back.
func TestChanLayoutKnown(t *testing.T) {
	require.True(t, chanLayoutKnown, "runtime.hchan changed: closed falls back to a select")
}

// TestTestedRelease checks which Go versions closed trusts its probe on.
func TestTestedRelease(t *testing.T) {
	for v, want := range map[string]bool{
		"go1.26": true, "go1.26.8": true, "go1.27.3": true, "go1.27rc1": true,
		"go1.25.1": false, "go1.28": false, "go1.260": false, "go2.0": false,
		"devel go1.28-abcdef Mon Jan 1": false, "": false,
	} {
		assert.Equal(t, want, testedRelease(v), v)
	}
}

// TestClosedAgreesWithSelect checks closed against a select, the check it
// stands in for, on open and closed channels, and while another goroutine
// closes the channel.
func TestClosedAgreesWithSelect(t *testing.T) {
	ended := func(c <-chan struct{}) bool {
		select {
		case <-c:
			return true
		default:
			return false
		}
	}
	for _, cancelled := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		if cancelled {
			cancel()
		}
		assert.Equal(t, ended(ctx.Done()), closed(ctx.Done()), "cancelled %v", cancelled)
		assert.Equal(t, cancelled, closed(ctx.Done()))
		cancel()
	}

	assert.False(t, closed(context.Background().Done()), "a context that cannot end")

	done := make(chan struct{})
	go close(done)
	for !closed(done) { // under -race: the load is atomic, the close the runtime's
		runtime.Gosched()
	}
	assert.True(t, ended(done))
}
