package dependgrpc

import (
	"context"
	"errors"
	"net/http"

	"github.com/godepend/depend"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Code returns the gRPC code for an HTTP status, for errors that carry a
// StatusCode() int method, such as depend.HTTPError and depend.InputError:
//
//	400, 422  InvalidArgument       409  Aborted
//	401       Unauthenticated       412  FailedPrecondition
//	403       PermissionDenied      429  ResourceExhausted
//	404       NotFound              499  Canceled
//	501       Unimplemented         503  Unavailable
//	504       DeadlineExceeded
//	other 4xx FailedPrecondition    other 5xx, and anything else: Internal
//
// It is the inverse of grpc-gateway's HTTPStatusFromCode, plus 422 and
// 412. A 409 could be AlreadyExists or Aborted; Aborted is the one a
// conflicting concurrent write means, and an error that means
// AlreadyExists says so with a GRPCStatus method. Code is safe for
// concurrent use.
func Code(httpStatus int) codes.Code {
	switch httpStatus {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return codes.InvalidArgument
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusForbidden:
		return codes.PermissionDenied
	case http.StatusNotFound:
		return codes.NotFound
	case http.StatusConflict:
		return codes.Aborted
	case http.StatusPreconditionFailed:
		return codes.FailedPrecondition
	case http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case 499: // nginx's Client Closed Request, grpc-gateway's Canceled
		return codes.Canceled
	case http.StatusNotImplemented:
		return codes.Unimplemented
	case http.StatusServiceUnavailable:
		return codes.Unavailable
	case http.StatusGatewayTimeout:
		return codes.DeadlineExceeded
	}
	if httpStatus >= 400 && httpStatus < 500 {
		return codes.FailedPrecondition
	}
	return codes.Internal
}

type grpcStatuser interface{ GRPCStatus() *status.Status }

type statusCoder interface{ StatusCode() int }

// Status returns the status an RPC that failed with err answers, and
// whether err's text was hidden, in which case the interceptors report err
// through the Kind (depend.Kind.Report). The first rule that matches wins:
//
//   - nil: nil, an OK.
//   - A panic (depend.ErrPanic): Internal, hidden, even if the panic value
//     carries a status, since a panic is a bug.
//   - An error with a GRPCStatus() *status.Status method anywhere in its
//     chain: that status, unchanged; the wrapping text (depend's build
//     path, for example) is dropped. A nil or OK status does not count,
//     so that a failure (a failed commit, say) never answers OK.
//   - context.Canceled or context.DeadlineExceeded in the chain: Canceled or
//     DeadlineExceeded; the client ended the call, so nothing is hidden.
//   - An error with a StatusCode() int method from 400 to 599 in its chain:
//     Code's code, with that error's own text if it is a 4xx; a 5xx sends
//     only http.StatusText, stricter than depend's HTTP layer, which sends
//     the text of an error that has a StatusCode method: a gRPC client
//     often relays a status message to its own callers.
//   - depend's own failures (depend.ErrNotProvided, ErrNotSupplied,
//     ErrCycle, ErrCaptive, ErrBadProvider, ErrAlreadyProvided, ErrSealed, ErrScopeClosed,
//     ErrContainerClosed, and ErrRequestType): Internal, hidden.
//   - Anything else: Unknown, grpc-go's own code for a plain error, but
//     hidden, where grpc-go would send the text.
//
// Status is safe for concurrent use.
func Status(err error) (st *status.Status, hidden bool) {
	if err == nil {
		return nil, false
	}
	if errors.Is(err, depend.ErrPanic) {
		return status.New(codes.Internal, "internal error"), true
	}
	var gs grpcStatuser
	if errors.As(err, &gs) {
		if st := gs.GRPCStatus(); st != nil && st.Code() != codes.OK { // an error is never an OK
			return st, false
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, context.Canceled.Error()), false
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, context.DeadlineExceeded.Error()), false
	}
	var sc statusCoder
	if errors.As(err, &sc) {
		if code := sc.StatusCode(); code >= 400 && code <= 599 {
			if e, ok := sc.(error); ok && code < 500 {
				return status.New(Code(code), e.Error()), false
			}
			return status.New(Code(code), http.StatusText(code)), true
		}
	}
	for _, wiring := range []error{depend.ErrNotProvided, depend.ErrCycle, depend.ErrCaptive, depend.ErrBadProvider,
		depend.ErrAlreadyProvided, depend.ErrSealed, depend.ErrScopeClosed, depend.ErrContainerClosed, ErrRequestType} {
		if errors.Is(err, wiring) {
			return status.New(codes.Internal, "internal error"), true
		}
	}
	return status.New(codes.Unknown, "unknown error"), true
}
