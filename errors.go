package depend

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Sentinel errors, matched with [errors.Is]. They are safe for concurrent use.
var (
	// ErrNotProvided means a type was asked for that no provider provides.
	ErrNotProvided = errors.New("not provided")
	// ErrCycle means providers depend on each other in a loop.
	ErrCycle = errors.New("dependency cycle")
	// ErrCaptive means a Singleton depends on a per-request value, which it
	// would capture and then share with every later request.
	ErrCaptive = errors.New("captive dependency")
	// ErrScopeClosed means a Scope was used after Close.
	ErrScopeClosed = errors.New("scope closed")
	// ErrContainerClosed means a Container was used after Close.
	ErrContainerClosed = errors.New("container closed")
	// ErrSealed means Provide was called after the Container started serving
	// scopes: its graph is compiled once, at the first NewScope or Handler.
	ErrSealed = errors.New("container sealed")
	// ErrAlreadyProvided means a second provider was registered for a type.
	ErrAlreadyProvided = errors.New("already provided")
	// ErrBadProvider means Provide was given something that is not a valid
	// provider func, or options that contradict each other.
	ErrBadProvider = errors.New("bad provider")
	// ErrPanic is matched by every [PanicError].
	ErrPanic = errors.New("panic")
	// ErrNotSupplied means a provider needs an input that its Scope's Kind
	// is not given, such as *http.Request in a job. It wraps
	// ErrNotProvided, so errors.Is matches both.
	ErrNotSupplied = fmt.Errorf("not supplied: %w", ErrNotProvided)
)

// BuildError reports that building a value of Type failed. Err is the
// provider's own error, or the BuildError of the dependency that failed, so
// the chain of BuildErrors is the path from the value asked for down to the
// cause: depend: build *Service: build *Tx: connection refused.
//
// A BuildError is immutable and safe for concurrent use.
type BuildError struct {
	Type reflect.Type // the type whose build failed
	Err  error        // the provider's error, or the dependency's BuildError
}

// Error returns "build <Type>: " and Err's message. The "depend: " prefix is
// added once, by the error that leaves the package, so that a chain reads as
// one path. Error is safe for concurrent use.
func (e *BuildError) Error() string {
	msg := fmt.Sprint("build ", e.Type) // a BuildError made by hand may lack Type
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause, so errors.Is and errors.As reach the provider's
// own error. It is safe for concurrent use.
func (e *BuildError) Unwrap() error { return e.Err }

// PanicError is the error a provider's or cleanup's panic becomes. It keeps
// the panic value and the stack of the goroutine that panicked.
//
// A PanicError is immutable and safe for concurrent use.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the stack of the panicking goroutine, as debug.Stack formats it
}

// Error returns "panic: " and the panic value. It is safe for concurrent use.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns ErrPanic and, when the panic value is an error, that error.
// It is safe for concurrent use.
func (e *PanicError) Unwrap() []error {
	if err, ok := e.Value.(error); ok {
		return []error{ErrPanic, err}
	}
	return []error{ErrPanic}
}

// GraphError is one wiring problem found by Validate, Handler or a
// resolution: a missing provider, a cycle or a captive dependency. Err is
// ErrNotProvided, ErrCycle or ErrCaptive; Path is the chain of types that
// leads to the problem, outermost first.
//
// A GraphError is immutable and safe for concurrent use.
type GraphError struct {
	Err    error          // ErrNotProvided, ErrCycle or ErrCaptive
	Path   []reflect.Type // the chain of types to the problem, outermost first
	Detail string         // what is wrong there and how to fix it
}

// Error returns the sentinel's message, the path and the detail, such as
// "not provided: *Service -> *Config: nothing provides *Config; ...". The
// error that leaves the package adds the "depend: " prefix. Error is safe for
// concurrent use.
func (e *GraphError) Error() string {
	var parts []string // a GraphError made by hand may lack any of them
	if e.Err != nil {
		parts = append(parts, e.Err.Error())
	}
	if len(e.Path) > 0 {
		parts = append(parts, formatPath(e.Path))
	}
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	return strings.Join(parts, ": ")
}

// Unwrap returns the sentinel: ErrNotProvided, ErrCycle or ErrCaptive. It is
// safe for concurrent use.
func (e *GraphError) Unwrap() error { return e.Err }

func formatPath(path []reflect.Type) string {
	names := make([]string, len(path))
	for i, t := range path {
		names[i] = t.String()
	}
	return strings.Join(names, " -> ")
}

// publicError prefixes an error that leaves the package with "depend: ".
// Errors inside the package are kept bare so that nesting reads as one path.
func publicError(err error) error {
	if err == nil {
		return nil
	}
	return &prefixed{err}
}

type prefixed struct{ err error }

func (e *prefixed) Error() string { return "depend: " + e.err.Error() }
func (e *prefixed) Unwrap() error { return e.err }
