package dependgrpc_test

// A real grpc-go server over bufconn for the tests: a hand-written
// ServiceDesc (no protoc) with one unary and one server-streaming method on
// wrapperspb messages, and grpc's health service, under the interceptors.

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// echoService is what the test service implements; each test sets the
// methods it calls.
type echoService interface {
	Echo(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
	Count(*wrapperspb.Int32Value, grpc.ServerStream) error
}

type echoFuncs struct {
	echo  func(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
	count func(*wrapperspb.Int32Value, grpc.ServerStream) error
}

func (e echoFuncs) Echo(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	if e.echo == nil {
		return nil, errors.New("Echo is not set in this test")
	}
	return e.echo(ctx, in)
}

func (e echoFuncs) Count(in *wrapperspb.Int32Value, stream grpc.ServerStream) error {
	if e.count == nil {
		return errors.New("Count is not set in this test")
	}
	return e.count(in, stream)
}

const (
	echoMethod  = "/test.Echo/Echo"
	countMethod = "/test.Echo/Count"
)

// echoDesc describes the service as protoc-gen-go-grpc would.
func echoDesc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: "test.Echo",
		HandlerType: (*echoService)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Echo",
			Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				if interceptor == nil {
					return srv.(echoService).Echo(ctx, in)
				}
				info := &grpc.UnaryServerInfo{Server: srv, FullMethod: echoMethod}
				return interceptor(ctx, in, info, func(ctx context.Context, req any) (any, error) {
					return srv.(echoService).Echo(ctx, req.(*wrapperspb.StringValue))
				})
			},
		}},
		Streams: []grpc.StreamDesc{{
			StreamName:    "Count",
			ServerStreams: true,
			Handler: func(srv any, stream grpc.ServerStream) error {
				in := new(wrapperspb.Int32Value)
				if err := stream.RecvMsg(in); err != nil {
					return err
				}
				return srv.(echoService).Count(in, stream)
			},
		}},
		Metadata: "test.proto",
	}
}

// serve starts a server whose RPCs run in Scopes of k, with svc and a
// health server registered, and returns a client connected to it. Both are
// stopped when the test ends.
func serve(t testing.TB, k *depend.Kind, svc echoService, health healthpb.HealthServer) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(dependgrpc.UnaryServerInterceptor(k)),
		grpc.ChainStreamInterceptor(dependgrpc.StreamServerInterceptor(k)),
	)
	srv.RegisterService(echoDesc(), svc)
	if health != nil {
		healthpb.RegisterHealthServer(srv, health)
	}
	var served sync.WaitGroup
	served.Go(func() { srv.Serve(lis) })
	cc, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cc.Close()
		srv.Stop()
		served.Wait()
	})
	return cc
}

// newHealth returns grpc's health server, reporting test.Echo as serving.
func newHealth() *health.Server {
	hs := health.NewServer()
	hs.SetServingStatus("test.Echo", healthpb.HealthCheckResponse_SERVING)
	return hs
}

func echo(ctx context.Context, cc *grpc.ClientConn, in string) (string, error) {
	out := new(wrapperspb.StringValue)
	err := cc.Invoke(ctx, echoMethod, wrapperspb.String(in), out)
	return out.GetValue(), err
}

// count calls the streaming method and returns every message received.
func count(ctx context.Context, cc *grpc.ClientConn, n int32) ([]string, error) {
	st, err := cc.NewStream(ctx, &echoDesc().Streams[0], countMethod)
	if err != nil {
		return nil, err
	}
	if err := st.SendMsg(wrapperspb.Int32(n)); err != nil {
		return nil, err
	}
	if err := st.CloseSend(); err != nil {
		return nil, err
	}
	var got []string
	for {
		m := new(wrapperspb.StringValue)
		if err := st.RecvMsg(m); err == io.EOF {
			return got, nil
		} else if err != nil {
			return got, err
		}
		got = append(got, m.Value)
	}
}

// scope returns the Scope that ctx carries, failing the test without one.
func scope(t testing.TB, ctx context.Context) *depend.Scope {
	t.Helper()
	s, ok := depend.ScopeFrom(ctx)
	if !ok {
		t.Error("the handler's context carries no Scope")
	}
	return s
}

// reports collects what a Kind reports.
type reports struct {
	mu       sync.Mutex
	errs     []error
	unscoped int // reports whose context carried no Scope
}

func (r *reports) add(ctx context.Context, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
	if _, ok := depend.ScopeFrom(ctx); !ok {
		r.unscoped++
	}
}

func (r *reports) take() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := r.errs
	r.errs = nil
	return errs
}

// recv receives from ch, failing the test if nothing comes within 10s, so
// that a broken interceptor fails the test rather than hanging it.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received in 10s")
		panic("unreachable")
	}
}
