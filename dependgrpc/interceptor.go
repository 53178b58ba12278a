package dependgrpc

import (
	"context"
	"fmt"

	"github.com/godepend/depend"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// UnaryServerInterceptor returns the interceptor that serves each unary RPC
// in its own Scope of kind k (made by Kind), given the call's incoming
// metadata and its Call (method and decoded request). The handler receives
// the Scope's context: depend.ScopeFrom(ctx) finds the Scope, and the
// context ends when the RPC's does.
//
// When the handler returns, the Scope ends as depend.Kind.Run ends it: the
// BeforeResponse cleanups learn the handler's error, a failed commit
// replaces a success (the response is then dropped), and a panic is
// recovered. The outcome is answered as Status maps it; an error whose text
// Status hides is passed to k.Report with the method's name, and with the
// Scope's context (closed by then) if the Scope opened. The returned
// interceptor is safe for concurrent use.
func UnaryServerInterceptor(k *depend.Kind) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		var resp any
		at := ctx // where a hidden error is reported: the Scope's context once it opened
		err := k.Run(ctx, func(ctx context.Context) error {
			at = ctx
			var err error
			resp, err = handler(ctx, req)
			return err
		}, depend.With(incoming(ctx)), depend.With(Call{FullMethod: info.FullMethod, Request: req}))
		if err != nil {
			return nil, answer(at, k, info.FullMethod, err)
		}
		return resp, nil
	}
}

// StreamServerInterceptor returns the interceptor that serves each
// streaming RPC in one Scope of kind k (made by Kind) for the stream's
// whole life, given the call's incoming metadata and a Call without a
// Request. The handler receives a stream whose Context() is the Scope's:
// depend.ScopeFrom(stream.Context()) finds the Scope. The Scope ends when
// the handler returns, with its outcome, as UnaryServerInterceptor's does.
// The returned interceptor is safe for concurrent use.
func StreamServerInterceptor(k *depend.Kind) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		at := ss.Context()
		err := k.Run(at, func(ctx context.Context) error {
			at = ctx
			return handler(srv, &scopedStream{ServerStream: ss, ctx: ctx})
		}, depend.With(incoming(at)), depend.With(Call{FullMethod: info.FullMethod}))
		return answer(at, k, info.FullMethod, err)
	}
}

// scopedStream is the stream the handler sees: the RPC's, with the Scope's
// context.
type scopedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *scopedStream) Context() context.Context { return s.ctx }

// incoming returns the call's metadata, or empty metadata, so that a
// provider taking metadata.MD never fails for a call that sent none.
func incoming(ctx context.Context) metadata.MD {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		return md
	}
	return metadata.MD{}
}

// answer returns the status error that err is answered with, reporting err
// if its text is hidden.
func answer(ctx context.Context, k *depend.Kind, method string, err error) error {
	st, hidden := Status(err)
	if hidden {
		k.Report(ctx, fmt.Errorf("dependgrpc: %s answered %v: %w", method, st.Code(), err))
	}
	return st.Err()
}
