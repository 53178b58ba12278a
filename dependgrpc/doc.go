// Package dependgrpc serves gRPC with depend: one Scope per RPC, whose
// providers take the call's incoming metadata, its method and its typed
// request message like any dependency.
//
// Declare the kind of Scope with Kind before the Container is sealed, then
// install the interceptors on the server:
//
//	k := dependgrpc.Kind(c)
//	srv := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(dependgrpc.UnaryServerInterceptor(k)),
//		grpc.ChainStreamInterceptor(dependgrpc.StreamServerInterceptor(k)),
//	)
//
// A service method finds its Scope with depend.ScopeFrom(ctx) (a stream,
// with depend.ScopeFrom(stream.Context())) and resolves or invokes what it
// needs from it. The Scope's context derives from the RPC's, so a client's
// cancellation or deadline reaches the providers. Call k.Check at startup
// with the funcs the service methods invoke, so a provider needing an input
// that a gRPC call is not given (such as *http.Request) fails startup, not
// an RPC.
//
// When the method returns, the interceptor ends the Scope as depend.Kind.Run
// does: BeforeResponse cleanups learn the outcome (commit or roll back) and
// a failed commit becomes the RPC's error; a panic is recovered, since
// grpc-go does not recover one, and answered codes.Internal. The error is
// then mapped to a status (see Status): a status the code chose passes,
// depend's and the handler's own failures are answered without their text,
// which goes to the Kind's ReportTo.
package dependgrpc
