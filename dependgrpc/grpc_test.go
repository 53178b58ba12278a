package dependgrpc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// rpcID is a per-RPC value: the request id the client sent, and which build
// of the provider made it.
type rpcID struct {
	id     string
	method string
	build  int64
}

// greeting is built from the typed request message.
type greeting string

// tx is a transaction that a BeforeResponse cleanup commits or rolls back.
type tx struct{ method string }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func withID(ctx context.Context, id string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "X-Request-Id", id)
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func TestOneScopePerRPC(t *testing.T) {
	c := depend.New()
	k := dependgrpc.Kind(c)
	var built atomic.Int64
	must(t, c.Provide(func(md metadata.MD, call dependgrpc.Call) *rpcID {
		return &rpcID{id: first(md.Get("x-request-id")), method: call.FullMethod, build: built.Add(1)}
	}))
	must(t, c.Provide(dependgrpc.Request[*wrapperspb.StringValue]()))
	must(t, c.Provide(func(in *wrapperspb.StringValue, id *rpcID) greeting {
		return greeting(in.Value + " to " + id.id)
	}))
	must(t, c.Validate())
	cc := serve(t, k, echoFuncs{echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		s := scope(t, ctx)
		a, err := depend.Resolve[*rpcID](s)
		if err != nil {
			return nil, err
		}
		b, err := depend.Resolve[*rpcID](s)
		if err != nil {
			return nil, err
		}
		if a != b {
			t.Error("a Scoped value was built twice in one RPC")
		}
		g, err := depend.Resolve[greeting](s)
		if err != nil {
			return nil, err
		}
		return wrapperspb.String(fmt.Sprintf("%s|%s|%d|%s", a.id, a.method, a.build, g)), nil
	}}, nil)

	got1, err := echo(withID(t.Context(), "r1"), cc, "hello")
	must(t, err)
	got2, err := echo(withID(t.Context(), "r2"), cc, "bye")
	must(t, err)
	if want := "r1|" + echoMethod + "|1|hello to r1"; got1 != want {
		t.Errorf("first RPC: got %q, want %q", got1, want)
	}
	if want := "r2|" + echoMethod + "|2|bye to r2"; got2 != want {
		t.Errorf("second RPC: got %q, want %q", got2, want)
	}
	if n := built.Load(); n != 2 {
		t.Errorf("built %d values for 2 RPCs, want 2", n)
	}
}

func TestBeforeResponseCommitsOrRollsBack(t *testing.T) {
	tests := []struct {
		name      string
		handler   error // what the method returns
		commit    error // what the commit returns
		wantCode  codes.Code
		wantMsg   string
		wantCause string // what the cleanup learned
	}{
		{"success commits", nil, nil, codes.OK, "", "<nil>"},
		{"a failure rolls back", status.Error(codes.NotFound, "no user ann"), nil, codes.NotFound, "no user ann", "rpc error: code = NotFound desc = no user ann"},
		{"a failed commit is the RPC's error", nil, &depend.HTTPError{Status: http.StatusConflict, Message: "write conflict"}, codes.Aborted, "write conflict", "<nil>"},
		{"a failed commit hides its text", nil, errors.New("disk full at /secret"), codes.Unknown, "unknown error", "<nil>"},
		{"a failed rollback leaves the handler's error", status.Error(codes.NotFound, "no user ann"), errors.New("rollback failed"), codes.NotFound, "no user ann", "rpc error: code = NotFound desc = no user ann"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			var rep reports
			k := dependgrpc.Kind(c, depend.ReportTo(rep.add))
			causes := make(chan string, 1)
			must(t, c.Provide(func(call dependgrpc.Call) (*tx, func(error) error) {
				return &tx{method: call.FullMethod}, func(cause error) error {
					causes <- fmt.Sprint(cause)
					return tt.commit
				}
			}, depend.BeforeResponse))
			cc := serve(t, k, echoFuncs{echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
				if _, err := depend.Resolve[*tx](scope(t, ctx)); err != nil {
					return nil, err
				}
				return wrapperspb.String("done"), tt.handler
			}}, nil)

			got, err := echo(t.Context(), cc, "x")
			st := status.Convert(err)
			if st.Code() != tt.wantCode || st.Message() != tt.wantMsg {
				t.Errorf("got %v %q, want %v %q", st.Code(), st.Message(), tt.wantCode, tt.wantMsg)
			}
			if err != nil && got != "" {
				t.Errorf("a failed RPC answered %q too", got)
			}
			if cause := recv(t, causes); cause != tt.wantCause {
				t.Errorf("the cleanup learned %q, want %q", cause, tt.wantCause)
			}
			reported := rep.take()
			rollbackFailed := tt.handler != nil && tt.commit != nil
			if hidden := tt.wantCode == codes.Unknown; (hidden || rollbackFailed) != (len(reported) == 1) {
				t.Errorf("reported %v; want a report only when the text is hidden or a rollback failed", reported)
			} else if hidden && !strings.Contains(reported[0].Error(), "/secret") {
				t.Errorf("the report %q lacks the hidden text", reported[0])
			} else if rollbackFailed && !errors.Is(reported[0], tt.commit) {
				t.Errorf("the report %q is not the failed rollback", reported[0])
			}
		})
	}
}

func TestAPanicIsInternalAndTheServerGoesOn(t *testing.T) {
	c := depend.New()
	var rep reports
	k := dependgrpc.Kind(c, depend.ReportTo(rep.add))
	causes := make(chan error, 2)
	must(t, c.Provide(func() (*tx, func(error)) { return &tx{}, func(err error) { causes <- err } }))
	svc := echoFuncs{
		echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			if _, err := depend.Resolve[*tx](scope(t, ctx)); err != nil {
				return nil, err
			}
			if in.Value == "panic" {
				panic("secret boom")
			}
			return in, nil
		},
		count: func(in *wrapperspb.Int32Value, stream grpc.ServerStream) error {
			if _, err := depend.Resolve[*tx](scope(t, stream.Context())); err != nil {
				return err
			}
			panic(errors.New("secret stream boom"))
		},
	}
	cc := serve(t, k, svc, nil)

	for _, call := range []struct {
		name string
		do   func() error
	}{
		{"unary", func() error { _, err := echo(t.Context(), cc, "panic"); return err }},
		{"stream", func() error { _, err := count(t.Context(), cc, 1); return err }},
	} {
		t.Run(call.name, func(t *testing.T) {
			st := status.Convert(call.do())
			if st.Code() != codes.Internal || st.Message() != "internal error" {
				t.Errorf("got %v %q, want Internal \"internal error\"", st.Code(), st.Message())
			}
			var pe *depend.PanicError
			if cause := recv(t, causes); !errors.As(cause, &pe) {
				t.Errorf("the cleanup learned %v, want the *depend.PanicError", cause)
			}
			reported := rep.take()
			if len(reported) != 1 || !errors.Is(reported[0], depend.ErrPanic) || !strings.Contains(reported[0].Error(), "secret") {
				t.Errorf("reported %v, want the panic", reported)
			}
			if rep.unscoped != 0 {
				t.Error("reported with a context that does not carry the RPC's Scope")
			}
		})
	}
	got, err := echo(t.Context(), cc, "still serving")
	if err != nil || got != "still serving" {
		t.Errorf("after the panics: got %q, %v", got, err)
	}
	recv(t, causes)
}

type slow struct{}

func TestCancellationReachesProviders(t *testing.T) {
	c := depend.New()
	k := dependgrpc.Kind(c)
	started := make(chan struct{}, 1)
	saw := make(chan error, 1)
	must(t, c.Provide(func(ctx context.Context) (*slow, error) {
		started <- struct{}{}
		<-ctx.Done() // a query that waits on the database
		saw <- context.Cause(ctx)
		return nil, ctx.Err()
	}))
	cc := serve(t, k, echoFuncs{echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		_, err := depend.Resolve[*slow](scope(t, ctx))
		return nil, err
	}}, nil)

	t.Run("cancel", func(t *testing.T) {
		base, stop := context.WithTimeout(t.Context(), 10*time.Second) // if the provider never starts
		defer stop()
		ctx, cancel := context.WithCancel(base)
		go func() {
			select {
			case <-started:
			case <-base.Done():
			}
			cancel()
		}()
		_, err := echo(ctx, cc, "x")
		if code := status.Code(err); code != codes.Canceled {
			t.Errorf("the client got %v, want Canceled", code)
		}
		if cause := recv(t, saw); !errors.Is(cause, context.Canceled) {
			t.Errorf("the provider's context ended with %v, want context.Canceled", cause)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := echo(ctx, cc, "x")
		if code := status.Code(err); code != codes.DeadlineExceeded {
			t.Errorf("the client got %v, want DeadlineExceeded", code)
		}
		recv(t, started)
		// The client's RST_STREAM may beat the server's own timer.
		if cause := recv(t, saw); !errors.Is(cause, context.DeadlineExceeded) && !errors.Is(cause, context.Canceled) {
			t.Errorf("the provider's context ended with %v", cause)
		}
	})
}

// TestConcurrentRPCsKeepTheirOwnValues holds 1,000 RPCs open at once (a
// barrier in the handler): each provider sees its own RPC's request id, and
// every cleanup runs exactly once.
func TestConcurrentRPCsKeepTheirOwnValues(t *testing.T) {
	const n = 1000
	c := depend.New()
	k := dependgrpc.Kind(c)
	var built atomic.Int64
	var cleaned [n]atomic.Int32
	must(t, c.Provide(func(md metadata.MD) (*rpcID, func(), error) {
		id := first(md.Get("x-request-id"))
		i, err := strconv.Atoi(id)
		if err != nil || i < 0 || i >= n {
			return nil, nil, fmt.Errorf("bad request id %q", id)
		}
		built.Add(1)
		return &rpcID{id: id}, func() { cleaned[i].Add(1) }, nil
	}))
	var arrived sync.WaitGroup
	arrived.Add(n)
	release := make(chan struct{})
	go func() { arrived.Wait(); close(release) }()
	cc := serve(t, k, echoFuncs{echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		s := scope(t, ctx)
		before, err := depend.Resolve[*rpcID](s)
		if err != nil {
			return nil, err
		}
		arrived.Done()
		select {
		case <-release: // every RPC is in flight
		case <-time.After(20 * time.Second):
			return nil, status.Error(codes.DeadlineExceeded, "the barrier was not reached")
		}
		after, err := depend.Resolve[*rpcID](s)
		if err != nil {
			return nil, err
		}
		if before != after {
			return nil, status.Error(codes.Internal, "the value changed within the RPC")
		}
		return wrapperspb.String(after.id), nil
	}}, nil)

	start := make(chan struct{})
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for i := range n {
		wg.Go(func() {
			<-start
			want := strconv.Itoa(i)
			got, err := echo(withID(t.Context(), want), cc, "x")
			if err != nil || got != want {
				wrong.Add(1)
				t.Errorf("RPC %d: got %q, %v", i, got, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wrong.Load() != 0 {
		t.Fatalf("%d RPCs saw another's value or failed", wrong.Load())
	}
	if got := built.Load(); got != n {
		t.Errorf("built %d values for %d RPCs", got, n)
	}
	for i := range cleaned {
		if got := cleaned[i].Load(); got != 1 {
			t.Errorf("RPC %d: its cleanup ran %d times, want once", i, got)
		}
	}
}

// coded is a user error with an HTTP status.
type coded struct {
	code int
	msg  string
}

func (e *coded) Error() string   { return e.msg }
func (e *coded) StatusCode() int { return e.code }

type unprovided struct{}

func TestErrorsAreMappedToStatuses(t *testing.T) {
	tests := []struct {
		name     string
		do       func(s *depend.Scope) error // what the method does
		wantCode codes.Code
		wantMsg  string
		hidden   bool // reported, and not sent
	}{
		{"a status passes", func(*depend.Scope) error { return status.Error(codes.AlreadyExists, "user ann exists") },
			codes.AlreadyExists, "user ann exists", false},
		{"a wrapped status keeps its code and its own text", func(*depend.Scope) error {
			return fmt.Errorf("load /secret: %w", status.Error(codes.FailedPrecondition, "not ready"))
		}, codes.FailedPrecondition, "not ready", false},
		{"a provider's status passes through depend", func(s *depend.Scope) error {
			_, err := depend.Resolve[*tx](s)
			return err
		}, codes.PermissionDenied, "not yours", false},
		{"404", func(*depend.Scope) error { return &depend.HTTPError{Status: 404, Message: "no such user"} }, codes.NotFound, "no such user", false},
		{"401", func(*depend.Scope) error { return &depend.HTTPError{Status: 401} }, codes.Unauthenticated, "Unauthorized", false},
		{"422 input", func(*depend.Scope) error {
			return fmt.Errorf("bind: %w", &coded{http.StatusUnprocessableEntity, "name: required"})
		}, codes.InvalidArgument, "name: required", false},
		{"other 4xx", func(*depend.Scope) error { return &coded{http.StatusTeapot, "short and stout"} }, codes.FailedPrecondition, "short and stout", false},
		{"5xx hides its text", func(*depend.Scope) error { return &coded{http.StatusServiceUnavailable, "replica /secret down"} },
			codes.Unavailable, "Service Unavailable", true},
		{"500 hides its text", func(*depend.Scope) error { return &depend.HTTPError{Status: 500, Message: "/secret"} },
			codes.Internal, "Internal Server Error", true},
		{"canceled", func(*depend.Scope) error { return fmt.Errorf("query: %w", context.Canceled) }, codes.Canceled, "context canceled", false},
		{"deadline", func(*depend.Scope) error { return context.DeadlineExceeded }, codes.DeadlineExceeded, "context deadline exceeded", false},
		{"not provided", func(s *depend.Scope) error {
			_, err := depend.Resolve[*unprovided](s)
			return err
		}, codes.Internal, "internal error", true},
		{"a request of another type", func(s *depend.Scope) error {
			_, err := depend.Resolve[*wrapperspb.Int32Value](s)
			return err
		}, codes.Internal, "internal error", true},
		{"a panic carrying a status", func(*depend.Scope) error { panic(status.Error(codes.NotFound, "/secret")) }, codes.Internal, "internal error", true},
		{"a plain error", func(*depend.Scope) error { return errors.New("password=/secret") }, codes.Unknown, "unknown error", true},
	}
	c := depend.New()
	var rep reports
	k := dependgrpc.Kind(c, depend.ReportTo(rep.add))
	must(t, c.Provide(func() (*tx, error) { return nil, status.Error(codes.PermissionDenied, "not yours") }))
	must(t, c.Provide(dependgrpc.Request[*wrapperspb.Int32Value]()))
	var do atomic.Pointer[func(*depend.Scope) error]
	cc := serve(t, k, echoFuncs{echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		return nil, (*do.Load())(scope(t, ctx))
	}}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			do.Store(&tt.do)
			_, err := echo(t.Context(), cc, "x")
			st := status.Convert(err)
			if st.Code() != tt.wantCode || st.Message() != tt.wantMsg {
				t.Errorf("got %v %q, want %v %q", st.Code(), st.Message(), tt.wantCode, tt.wantMsg)
			}
			reported := rep.take()
			switch {
			case !tt.hidden && len(reported) != 0:
				t.Errorf("reported %v for an error the client sees", reported)
			case tt.hidden && len(reported) != 1:
				t.Errorf("reported %v, want the hidden error once", reported)
			case tt.hidden && !strings.Contains(reported[0].Error(), echoMethod):
				t.Errorf("the report %q does not name the method", reported[0])
			}
		})
	}
}

func TestCode(t *testing.T) {
	tests := []struct {
		status int
		want   codes.Code
	}{
		{400, codes.InvalidArgument}, {401, codes.Unauthenticated}, {403, codes.PermissionDenied},
		{404, codes.NotFound}, {409, codes.Aborted}, {412, codes.FailedPrecondition},
		{418, codes.FailedPrecondition}, {422, codes.InvalidArgument}, {429, codes.ResourceExhausted},
		{499, codes.Canceled}, {500, codes.Internal}, {501, codes.Unimplemented}, {502, codes.Internal},
		{503, codes.Unavailable}, {504, codes.DeadlineExceeded}, {200, codes.Internal}, {0, codes.Internal},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			if got := dependgrpc.Code(tt.status); got != tt.want {
				t.Errorf("Code(%d) = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}

// nilStatus has a GRPCStatus method that gives no status.
type nilStatus struct{}

func (nilStatus) Error() string              { return "no status here" }
func (nilStatus) GRPCStatus() *status.Status { return nil }
func (nilStatus) StatusCode() int            { return 302 }

// okStatus is an error whose GRPCStatus says OK: answering that status
// would turn a failure (a failed commit, say) into a success.
type okStatus struct{}

func (okStatus) Error() string              { return "commit failed at /secret" }
func (okStatus) GRPCStatus() *status.Status { return status.New(codes.OK, "") }

func TestStatusOutsideAnRPC(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantCode   codes.Code
		wantHidden bool
	}{
		{"nil is OK", nil, codes.OK, false},
		{"a nil GRPCStatus and a 3xx are neither", nilStatus{}, codes.Unknown, true},
		{"a closed Container", depend.ErrContainerClosed, codes.Internal, true},
		{"a cycle", fmt.Errorf("x: %w", depend.ErrCycle), codes.Internal, true},
		{"an error whose status is OK is no success", okStatus{}, codes.Unknown, true},
		{"a Kind or Provide refused as already provided", fmt.Errorf("x: %w", depend.ErrAlreadyProvided), codes.Internal, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, hidden := dependgrpc.Status(tt.err)
			if st.Code() != tt.wantCode || hidden != tt.wantHidden {
				t.Errorf("Status(%v) = %v, %v; want %v, %v", tt.err, st.Code(), hidden, tt.wantCode, tt.wantHidden)
			}
		})
	}
}

func TestAStreamHasOneScope(t *testing.T) {
	tests := []struct {
		name      string
		fail      error // what the method returns after its first message
		wantCode  codes.Code
		wantGot   int
		wantCause string
	}{
		{"success", nil, codes.OK, 3, "<nil>"},
		{"failure", &depend.HTTPError{Status: 404, Message: "gone"}, codes.NotFound, 1, "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			k := dependgrpc.Kind(c)
			var built atomic.Int64
			causes := make(chan string, 1)
			must(t, c.Provide(func(md metadata.MD, call dependgrpc.Call) (*rpcID, func(error) error) {
				return &rpcID{id: first(md.Get("x-request-id")), method: call.FullMethod, build: built.Add(1)},
					func(cause error) error { causes <- fmt.Sprint(cause); return nil }
			}, depend.BeforeResponse))
			must(t, c.Provide(dependgrpc.Request[*wrapperspb.Int32Value]()))
			cc := serve(t, k, echoFuncs{count: func(in *wrapperspb.Int32Value, stream grpc.ServerStream) error {
				s := scope(t, stream.Context())
				if _, err := depend.Resolve[*wrapperspb.Int32Value](s); !errors.Is(err, dependgrpc.ErrRequestType) {
					t.Errorf("Request[T] in a stream: %v, want ErrRequestType", err)
				}
				if _, ok := metadata.FromIncomingContext(stream.Context()); !ok {
					t.Error("the stream's context does not derive from the RPC's")
				}
				for i := range in.Value {
					id, err := depend.Resolve[*rpcID](s)
					if err != nil {
						return err
					}
					if err := stream.SendMsg(wrapperspb.String(fmt.Sprintf("%s %s %d", id.id, id.method, id.build))); err != nil {
						return err
					}
					if i == 0 && tt.fail != nil {
						return tt.fail
					}
				}
				return nil
			}}, nil)

			got, err := count(withID(t.Context(), "s1"), cc, 3)
			if code := status.Code(err); code != tt.wantCode {
				t.Errorf("got %v, want %v", err, tt.wantCode)
			}
			if len(got) != tt.wantGot {
				t.Fatalf("got %d messages %q, want %d", len(got), got, tt.wantGot)
			}
			for _, m := range got {
				if want := "s1 " + countMethod + " 1"; m != want {
					t.Errorf("got %q, want %q: one value for the whole stream", m, want)
				}
			}
			if cause := recv(t, causes); cause != tt.wantCause {
				t.Errorf("the cleanup learned %q at the stream's end, want %q", cause, tt.wantCause)
			}
		})
	}
}

// healthInScope is grpc's health server, whose methods first check that they
// run in a Scope of their own RPC (health.Server ignores its context).
type healthInScope struct {
	healthpb.HealthServer
	t     *testing.T
	built *atomic.Int64
}

func (h healthInScope) inScope(ctx context.Context, method string) {
	id, err := depend.Resolve[*rpcID](scope(h.t, ctx))
	if err != nil || id.method != method {
		h.t.Errorf("%s: resolved %v, %v", method, id, err)
	}
}

func (h healthInScope) Check(ctx context.Context, in *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	h.inScope(ctx, healthpb.Health_Check_FullMethodName)
	return h.HealthServer.Check(ctx, in)
}

func (h healthInScope) Watch(in *healthpb.HealthCheckRequest, stream grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	h.inScope(stream.Context(), healthpb.Health_Watch_FullMethodName)
	return h.HealthServer.Watch(in, stream)
}

func TestTheHealthServiceRunsInScopes(t *testing.T) {
	c := depend.New()
	k := dependgrpc.Kind(c)
	var built atomic.Int64
	must(t, c.Provide(func(call dependgrpc.Call) *rpcID { return &rpcID{method: call.FullMethod, build: built.Add(1)} }))
	cc := serve(t, k, echoFuncs{}, healthInScope{newHealth(), t, &built})
	client := healthpb.NewHealthClient(cc)

	res, err := client.Check(t.Context(), &healthpb.HealthCheckRequest{Service: "test.Echo"})
	must(t, err)
	if res.Status != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("Check: %v", res.Status)
	}
	_, err = client.Check(t.Context(), &healthpb.HealthCheckRequest{Service: "nope"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("Check of an unknown service: %v, want NotFound from the health server", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	w, err := client.Watch(ctx, &healthpb.HealthCheckRequest{Service: "test.Echo"})
	must(t, err)
	res, err = w.Recv()
	must(t, err)
	if res.Status != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("Watch: %v", res.Status)
	}
	cancel()
	if _, err := w.Recv(); status.Code(err) != codes.Canceled {
		t.Errorf("Watch after cancel: %v", err)
	}
	if got := built.Load(); got != 3 {
		t.Errorf("3 RPCs opened %d Scopes that built the value, want 3", got)
	}
}

type audit struct{}
type users struct{}

func TestCheckFindsAnInputAGRPCCallIsNotGiven(t *testing.T) {
	c := depend.New()
	k := dependgrpc.Kind(c)
	must(t, c.Provide(func(r *http.Request) *audit { return &audit{} }))
	must(t, c.Provide(func(*audit) *users { return &users{} }))
	must(t, c.Provide(dependgrpc.Request[*wrapperspb.StringValue]()))

	if err := k.Check(func(metadata.MD, dependgrpc.Call, *wrapperspb.StringValue) {}); err != nil {
		t.Errorf("what a gRPC call is given: %v", err)
	}
	err := k.Check(func(*users) {})
	if !errors.Is(err, depend.ErrNotSupplied) {
		t.Fatalf("got %v, want ErrNotSupplied", err)
	}
	for _, want := range []string{
		"*dependgrpc_test.users -> *dependgrpc_test.audit -> *http.Request",
		"Scopes of kind grpc are not given it (they supply metadata.MD, dependgrpc.Call)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

func TestAKindThatFailedFailsEveryRPC(t *testing.T) {
	c := depend.New()
	var rep reports
	dependgrpc.Kind(c)
	k := dependgrpc.Kind(c, depend.ReportTo(rep.add)) // a second "grpc" kind
	if err := c.Validate(); !errors.Is(err, depend.ErrBadProvider) {
		t.Fatalf("Validate: %v, want the failed declaration", err)
	}
	cc := serve(t, k, echoFuncs{echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		t.Error("the method ran")
		return in, nil
	}}, nil)
	_, err := echo(t.Context(), cc, "x")
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Errorf("got %v", err)
	}
}

func TestTheInterceptorsOutsideAServer(t *testing.T) {
	c := depend.New()
	k := dependgrpc.Kind(c)
	must(t, c.Provide(func(md metadata.MD) bool { return md != nil && len(md) == 0 }))
	info := &grpc.UnaryServerInfo{FullMethod: "/test.Echo/Echo"}
	resp, err := dependgrpc.UnaryServerInterceptor(k)(context.Background(), "req", info, func(ctx context.Context, req any) (any, error) {
		return depend.Resolve[bool](scope(t, ctx)) // a call without metadata is given empty metadata
	})
	if resp != true || err != nil {
		t.Errorf("got %v, %v", resp, err)
	}
}
