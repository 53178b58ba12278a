package openapi

// Code in this file builds a Document from a Container's routes: one walk
// over each route's Reach, FastAPI's get_openapi_path.

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/godepend/depend"
)

// New describes the routes registered with c's Handle as an OpenAPI 3.1
// document. It reads the compiled graph once and touches no request: call
// it at startup, once the routes are registered, and serve the result.
//
// It fails, with every problem joined, when a route cannot be described: a
// pattern without a method, a path input that the pattern lacks, a route
// annotation given to a provider, a status out of range, two schemes under
// one name, or two operations with one id. It is safe for concurrent use.
func New(c *depend.Container, info Info) (*Document, error) {
	if c == nil {
		return nil, errors.New("openapi: New(nil, ...): pass the Container whose routes to describe")
	}
	if info.Title == "" || info.Version == "" {
		return nil, errors.New("openapi: Info needs a Title and a Version (the API's, such as \"1.0.0\")")
	}
	g := &generator{
		doc:      &Document{OpenAPI: Version, Info: info, Paths: map[string]PathItem{}},
		schemas:  newSchemas(),
		bodies:   newInputSchemas(),
		ids:      map[string]bool{},
		explicit: map[string]bool{},
		shapes:   map[string]string{},
		schemes:  map[string]SecurityScheme{},
	}
	routes := c.Routes()
	g.reserveIDs(routes)
	for _, r := range routes {
		if err := g.route(r); err != nil {
			g.errs = append(g.errs, fmt.Errorf("openapi: %s %s (%s): %w", r.Method, r.Pattern, r.Handler, err))
		}
	}
	if err := errors.Join(g.errs...); err != nil {
		return nil, err
	}
	if err := g.finish(); err != nil {
		return nil, err
	}
	if _, err := json.Marshal(g.doc); err != nil {
		return nil, fmt.Errorf("openapi: the document cannot be encoded as JSON: %w", err)
	}
	return g.doc, nil
}

// generator is the state of one New call.
type generator struct {
	doc      *Document
	schemas  *schemas                  // of responses
	bodies   *schemas                  // of request bodies
	ids      map[string]bool           // operation ids taken
	explicit map[string]bool           // ids given once with OperationID, kept for their routes
	shapes   map[string]string         // method and path with unnamed parameters -> the path documented
	schemes  map[string]SecurityScheme // by name, from Security
	errs     []error
}

var problemType = reflect.TypeFor[depend.Problem]()

// methods are the operations a Path Item can hold.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// ignoredHeaders are the header parameters that OpenAPI 3.1 says tools
// SHALL ignore: content negotiation and Authorization, which Security
// describes.
var ignoredHeaders = []string{"Accept", "Content-Type", "Authorization"}

// route adds the operation of r.
func (g *generator) route(r depend.Route) error {
	if r.Method == "" {
		return fmt.Errorf("the pattern has no method, so the route answers every method; write it as \"GET %s\" (or another method) to document it", r.Pattern)
	}
	method := strings.ToLower(r.Method)
	if !slices.Contains(methods, method) {
		return fmt.Errorf("OpenAPI 3.1 documents the methods GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH and TRACE, not %s; serve it without Handle to leave it out", r.Method)
	}
	path, names := templatePath(r.Pattern)
	// Paths that differ only in their parameters' names are the same path
	// to OpenAPI: /a/{x} and /a/{y}.
	shape := method + " " + path
	for _, name := range names {
		shape = strings.Replace(shape, "{"+name+"}", "{}", 1)
	}
	if prev, ok := g.shapes[shape]; ok {
		return fmt.Errorf("another route already documents %s %s, the same path to OpenAPI as %s", r.Method, path, prev)
	}
	g.shapes[shape] = path
	op := &Operation{Responses: map[string]*Response{}}
	n, err := g.notes(r)
	if err != nil {
		return err
	}
	in, err := g.inputs(r.Reach, names)
	if err != nil {
		return err
	}
	op.Parameters, op.RequestBody = in.params, in.body
	if err := g.identify(op, r, n); err != nil {
		return err
	}
	if err := g.respond(op, r, n, in); err != nil {
		return err
	}
	if g.doc.Paths[path] == nil {
		g.doc.Paths[path] = PathItem{}
	}
	g.doc.Paths[path][method] = op
	return nil
}

// templatePath turns a ServeMux or chi pattern into an OpenAPI path
// template, and lists its parameters: a host is dropped, {name...} and
// chi's {name:regexp} become {name}, and {$} goes.
func templatePath(pattern string) (string, []string) {
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:] // after a host
	}
	var b strings.Builder
	var names []string
	for {
		open := strings.IndexByte(pattern, '{')
		end := closing(pattern, open)
		if open < 0 || end < 0 {
			b.WriteString(pattern)
			return b.String(), names
		}
		b.WriteString(pattern[:open])
		name, _, _ := strings.Cut(pattern[open+1:end], ":")
		name = strings.TrimSuffix(name, "...")
		if name != "$" {
			names = append(names, name)
			b.WriteString("{" + name + "}")
		}
		pattern = pattern[end+1:]
	}
}

// closing returns the index of the brace that closes the one at open,
// counting the braces of a regexp such as {id:[0-9]{3}}, or -1.
func closing(s string, open int) int {
	if open < 0 {
		return -1
	}
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// notes are the annotations that shape one operation.
type notes struct {
	summary, description, id string
	tags                     []string
	deprecated               bool
	status                   int
	failures                 map[int][]string // status -> descriptions, deduplicated
	security                 []string         // scheme names, sorted
}

// notes gathers the route's annotations and those of every provider it
// reaches.
func (g *generator) notes(r depend.Route) (notes, error) {
	n := notes{failures: map[int][]string{}}
	var errs []error
	for _, v := range r.Notes {
		errs = append(errs, n.add(g, v, ""))
	}
	for _, node := range r.Reach {
		for _, v := range node.Notes {
			errs = append(errs, n.add(g, v, node.Name))
		}
	}
	slices.Sort(n.security)
	n.security = slices.Compact(n.security)
	return n, errors.Join(errs...)
}

// add records one annotation; provider names the provider it was given
// to, or is "" for the route's own.
func (n *notes) add(g *generator, v any, provider string) error {
	switch v := v.(type) {
	case failure:
		if v.status < 400 || v.status > 599 {
			return fmt.Errorf("Fails(%d): a failure is a 4xx or 5xx status; the success response comes from the handler (or Status)", v.status)
		}
		if !slices.Contains(n.failures[v.status], v.description) {
			n.failures[v.status] = append(n.failures[v.status], v.description)
		}
		return nil
	case security:
		return n.secure(g, v)
	case summary, description, operationID, tags, deprecated, status:
		if provider != "" {
			return fmt.Errorf("%T annotates a route (pass it to Handle), but was given to Provide %s", v, provider)
		}
	default:
		return nil // another tool's annotation
	}
	switch v := v.(type) {
	case summary:
		n.summary = string(v)
	case description:
		n.description = string(v)
	case operationID:
		n.id = string(v)
	case tags:
		n.tags = append(n.tags, v...)
	case deprecated:
		n.deprecated = true
	case status:
		if err := checkStatus(int(v)); err != nil {
			return fmt.Errorf("Status: %w", err)
		}
		n.status = int(v)
	}
	return nil
}

func (n *notes) secure(g *generator, s security) error {
	if s.name == "" || s.scheme.Type == "" {
		return fmt.Errorf("Security(%q, %+v): name the scheme and give it a type, as Bearer() does", s.name, s.scheme)
	}
	if prev, ok := g.schemes[s.name]; ok && prev != s.scheme {
		return fmt.Errorf("two security schemes are named %q: %+v and %+v; give them distinct names", s.name, prev, s.scheme)
	}
	g.schemes[s.name] = s.scheme
	n.security = append(n.security, s.name)
	return nil
}

// inputs are an operation's parameters and body.
type inputs struct {
	params []*Parameter
	body   *RequestBody
	bound  bool // an Input binds some of them, so a request can be refused with 422
}

// inputs gathers the parameters and the body of every Input in reach. A
// parameter is listed once per place and name, required if any Input
// requires it; names are the path template's parameters.
func (g *generator) inputs(reach []depend.Node, names []string) (inputs, error) {
	var in inputs
	var form *Schema
	var errs []error
	for _, node := range reach {
		for _, f := range node.Inputs {
			in.bound = true
			switch f.In {
			case "body":
				t := f.Field.Type
				for t.Kind() == reflect.Pointer {
					t = t.Elem() // a null body is a missing one, refused
				}
				s := g.bodies.field(t, f.Field.Tag)
				if s == nil {
					errs = append(errs, fmt.Errorf("%s: the body's type %v cannot be decoded from JSON", node.Name, f.Field.Type))
					continue
				}
				in.body = &RequestBody{Required: true, Content: map[string]MediaType{"application/json": {Schema: s}}}
			case "form":
				var err error
				if form, err = g.formField(form, f); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", node.Name, err))
				}
			case "path":
				if !slices.Contains(names, f.Name) {
					errs = append(errs, fmt.Errorf("%s reads the path parameter %q, which the pattern does not have", node.Name, f.Name))
					continue
				}
				f.Required = true // a path always has its parameters
				fallthrough
			default:
				var err error
				if in.params, err = g.param(in.params, f); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", node.Name, err))
				}
			}
		}
	}
	for _, name := range names {
		if !slices.ContainsFunc(in.params, func(p *Parameter) bool { return p.In == "path" && p.Name == name }) {
			in.params = append(in.params, &Parameter{Name: name, In: "path", Required: true, Schema: &Schema{Type: "string"}})
		}
	}
	if form != nil {
		in.body = &RequestBody{Required: form.Required != nil, Content: map[string]MediaType{"application/x-www-form-urlencoded": {Schema: form}}}
	}
	return in, errors.Join(errs...)
}

// param adds f to params, or merges it with the parameter of the same place
// and name: the first schema stays, and required wins.
func (g *generator) param(params []*Parameter, f depend.InputField) ([]*Parameter, error) {
	name := f.Name
	if f.In == "header" {
		name = http.CanonicalHeaderKey(name)
		if slices.Contains(ignoredHeaders, name) {
			return params, nil // OpenAPI ignores it; Security documents Authorization
		}
	}
	s, err := g.text(f)
	if err != nil {
		return params, err
	}
	for _, p := range params {
		if p.In == f.In && p.Name == name {
			if !sameSchema(p.Schema, s) {
				return params, fmt.Errorf("field %s reads the %s parameter %q that another Input reads with other types or constraints; depend checks both, so read it in one Input and share that", f.Field.Name, f.In, name)
			}
			p.Required = p.Required || f.Required
			return params, nil
		}
	}
	return append(params, &Parameter{Name: name, In: f.In, Required: f.Required, Description: f.Field.Tag.Get("description"), Schema: s}), nil
}

// sameSchema reports whether two schemas say the same.
func sameSchema(a, b *Schema) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// text returns the schema of an input that the request carries as text.
func (g *generator) text(f depend.InputField) (*Schema, error) {
	s := g.schemas.param(f.Field.Type, f.Field.Tag)
	if s == nil {
		return nil, fmt.Errorf("field %s: %v cannot be described as a %s parameter", f.Field.Name, f.Field.Type, f.In)
	}
	return s, nil
}

// formField adds f to the schema of a form body.
func (g *generator) formField(form *Schema, f depend.InputField) (*Schema, error) {
	if form == nil {
		form = &Schema{Type: "object"}
	}
	if form.Properties.Get(f.Name) != nil {
		return form, nil
	}
	s, err := g.text(f)
	if err != nil {
		return form, err
	}
	s.Description = f.Field.Tag.Get("description")
	form.Properties = append(form.Properties, Property{Name: f.Name, Schema: s})
	if f.Required {
		form.Required = append(form.Required, f.Name)
	}
	return form, nil
}

// reserveIDs takes the ids given with OperationID before any is made up,
// so that a generated id gives way to an explicit one whatever the order
// of the routes; an id given twice stays free, for identify to refuse.
func (g *generator) reserveIDs(routes []depend.Route) {
	given := map[string]int{}
	for _, r := range routes {
		for _, v := range r.Notes {
			if id, ok := v.(operationID); ok {
				given[string(id)]++
			}
		}
	}
	for id, n := range given {
		if n == 1 {
			g.explicit[id] = true
		}
	}
}

// identify sets the operation's id, summary, description and tags. An id
// not given is the handler func's name, or the method and path when the
// func has no name of its own or the name is taken.
func (g *generator) identify(op *Operation, r depend.Route, n notes) error {
	op.Summary, op.Description, op.Tags, op.Deprecated = n.summary, n.description, n.tags, n.deprecated
	taken := func(id string) bool { return g.ids[id] || g.explicit[id] }
	if n.id != "" {
		if !g.explicit[n.id] {
			return fmt.Errorf("OperationID %q is given to another operation too; ids are unique in a document", n.id)
		}
		op.OperationID = n.id
	} else if name := funcName(r.Handler); name != "" && !taken(name) {
		op.OperationID = name
		if op.Summary == "" {
			op.Summary = sentence(name)
		}
	} else {
		op.OperationID = pathID(r.Method, r.Pattern)
		for i := 2; taken(op.OperationID); i++ {
			op.OperationID = fmt.Sprintf("%s_%d", pathID(r.Method, r.Pattern), i)
		}
	}
	g.ids[op.OperationID] = true
	return nil
}

// funcName returns the name of the func Route.Handler names, or "" for a
// func literal (main.wire.func1) or a method value.
func funcName(handler string) string {
	name, _, _ := strings.Cut(handler, " (")
	name = name[strings.LastIndexByte(name, '/')+1:]
	parts := strings.Split(name, ".")
	last := parts[len(parts)-1]
	if len(parts) != 2 || last == "" || strings.HasPrefix(last, "func") || strings.HasSuffix(last, "-fm") {
		return ""
	}
	return last
}

// sentence turns a func's name into a summary: listNotes is "List notes".
func sentence(name string) string {
	var words []string
	start := 0
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(rune(name[i-1])) {
			words = append(words, name[start:i])
			start = i
		}
	}
	words = append(words, name[start:])
	for i, w := range words {
		if i > 0 && strings.ToUpper(w) != w {
			words[i] = strings.ToLower(w)
		}
	}
	s := strings.Join(words, " ")
	first, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(first)) + s[size:]
}

// pathID makes an operation id of a method and a pattern: get_notes_id.
func pathID(method, pattern string) string {
	path, _ := templatePath(pattern)
	id := strings.ToLower(method) + "_" + strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return '_'
	}, path)
	for strings.Contains(id, "__") {
		id = strings.ReplaceAll(id, "__", "_")
	}
	if id = strings.TrimSuffix(id, "_"); !strings.Contains(id, "_") {
		id += "_root" // GET /
	}
	return id
}

// respond adds the success response (a body of any type for a handler
// that writes its own), 422 (and 413 and 415 for a body) when
// the route has inputs, the declared failures, and the security.
func (g *generator) respond(op *Operation, r depend.Route, n notes, in inputs) error {
	ok := &Response{}
	code := "default"
	if n.status != 0 && r.Status != 0 && n.status != r.Status {
		return fmt.Errorf("Status(%d) contradicts the handler, which always answers %d; drop it, or return a depend.Response to choose the status", n.status, r.Status)
	}
	st := cmp.Or(n.status, r.Status)
	switch {
	case st != 0:
		code, ok.Description = fmt.Sprint(st), http.StatusText(st)
	case r.Body != nil:
		return fmt.Errorf("the handler returns %v, whose status is chosen at run time (by a depend.Response or a StatusCode method); give the route openapi.Status with the status it answers", r.Body)
	default:
		ok.Description = "Success, with a status and a body that the handler writes itself"
	}
	switch {
	case code == "204" || code == "304":
	case r.Body != nil:
		s := g.schemas.of(r.Body)
		if s == nil {
			return fmt.Errorf("the handler's result %v cannot be encoded as JSON", r.Body)
		}
		ok.Content = map[string]MediaType{"application/json": {Schema: s}}
	case r.Status == 0:
		// The handler writes the response itself (it takes the
		// ResponseWriter or the Scope), so its body may be of any type.
		ok.Content = map[string]MediaType{"*/*": {}}
	}
	op.Responses[code] = ok
	if in.bound {
		g.problem(op, http.StatusUnprocessableEntity, "The request's inputs are invalid; errors lists each one")
	}
	if in.body != nil {
		g.problem(op, http.StatusRequestEntityTooLarge, "The body is larger than the server accepts")
		g.problem(op, http.StatusUnsupportedMediaType, "The body is not of the media type the operation takes")
	}
	for st, desc := range n.failures {
		g.problem(op, st, strings.Join(desc, "; "))
	}
	if n.security != nil {
		req := map[string][]string{}
		for _, name := range n.security {
			req[name] = []string{}
		}
		op.Security = []map[string][]string{req}
	}
	return nil
}

// problem adds an error response written as depend.Problem.
func (g *generator) problem(op *Operation, status int, description string) {
	op.Responses[fmt.Sprint(status)] = &Response{Description: description, Content: map[string]MediaType{
		"application/problem+json": {Schema: g.schemas.of(problemType)},
	}}
}

// finish adds the components that the operations refer to.
func (g *generator) finish() error {
	c := &Components{Schemas: g.schemas.components()}
	for name, s := range g.bodies.components() {
		if c.Schemas[name] != nil {
			return fmt.Errorf("openapi: two types have the component name %q; rename one of them", name)
		}
		c.Schemas[name] = s
	}
	if len(g.schemes) > 0 {
		c.SecuritySchemes = map[string]*SecurityScheme{}
		for name, s := range g.schemes {
			c.SecuritySchemes[name] = &s
		}
	}
	if len(c.Schemas) > 0 || c.SecuritySchemes != nil {
		g.doc.Components = c
	}
	return nil
}
