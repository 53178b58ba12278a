package connectexample

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"
	"github.com/godepend/depend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Trace is one RPC's record: Scoped, so an RPC builds it once.
type Trace struct {
	Seq       int64  // which build this is
	Procedure string // from the *http.Request, as under any Middleware
}

// Tx is a transaction committed or rolled back before the response.
type Tx struct{ trace *Trace }

const (
	plainProc    = "/test.Greeter/Plain"    // Middleware alone
	finishedProc = "/test.Greeter/Finished" // Middleware and Finish
)

type fixture struct {
	url      string
	client   *http.Client
	causes   chan string // what each Tx's cleanup learned: "procedure cause"
	mu       sync.Mutex
	reported []error // what Middleware and Finish reported
}

func (f *fixture) report(_ context.Context, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reported = append(f.reported, err)
}

func (f *fixture) takeReported() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.reported
	f.reported = nil
	return r
}

// greet is the RPC: it resolves from the Scope that Middleware opened.
func greet(t *testing.T) func(context.Context, *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
	return func(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
		s, ok := depend.ScopeFrom(ctx)
		if !ok {
			return nil, connect.NewError(connect.CodeInternal, errors.New("no Scope in the handler's context"))
		}
		tx, err := depend.Resolve[*Tx](s)
		if err != nil {
			return nil, err
		}
		trace, err := depend.Resolve[*Trace](s)
		if err != nil {
			return nil, err
		}
		assert.Same(t, tx.trace, trace, "one Trace per RPC, however often it is resolved")
		if req.Msg.Value == "fail" {
			return nil, connect.NewError(connect.CodeNotFound, errors.New("no such greeting"))
		}
		return connect.NewResponse(wrapperspb.String(fmt.Sprintf("hello %s #%d %s", req.Msg.Value, trace.Seq, trace.Procedure))), nil
	}
}

func serve(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{causes: make(chan string, 4)}
	c := depend.New()
	c.SetHTTPOptions(depend.HTTPOptions{ReportError: func(r *http.Request, err error) { f.report(r.Context(), err) }})
	var seq atomic.Int64
	require.NoError(t, c.Provide(func(r *http.Request) *Trace {
		return &Trace{Seq: seq.Add(1), Procedure: r.URL.Path}
	}))
	require.NoError(t, c.Provide(func(r *http.Request, trace *Trace) (*Tx, func(error) error) {
		return &Tx{trace: trace}, func(cause error) error {
			f.causes <- fmt.Sprintf("%s %v", r.URL.Path, cause)
			if r.Header.Get("X-Commit") == "fail" {
				return errors.New("commit: serialization failure")
			}
			return nil
		}
	}, depend.BeforeResponse))

	// snippet connect-mux
	mux := http.NewServeMux()
	mux.Handle(finishedProc, connect.NewUnaryHandler(finishedProc, greet(t),
		connect.WithInterceptors(Finish(f.report))))
	srv := httptest.NewUnstartedServer(c.Middleware(mux)) // one Scope per RPC
	// end snippet
	mux.Handle(plainProc, connect.NewUnaryHandler(plainProc, greet(t)))
	srv.EnableHTTP2 = true // for the gRPC protocol
	srv.StartTLS()
	t.Cleanup(srv.Close)
	f.url, f.client = srv.URL, srv.Client()
	return f
}

var protocols = []struct {
	name string
	opts []connect.ClientOption
}{{"connect", nil}, {"grpc", []connect.ClientOption{connect.WithGRPC()}}, {"grpcweb", []connect.ClientOption{connect.WithGRPCWeb()}}}

func call(t *testing.T, f *fixture, proc string, opts []connect.ClientOption, msg, commit string) (string, error) {
	client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](f.client, f.url+proc, opts...)
	req := connect.NewRequest(wrapperspb.String(msg))
	req.Header().Set("X-Commit", commit)
	res, err := client.CallUnary(t.Context(), req)
	if err != nil {
		return "", err
	}
	return res.Msg.Value, nil
}

func TestMiddlewareServesConnectHandlers(t *testing.T) {
	f := serve(t)
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			first, err := call(t, f, plainProc, p.opts, "ann", "")
			require.NoError(t, err)
			second, err := call(t, f, plainProc, p.opts, "bob", "")
			require.NoError(t, err)
			var n1, n2 int
			_, err = fmt.Sscanf(first, "hello ann #%d "+plainProc, &n1)
			require.NoError(t, err, first)
			_, err = fmt.Sscanf(second, "hello bob #%d "+plainProc, &n2)
			require.NoError(t, err, second)
			assert.Equal(t, n1+1, n2, "each RPC builds its own Trace, once")
			assert.Equal(t, plainProc+" <nil>", <-f.causes)
			assert.Equal(t, plainProc+" <nil>", <-f.causes)
		})
	}
}

func TestTheOutcomeReachesTheScopeOnlyThroughFinish(t *testing.T) {
	f := serve(t)
	tests := []struct {
		name, proc, msg, commit string
		wantCode                connect.Code // 0: success
		wantCause               string
		wantReported            string
	}{
		{"the gap: Middleware alone commits a failed RPC", plainProc, "fail", "", connect.CodeNotFound, "<nil>", ""},
		{"the gap: a failed commit answers OK", plainProc, "ann", "fail", 0, "<nil>", "the response had started"},
		{"Finish: a failed RPC rolls back", finishedProc, "fail", "", connect.CodeNotFound, "not_found: no such greeting", ""},
		{"Finish: a success commits", finishedProc, "ann", "", 0, "<nil>", ""},
		{"Finish: a failed commit fails the RPC", finishedProc, "ann", "fail", connect.CodeInternal, "<nil>", "commit: serialization failure"},
	}
	for _, p := range protocols {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				got, err := call(t, f, tt.proc, p.opts, tt.msg, tt.commit)
				if tt.wantCode == 0 {
					require.NoError(t, err)
					assert.True(t, strings.HasPrefix(got, "hello ann"), got)
				} else {
					assert.Equal(t, tt.wantCode, connect.CodeOf(err), "%v", err)
					assert.NotContains(t, err.Error(), "serialization", "a hidden error's text is not sent")
				}
				assert.Equal(t, tt.proc+" "+tt.wantCause, <-f.causes)
				reported := f.takeReported()
				if tt.wantReported == "" {
					assert.Empty(t, reported)
				} else if assert.Len(t, reported, 1) {
					assert.ErrorContains(t, reported[0], tt.wantReported)
				}
			})
		}
	}
}
