// Package connectexample is the connect-go recipe of the guide: connect's
// handlers are http.Handlers, so depend's Middleware serves them, opening
// one Scope per RPC that depend.ScopeFrom finds in the handler's context.
// One piece is missing, and Finish is it: connect writes an RPC's error
// itself (an HTTP 200 with trailers over gRPC, a JSON body over Connect),
// so Middleware sees every RPC succeed, and a BeforeResponse commit would
// run with a nil cause on a failed RPC. Its tests prove both halves with a
// real connect server over HTTP/2.
package connectexample

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/godepend/depend"
)

// snippet connect-finish
// Finish returns the connect interceptor that hands each unary RPC's
// outcome to the Scope that depend's Middleware opened, so that the
// BeforeResponse cleanups (a commit) learn it before connect answers. A
// cleanup error after a success fails the RPC with CodeInternal, without its
// text, and goes to report with every other cleanup error. Install it on
// every handler of a mux that Middleware serves:
//
//	connect.NewUnaryHandler(procedure, fn, connect.WithInterceptors(Finish(report)))
//
// The interceptor is safe for concurrent use if report is.
func Finish(report func(context.Context, error)) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			res, err := next(ctx, req)
			s, ok := depend.ScopeFrom(ctx)
			if !ok { // not under depend's Middleware
				return res, err
			}
			ferr := s.Finish(err)
			if ferr == nil {
				return res, err
			}
			report(ctx, fmt.Errorf("connect %s: cleanup before the response: %w", req.Spec().Procedure, ferr))
			if err == nil { // a failed commit must not answer OK
				return nil, connect.NewError(connect.CodeInternal, errors.New("internal error"))
			}
			return res, err
		}
	}
}

// end snippet
