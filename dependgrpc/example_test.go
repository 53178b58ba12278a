package dependgrpc_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Caller is who makes the call, from its metadata.
type Caller struct{ Name string }

// Greeting is built from the call's typed request and its Caller.
type Greeting string

// snippet grpc-providers
func provideGreetings(c *depend.Container) error {
	// The unary call's request message, as a value providers can take.
	if err := c.Provide(dependgrpc.Request[*wrapperspb.StringValue]()); err != nil {
		return err
	}
	// The caller, from the call's incoming metadata (keys are lowercase).
	if err := c.Provide(func(md metadata.MD) (*Caller, error) {
		if name := md.Get("x-user"); len(name) > 0 {
			return &Caller{Name: name[0]}, nil
		}
		return nil, &depend.HTTPError{Status: 401, Message: "who are you?"} // codes.Unauthenticated
	}); err != nil {
		return err
	}
	return c.Provide(func(in *wrapperspb.StringValue, who *Caller) Greeting {
		return Greeting(in.Value + ", " + who.Name)
	})
}

// end snippet

// greeter implements the service of server_test.go's hand-written
// ServiceDesc, as it would a generated one.
type greeter struct{}

// snippet grpc-method
func (greeter) Echo(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	s, _ := depend.ScopeFrom(ctx) // the Scope the interceptor opened for this call
	g, err := depend.Resolve[Greeting](s)
	if err != nil {
		return nil, err // mapped to a status by the interceptor
	}
	return wrapperspb.String(string(g)), nil
}

// end snippet

// snippet grpc-stream-method
func (greeter) Count(in *wrapperspb.Int32Value, stream grpc.ServerStream) error {
	s, _ := depend.ScopeFrom(stream.Context()) // one Scope for the whole stream
	return s.Invoke(func(who *Caller) error {
		for i := range in.Value {
			if err := stream.SendMsg(wrapperspb.String(fmt.Sprint(who.Name, " ", i+1))); err != nil {
				return err
			}
		}
		return nil
	})
}

// end snippet

func ExampleUnaryServerInterceptor() {
	c := depend.New()
	// snippet grpc-kind
	k := dependgrpc.Kind(c, depend.ReportTo(func(ctx context.Context, err error) {
		slog.ErrorContext(ctx, "gRPC call", "err", err) // what the client is not told
	}))
	// end snippet
	if err := provideGreetings(c); err != nil {
		log.Fatal(err)
	}
	// snippet grpc-check
	// At startup: what the service methods resolve or invoke must be
	// buildable from what a gRPC call is given.
	if err := k.Check(func(Greeting) {}, func(*Caller) {}); err != nil {
		log.Fatal(err)
	}
	// end snippet
	// snippet grpc-server
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(dependgrpc.UnaryServerInterceptor(k)),
		grpc.ChainStreamInterceptor(dependgrpc.StreamServerInterceptor(k)),
	)
	srv.RegisterService(echoDesc(), greeter{}) // or pb.RegisterGreeterServer(srv, greeter{})
	// end snippet
	lis := bufconn.Listen(1 << 20)
	go srv.Serve(lis)
	defer srv.Stop()
	cc, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()

	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-user", "ann")
	got, err := echo(ctx, cc, "hello")
	fmt.Println(got, err)
	_, err = echo(context.Background(), cc, "hello") // no x-user
	fmt.Println(status.Code(err), status.Convert(err).Message())
	lines, err := count(ctx, cc, 2)
	fmt.Println(lines, err)
	// Output:
	// hello, ann <nil>
	// Unauthenticated who are you?
	// [ann 1 ann 2] <nil>
}
