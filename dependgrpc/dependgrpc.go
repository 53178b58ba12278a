package dependgrpc

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/godepend/depend"
	"google.golang.org/grpc/metadata"
)

// KindName is the name of the Kind that Kind declares, as messages show it.
const KindName = "grpc"

// Call is the RPC that a Scope of the grpc Kind serves; providers take it
// as a parameter. A Call is a plain value, safe for concurrent use as long
// as Request is not mutated.
type Call struct {
	// FullMethod is the RPC's method, "/package.Service/Method".
	FullMethod string
	// Request is the request message of a unary RPC, after decoding; nil
	// for a stream, whose messages the method receives itself.
	Request any
}

// Kind declares on c the Kind "grpc", whose Scopes the interceptors open:
// it supplies metadata.MD (the incoming metadata, empty if the call has
// none) and Call. opts add to the declaration, such as depend.ReportTo,
// where the errors answered without their text go; the interceptors give
// their Scopes the metadata and the Call and nothing else, so do not pass
// depend.Supplies. Call it before the Container is
// sealed, once per Container; a failed declaration is kept by c as a failed
// Provide is (c.Validate reports it) and fails every RPC with
// codes.Internal. Kind is safe for concurrent use.
func Kind(c *depend.Container, opts ...depend.KindOption) *depend.Kind {
	return c.Kind(KindName, append([]depend.KindOption{depend.Supplies[metadata.MD](), depend.Supplies[Call]()}, opts...)...)
}

// ErrRequestType means a provider made by Request[T] was used in a call
// whose request is not a T: a stream, or a unary method of another message
// type. It is the server's wiring mistake, so the RPC fails with
// codes.Internal and the error is reported, not sent.
var ErrRequestType = errors.New("request of another type")

// Request returns a provider of the unary RPC's request message of type T,
// such as *pb.CreateUserRequest, so that other providers can take the
// message as a parameter: c.Provide(dependgrpc.Request[*pb.CreateUserRequest]()).
// In a call whose request is not a T (another method, or a stream) the
// provider fails with ErrRequestType, naming the method and the type it
// carries. The provider is safe for concurrent use.
func Request[T any]() func(Call) (T, error) {
	return func(call Call) (T, error) {
		if m, ok := call.Request.(T); ok {
			return m, nil
		}
		var zero T
		if call.Request == nil {
			return zero, fmt.Errorf("dependgrpc: Request[%v]: %s is a stream, which has no single request; receive its messages from the stream: %w",
				reflect.TypeFor[T](), call.FullMethod, ErrRequestType)
		}
		return zero, fmt.Errorf("dependgrpc: Request[%v]: %s carries a %T; resolve this value only in that method's calls: %w",
			reflect.TypeFor[T](), call.FullMethod, call.Request, ErrRequestType)
	}
}
