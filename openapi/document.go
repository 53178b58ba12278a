package openapi

// Code in this file is the OpenAPI 3.1 document model: the subset of the
// specification that New writes, as plain values that a program may change
// before serving them.

// Version is the OpenAPI version of the documents New makes.
const Version = "3.1.0"

// Document is an OpenAPI 3.1 document. New makes one; it is plain data, safe
// for concurrent reads, and a program may change it before serving it.
type Document struct {
	OpenAPI    string              `json:"openapi"`
	Info       Info                `json:"info"`
	Servers    []Server            `json:"servers,omitempty"`
	Paths      map[string]PathItem `json:"paths"`
	Components *Components         `json:"components,omitempty"`
}

// Info is the document's metadata; Title and Version are required.
type Info struct {
	Title       string `json:"title"`
	Version     string `json:"version"` // the API's version, not OpenAPI's
	Description string `json:"description,omitempty"`
}

// Server is a base URL of the API.
type Server struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
}

// PathItem holds the operations of one path, by lower-case method.
type PathItem map[string]*Operation

// Operation is one method on one path.
type Operation struct {
	OperationID string                `json:"operationId,omitempty"`
	Summary     string                `json:"summary,omitempty"`
	Description string                `json:"description,omitempty"`
	Tags        []string              `json:"tags,omitempty"`
	Deprecated  bool                  `json:"deprecated,omitempty"`
	Parameters  []*Parameter          `json:"parameters,omitempty"`
	RequestBody *RequestBody          `json:"requestBody,omitempty"`
	Responses   map[string]*Response  `json:"responses"`
	Security    []map[string][]string `json:"security,omitempty"`
}

// Parameter is one query, path, header or cookie input.
type Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema"`
}

// RequestBody is an operation's body, by media type.
type RequestBody struct {
	Description string               `json:"description,omitempty"`
	Required    bool                 `json:"required,omitempty"`
	Content     map[string]MediaType `json:"content"`
}

// MediaType is the schema of a body in one media type.
type MediaType struct {
	Schema *Schema `json:"schema,omitempty"`
}

// Response is one response of an operation; Content is empty for a
// response without a body.
type Response struct {
	Description string               `json:"description"`
	Content     map[string]MediaType `json:"content,omitempty"`
}

// Components holds the named schemas and the security schemes.
type Components struct {
	Schemas         map[string]*Schema         `json:"schemas,omitempty"`
	SecuritySchemes map[string]*SecurityScheme `json:"securitySchemes,omitempty"`
}

// SecurityScheme is how a request proves who sends it. Bearer and APIKey
// make the common ones.
type SecurityScheme struct {
	Type             string `json:"type"` // "http", "apiKey", "openIdConnect", ...
	Description      string `json:"description,omitempty"`
	Name             string `json:"name,omitempty"`   // apiKey: the header, query parameter or cookie
	In               string `json:"in,omitempty"`     // apiKey: "header", "query" or "cookie"
	Scheme           string `json:"scheme,omitempty"` // http: "bearer", "basic", ...
	BearerFormat     string `json:"bearerFormat,omitempty"`
	OpenIDConnectURL string `json:"openIdConnectUrl,omitempty"`
}
