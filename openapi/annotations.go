package openapi

// Code in this file is what users attach to routes and providers: values
// that depend keeps as Annotations and New reads.

import (
	"fmt"
	"slices"

	"github.com/godepend/depend"
)

// The values behind the Annotations; each kind says where it applies.
type (
	summary     string // route
	description string // route
	operationID string // route
	tags        []string
	deprecated  struct{}
	status      int // route: the success status
	// failure is an error response that a route or a provider declares.
	failure struct {
		status      int
		description string
	}
	// security is a scheme that a provider checks.
	security struct {
		name   string
		scheme SecurityScheme
	}
)

// Summary returns an Annotation for Handle: the operation's summary, a
// short line. It is safe for concurrent use.
func Summary(s string) depend.Annotation { return depend.Annotate(summary(s)) }

// Description returns an Annotation for Handle: the operation's
// description, which may be CommonMark. It is safe for concurrent use.
func Description(s string) depend.Annotation { return depend.Annotate(description(s)) }

// OperationID returns an Annotation for Handle: the operation's id, unique
// in the document, which client generators name methods after. It is safe
// for concurrent use.
func OperationID(id string) depend.Annotation { return depend.Annotate(operationID(id)) }

// Tags returns an Annotation for Handle: the tags that group the
// operation in a rendered document. It is safe for concurrent use.
func Tags(t ...string) depend.Annotation { return depend.Annotate(tags(slices.Clone(t))) }

// Deprecated returns an Annotation for Handle that marks the operation
// deprecated. It is safe for concurrent use.
func Deprecated() depend.Annotation { return depend.Annotate(deprecated{}) }

// Status returns an Annotation for Handle: the status of the operation's
// success response, for handlers whose signature does not decide it: one
// that returns a depend.Response (Status(201) for depend.Created), a value
// with a StatusCode method, or one that writes the response itself. It is
// safe for concurrent use.
func Status(code int) depend.Annotation { return depend.Annotate(status(code)) }

// Fails returns an Annotation, for Provide or for Handle, that declares an
// error response, a 4xx or 5xx status: every operation that reaches the provider, or the route,
// documents status with description and the depend.Problem schema, as
// depend writes errors. An auth provider declares its 401:
//
//	c.Provide(authenticate, openapi.Fails(401, "no or unknown bearer token"))
//
// It is safe for concurrent use.
func Fails(status int, description string) depend.Annotation {
	return depend.Annotate(failure{status, description})
}

// Security returns an Annotation for Provide: the provider checks the
// security scheme, registered in the document's components under name, and
// every operation that reaches it requires it. Given to Handle, it applies
// to that route alone. It is safe for concurrent use.
//
//	c.Provide(authenticate, openapi.Security("bearer", openapi.Bearer()))
func Security(name string, scheme SecurityScheme) depend.Annotation {
	return depend.Annotate(security{name, scheme})
}

// Bearer returns the scheme of a bearer token in the Authorization header
// (RFC 6750). It is safe for concurrent use.
func Bearer() SecurityScheme { return SecurityScheme{Type: "http", Scheme: "bearer"} }

// APIKey returns the scheme of an API key in the header, query parameter or
// cookie (in) called name. It is safe for concurrent use.
func APIKey(in, name string) SecurityScheme {
	return SecurityScheme{Type: "apiKey", In: in, Name: name}
}

func checkStatus(code int) error {
	if code < 100 || code > 599 {
		return fmt.Errorf("status %d is not an HTTP status; pass 100 to 599", code)
	}
	return nil
}
