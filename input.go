package depend

// Code in this file binds a request's inputs (query, path, header, cookie,
// form and JSON body) into a struct, as a provider: FastAPI's Query(),
// Path(), Header(), Cookie() and Body(), and huma's tagged input structs.
// The binding plan is compiled once per type, when the provider is made; a
// request only parses strings and sets fields.

import (
	"cmp"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Input returns a Provider of T, a struct whose tagged fields are the
// request's inputs. Register it like a provider func:
//
//	type ListNotes struct {
//		Limit  int `query:"limit" default:"20" minimum:"1" maximum:"100"`
//		Offset int `query:"offset" default:"0" minimum:"0"`
//	}
//	c.Provide(depend.Input[ListNotes]())
//
// and take ListNotes as a parameter of a handler or a provider: it is built
// once per request, from the *http.Request, like any Scoped value.
//
// A field's source tag names where it comes from: query:"name",
// path:"name" (r.PathValue, or HTTPOptions.PathValue), header:"Name",
// cookie:"name" or form:"name" (an application/x-www-form-urlencoded body).
// One field may be tagged body:"" to take the JSON body, decoded with
// encoding/json into the field's type; the body field's own tags check a
// body that is a slice or a string, and the fields of a struct body (those
// of structs it embeds included, not those of nested structs) are checked
// with the same constraint tags, named by their json names (a default tag
// is refused there: a missing field of a JSON body is its zero value). A
// null body is a missing one, and data after the JSON value is malformed.
//
// Field types: string, bool, every int, uint and float, time.Time (RFC
// 3339), time.Duration, any encoding.TextUnmarshaler, a slice of these for
// a list (a repeated query or form input; comma-separated values in a
// header, a path or a cookie, as OpenAPI's simple style sends them), and a
// pointer to one for an optional input. A field is
// required unless it is a pointer or a slice, or has a default:"..." tag;
// required:"true" makes any field required.
//
// Constraints, as in JSON Schema and FastAPI: minimum, maximum,
// exclusiveMinimum and exclusiveMaximum (FastAPI's ge, le, gt and lt) for
// numbers; minLength and maxLength for strings (in characters) and slices;
// pattern, a regular expression a string must match; enum, the
// comma-separated values allowed. If T has a Validate() error method, it
// runs after binding, for rules across fields.
//
// Every failing input of the request is reported at once, in an
// *InputError, which answers 422. A Handler binds all the inputs its graph
// reaches before any other provider runs, so a rejected request never
// opens a transaction. A body that is not JSON answers 415, and one larger
// than HTTPOptions.MaxBodyBytes 413. Unknown fields of a JSON body are
// ignored, as FastAPI does.
//
// A tag that is not valid for its field (a constraint on the wrong type, a
// default that does not parse, a pattern that does not compile) makes
// Provide fail with ErrBadProvider. The Provider is immutable and safe for
// concurrent use.
func Input[T any]() Provider {
	t := reflect.TypeFor[T]()
	plan, err := compileInput(t)
	return &inputProvider[T]{plan: plan, err: err}
}

// inputProvider is the Provider Input returns.
type inputProvider[T any] struct {
	plan *inputPlan
	err  error // the plan's compile error, reported by Provide
}

func (ip *inputProvider[T]) funcValue() any {
	return func(*http.Request) (T, error) { // its type is what the graph sees
		var zero T
		return zero, errors.New("depend: an Input is built by its Scope")
	}
}

func (ip *inputProvider[T]) inputPlan() (*inputPlan, error) { return ip.plan, ip.err }

func (ip *inputProvider[T]) call(s *Scope, p *provider) (any, error) {
	req := s.inputs().req
	if req == nil {
		return nil, errNotHTTP(requestType)
	}
	if err := s.started(p); err != nil {
		return nil, err
	}
	var v T
	if err := ip.plan.bind(reflect.ValueOf(&v).Elem(), req, s.c.httpOptions()); err != nil {
		return nil, err
	}
	return v, nil
}

// bindInputs binds the Inputs a handler reaches before any other provider
// runs, so that a rejected request starts nothing, and reports the failures
// of all of them together. The caller has entered s.
func (s *Scope) bindInputs(inputs []dep) error {
	var failed []FieldError
	for _, d := range inputs {
		_, err := s.resolve(d)
		if err == nil {
			continue
		}
		var ie *InputError
		if !errors.As(err, &ie) || ie == nil { // 413, 415, a closed Scope: the answer as it is
			return publicError(err)
		}
		failed = append(failed, ie.Errors...)
	}
	if failed != nil {
		return publicError(&InputError{Errors: failed})
	}
	return nil
}

// InputError reports every request input that could not be bound or did
// not meet its constraints. It answers 422 Unprocessable Entity; the
// default renderer writes it as application/problem+json with an "errors"
// list. It is safe for concurrent use as long as nobody modifies it.
type InputError struct {
	Errors []FieldError
}

// FieldError is one input that failed.
type FieldError struct {
	// Location names the input: "query.limit", "path.id", "header.X-Token",
	// "cookie.session", "form.name", "body" or "body.text".
	Location string `json:"location"`
	Message  string `json:"message"`
	// Value is the offending value when it is safe to echo: a query or
	// path value, which the URL shows anyway. Headers, cookies, forms and
	// bodies can hold credentials (a password that is too short), so
	// their values are never echoed.
	Value any `json:"value,omitempty"`
}

// Error lists the failures, such as "invalid input: query.limit: must be at
// most 100". It is safe for concurrent use.
func (e *InputError) Error() string {
	if e == nil { // a typed nil returned as an error
		return "invalid input"
	}
	var b strings.Builder
	b.WriteString("invalid input")
	for i, f := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Location + ": " + f.Message)
	}
	return b.String()
}

// StatusCode returns 422. It is safe for concurrent use.
func (e *InputError) StatusCode() int { return http.StatusUnprocessableEntity }

// defaultMaxBodyBytes bounds a request body that an Input decodes when
// HTTPOptions.MaxBodyBytes is zero.
const defaultMaxBodyBytes = 1 << 20

// inputPlan is how to bind one struct type.
type inputPlan struct {
	fields   []inputField
	body     *bodyField // the field tagged body, or nil
	form     bool       // some field reads the form
	validate bool       // the type has a Validate() error method
}

// readsBody reports whether binding reads the request's body, which a
// request can give once.
func (p *inputPlan) readsBody() bool { return p.body != nil || p.form }

// inputField is one tagged field of the struct.
type inputField struct {
	index    []int
	in       string // query, path, header, cookie or form
	name     string
	loc      string // in.name, for a FieldError
	required bool
	def      []string // the default, already checked to parse
	conv     *converter
	echo     bool // the value may be echoed in a FieldError
	list     bool // a slice read from a header, path or cookie: comma-separated values
}

// bodyField is the field that takes the JSON body, with the checks of the
// body type's own fields.
type bodyField struct {
	index  []int
	self   constraints // the tags of the body field itself, for a slice or a string
	checks []bodyCheck
}

// bodyCheck is one constrained field of the body's struct.
type bodyCheck struct {
	index    []int
	loc      string // body.name, its json name
	required bool   // a zero value fails
	cons     constraints
}

var validatorType = reflect.TypeFor[interface{ Validate() error }]()

var sources = []string{"query", "path", "header", "cookie", "form"}

func compileInput(t reflect.Type) (*inputPlan, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s: want a struct whose tagged fields are the request's inputs: %w", inputName(t), ErrBadProvider)
	}
	plan := &inputPlan{validate: t.Implements(validatorType) || reflect.PointerTo(t).Implements(validatorType)}
	fields, err := fieldsOf(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", inputName(t), err)
	}
	for _, f := range fields {
		if _, ok := f.Tag.Lookup("body"); ok {
			if plan.body != nil {
				return nil, fmt.Errorf("%s: two fields are tagged body; a request has one body: %w", inputName(t), ErrBadProvider)
			}
			b, err := compileBody(f)
			if err != nil {
				return nil, fmt.Errorf("%s: field %s: %w", inputName(t), f.Name, err)
			}
			plan.body = b
			continue
		}
		in, name := source(f)
		if in == "" {
			continue
		}
		field, err := compileField(f, in, name)
		if err != nil {
			return nil, fmt.Errorf("%s: field %s: %w", inputName(t), f.Name, err)
		}
		plan.form = plan.form || in == "form"
		plan.fields = append(plan.fields, field)
	}
	if plan.form && plan.body != nil {
		return nil, fmt.Errorf("%s: a body field and form fields cannot both read the one body: %w", inputName(t), ErrBadProvider)
	}
	return plan, nil
}

// fieldsOf lists the fields of the struct t that may carry tags, those
// promoted from embedded structs included, so that a reusable Page can be
// embedded in an Input. A field reached through an embedded pointer, which
// is nil in a zero value, is refused.
func fieldsOf(t reflect.Type) ([]reflect.StructField, error) {
	var out []reflect.StructField
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous && f.Tag == "" {
			continue // the embedded struct itself: its fields come next
		}
		for k := 1; k < len(f.Index); k++ {
			if via := t.FieldByIndex(f.Index[:k]); via.Type.Kind() == reflect.Pointer {
				return nil, fmt.Errorf("field %s is reached through the embedded pointer %v, nil in a zero value; embed %v instead: %w", f.Name, via.Type, via.Type.Elem(), ErrBadProvider)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// inputName names the provider of t in messages.
func inputName(t reflect.Type) string { return "Input[" + t.String() + "]" }

// source returns the field's source tag and input name.
func source(f reflect.StructField) (in, name string) {
	for _, s := range sources {
		if name, ok := f.Tag.Lookup(s); ok {
			return s, name
		}
	}
	return "", ""
}

func compileField(f reflect.StructField, in, name string) (inputField, error) {
	if !f.IsExported() {
		return inputField{}, fmt.Errorf("unexported fields cannot be set; export it: %w", ErrBadProvider)
	}
	if name == "" {
		return inputField{}, fmt.Errorf("%s tag names no input; write %s:\"name\": %w", in, in, ErrBadProvider)
	}
	conv, err := newConverter(f.Type, f.Tag)
	if err != nil {
		return inputField{}, err
	}
	field := inputField{index: f.Index, in: in, name: name, loc: in + "." + name, conv: conv, echo: in == "query" || in == "path",
		list: conv.slice && (in == "header" || in == "path" || in == "cookie")}
	if def, ok := f.Tag.Lookup("default"); ok {
		field.def = []string{def}
		switch {
		case conv.slice && def == "":
			field.def = []string{} // an empty list, not one empty item
		case conv.slice:
			field.def = strings.Split(def, ",")
		}
		if msg := conv.convert(field.def, reflect.New(f.Type).Elem()); msg != "" {
			return inputField{}, fmt.Errorf("default %q: %s: %w", def, msg, ErrBadProvider)
		}
	}
	field.required = f.Tag.Get("required") == "true" || field.def == nil && !conv.optional()
	return field, nil
}

func compileBody(f reflect.StructField) (*bodyField, error) {
	if !f.IsExported() {
		return nil, fmt.Errorf("unexported fields cannot be set; export it: %w", ErrBadProvider)
	}
	self, err := compileConstraints(f.Type, f.Tag)
	if err != nil {
		return nil, err
	}
	b := &bodyField{index: f.Index, self: self}
	st := f.Type
	for st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() != reflect.Struct {
		return b, nil
	}
	fields, err := fieldsOf(st)
	if err != nil {
		return nil, err
	}
	for _, sf := range fields {
		if !sf.IsExported() {
			continue
		}
		if _, ok := sf.Tag.Lookup("default"); ok {
			return nil, fmt.Errorf("body field %s: default applies to query, path, header, cookie and form inputs; a JSON body's missing field is its zero value, so drop the tag or set the value in Validate: %w", sf.Name, ErrBadProvider)
		}
		cons, err := compileConstraints(sf.Type, sf.Tag)
		if err != nil {
			return nil, fmt.Errorf("body field %s: %w", sf.Name, err)
		}
		required := sf.Tag.Get("required") == "true"
		if cons.empty() && !required {
			continue
		}
		b.checks = append(b.checks, bodyCheck{index: sf.Index, loc: "body." + jsonName(sf), required: required, cons: cons})
	}
	return b, nil
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" || name == "-" {
		return f.Name
	}
	return name
}

// bind fills v, a settable T, from r, and reports every failure at once.
func (p *inputPlan) bind(v reflect.Value, r *http.Request, o *HTTPOptions) error {
	var errs []FieldError
	var query map[string][]string
	for i := range p.fields {
		f := &p.fields[i]
		var raw []string
		switch f.in {
		case "query":
			if query == nil {
				query = r.URL.Query()
			}
			raw = query[f.name]
		case "path":
			if s := o.pathValue(r, f.name); s != "" {
				raw = []string{s}
			}
		case "header":
			raw = r.Header.Values(f.name)
		case "cookie":
			if c, err := r.Cookie(f.name); err == nil {
				raw = []string{c.Value}
			}
		case "form":
			if err := parseForm(r, o); err != nil {
				return err
			}
			raw = r.PostForm[f.name]
		}
		if f.list {
			raw = splitList(raw)
		}
		if fe, ok := f.set(v, raw); !ok {
			errs = append(errs, fe)
		}
	}
	if p.body != nil {
		if err := p.body.decode(v, r, o, &errs); err != nil {
			return err
		}
	}
	if len(errs) == 0 && p.validate {
		if err := v.Addr().Interface().(interface{ Validate() error }).Validate(); err != nil {
			return validateError(err)
		}
	}
	if errs != nil {
		return &InputError{Errors: errs}
	}
	return nil
}

// splitList splits comma-separated values, as OpenAPI's simple style
// sends an array and as RFC 9110 allows a list header to be written; the
// blanks around items, and empty items, are dropped.
func splitList(raw []string) []string {
	var out []string
	for _, s := range raw {
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// validateError is what a failed Validate method answers: its own
// InputError, its own status, or a 422 with its message at "input". An
// InputError that lists nothing (or a typed nil) still fails.
func validateError(err error) error {
	var ie *InputError
	var sc statusCoder
	switch {
	case errors.As(err, &ie):
		if ie != nil && len(ie.Errors) > 0 {
			return ie
		}
	case errors.As(err, &sc):
		return err // its own status, such as 403
	}
	return &InputError{Errors: []FieldError{{Location: "input", Message: err.Error()}}}
}

// set converts raw into the field, or its default; it reports a failure.
func (f *inputField) set(v reflect.Value, raw []string) (FieldError, bool) {
	if len(raw) == 0 {
		if f.required {
			return FieldError{Location: f.loc, Message: "required"}, false
		}
		if f.def == nil {
			return FieldError{}, true // optional and absent: the zero value
		}
		raw = f.def
	}
	if msg := f.conv.convert(raw, v.FieldByIndex(f.index)); msg != "" {
		fe := FieldError{Location: f.loc, Message: msg}
		if f.echo {
			fe.Value = echo(raw)
		}
		return fe, false
	}
	return FieldError{}, true
}

func echo(raw []string) any {
	if len(raw) == 1 {
		return raw[0]
	}
	return raw
}

func (o *HTTPOptions) pathValue(r *http.Request, name string) string {
	if o.PathValue != nil {
		return o.PathValue(r, name)
	}
	return r.PathValue(name)
}

func (o *HTTPOptions) maxBodyBytes() int64 {
	if o.MaxBodyBytes > 0 {
		return o.MaxBodyBytes
	}
	return defaultMaxBodyBytes
}

// parseForm reads an urlencoded body once per request.
func parseForm(r *http.Request, o *HTTPOptions) error {
	if r.PostForm != nil {
		return nil
	}
	r.PostForm = url.Values{}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	if err := checkContentType(r, "application/x-www-form-urlencoded"); err != nil {
		return err
	}
	// The body only: a malformed query is the query's business, and
	// r.ParseForm would report it here, at "body".
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, o.maxBodyBytes()))
	if err == nil {
		r.PostForm, err = url.ParseQuery(string(b))
	}
	if err != nil {
		return bodyError(err)
	}
	return nil
}

func checkContentType(r *http.Request, want string) error {
	ct := r.Header.Get("Content-Type")
	if ct == want { // the common case, without the map ParseMediaType makes
		return nil
	}
	mt, _, _ := mime.ParseMediaType(ct)
	if mt == want || want == "application/json" && strings.HasSuffix(mt, "+json") {
		return nil
	}
	return &HTTPError{Status: http.StatusUnsupportedMediaType, Message: "Content-Type must be " + want}
}

// bodyError turns a body that could not be read into its answer.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &HTTPError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("the body is larger than %d bytes", tooBig.Limit), Err: err}
	}
	return &InputError{Errors: []FieldError{{Location: "body", Message: err.Error()}}}
}

// decode reads the JSON body into its field and checks the body's fields.
// A body that is missing or malformed is a field error; one of the wrong
// type or too large is returned as the request's answer.
func (b *bodyField) decode(v reflect.Value, r *http.Request, o *HTTPOptions, errs *[]FieldError) error {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		*errs = append(*errs, FieldError{Location: "body", Message: "required"})
		return nil
	}
	if err := checkContentType(r, "application/json"); err != nil {
		return err
	}
	dst := v.FieldByIndex(b.index)
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, o.maxBodyBytes()))
	if err := dec.Decode(dst.Addr().Interface()); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return bodyError(err)
		case errors.Is(err, io.EOF):
			*errs = append(*errs, FieldError{Location: "body", Message: "required"})
		default:
			loc := "body"
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) && typ.Field != "" {
				loc += "." + typ.Field // the field's path, by json names
			}
			*errs = append(*errs, FieldError{Location: loc, Message: jsonMessage(err)})
		}
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		*errs = append(*errs, FieldError{Location: "body", Message: "malformed JSON: data after the value"})
		return nil
	}
	if dst.Kind() == reflect.Pointer && dst.IsNil() { // null
		*errs = append(*errs, FieldError{Location: "body", Message: "required"})
		return nil
	}
	if msg := b.self.check(dst); msg != "" { // a body that is a slice or a string
		*errs = append(*errs, FieldError{Location: "body", Message: msg})
		return nil
	}
	for dst.Kind() == reflect.Pointer {
		if dst.IsNil() {
			return nil
		}
		dst = dst.Elem()
	}
	for i := range b.checks {
		c := &b.checks[i]
		fv := dst.FieldByIndex(c.index)
		if c.required && fv.IsZero() {
			*errs = append(*errs, FieldError{Location: c.loc, Message: "required"})
			continue
		}
		if msg := c.cons.check(fv); msg != "" {
			*errs = append(*errs, FieldError{Location: c.loc, Message: msg}) // a body may hold secrets: not echoed
		}
	}
	return nil
}

// jsonMessage says what is wrong with a body, without Go type names.
func jsonMessage(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("want %s, got %s", kindName(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: unexpected end"
	}
	return "malformed JSON"
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	if isNumber(t.Kind()) {
		return "a number"
	}
	return "another kind of value"
}

// converter turns strings into a value of one field type and checks its
// constraints. It parses straight into the field, so that binding a
// request does not box each value in a reflect.Value of its own.
type converter struct {
	elem  reflect.Type // what one string becomes: typ, its element or its pointee
	slice bool
	ptr   bool
	parse func(s string, dst reflect.Value) string // sets dst, a settable elem, or says why not
	cons  constraints
}

func (c *converter) optional() bool { return c.slice || c.ptr }

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
	textType     = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func newConverter(t reflect.Type, tag reflect.StructTag) (*converter, error) {
	c := &converter{elem: t}
	switch t.Kind() {
	case reflect.Slice:
		if !reflect.PointerTo(t).Implements(textType) {
			c.slice, c.elem = true, t.Elem()
		}
	case reflect.Pointer:
		c.ptr, c.elem = true, t.Elem()
	}
	c.parse = parser(c.elem)
	if c.parse == nil {
		return nil, fmt.Errorf("%v cannot be an input; use a string, bool, number, time.Time, time.Duration, an encoding.TextUnmarshaler, or a slice or pointer of one: %w", t, ErrBadProvider)
	}
	cons, err := compileConstraints(t, tag)
	if err != nil {
		return nil, err
	}
	c.cons = cons
	return c, nil
}

// parser returns how to parse one string into a value of type t, or nil.
// time.Time comes before encoding.TextUnmarshaler, which it implements, for
// its message and to parse without an allocation.
func parser(t reflect.Type) func(string, reflect.Value) string {
	switch {
	case t == timeType: // before TextUnmarshaler, for a clearer message
		return parseTime
	case t == durationType:
		return parseDuration
	case reflect.PointerTo(t).Implements(textType):
		return parseText
	}
	switch t.Kind() {
	case reflect.String:
		return func(s string, dst reflect.Value) string { dst.SetString(s); return "" }
	case reflect.Bool:
		return parseBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return parseInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return parseUint
	case reflect.Float32, reflect.Float64:
		return parseFloat
	}
	return nil
}

func parseText(s string, dst reflect.Value) string {
	if err := dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
		return err.Error()
	}
	return ""
}

// parseTime parses RFC 3339 strictly, as time.Time's UnmarshalText does.
func parseTime(s string, dst reflect.Value) string {
	if err := dst.Addr().Interface().(*time.Time).UnmarshalText([]byte(s)); err != nil {
		return "want an RFC 3339 time, such as 2006-01-02T15:04:05Z"
	}
	return ""
}

func parseDuration(s string, dst reflect.Value) string {
	v, err := time.ParseDuration(s)
	if err != nil {
		return "want a duration, such as 1.5s or 300ms"
	}
	dst.SetInt(int64(v))
	return ""
}

func parseBool(s string, dst reflect.Value) string {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return "want true or false"
	}
	dst.SetBool(v)
	return ""
}

func parseInt(s string, dst reflect.Value) string {
	v, err := strconv.ParseInt(s, 10, dst.Type().Bits())
	if err != nil {
		return numberMessage(err, "an integer")
	}
	dst.SetInt(v)
	return ""
}

func parseUint(s string, dst reflect.Value) string {
	v, err := strconv.ParseUint(s, 10, dst.Type().Bits())
	if err != nil {
		return numberMessage(err, "a non-negative integer")
	}
	dst.SetUint(v)
	return ""
}

func parseFloat(s string, dst reflect.Value) string {
	v, err := strconv.ParseFloat(s, dst.Type().Bits())
	if err != nil {
		return numberMessage(err, "a number")
	}
	if math.IsNaN(v) || math.IsInf(v, 0) { // no bound holds them, and JSON cannot carry them
		return "want a finite number"
	}
	dst.SetFloat(v)
	return ""
}

func numberMessage(err error, want string) string {
	if errors.Is(err, strconv.ErrRange) {
		return "out of range"
	}
	return "want " + want
}

// convert parses raw into dst, a settable value of the field, and checks the
// constraints. It returns a message instead of an error: the caller knows
// the location. After a failure dst holds part of the input; the caller
// drops the whole value.
func (c *converter) convert(raw []string, dst reflect.Value) string {
	if !c.slice {
		s := raw[len(raw)-1] // a repeated scalar: the last one wins
		if !c.ptr {
			return c.convertOne(s, dst)
		}
		p := reflect.New(c.elem)
		if msg := c.convertOne(s, p.Elem()); msg != "" {
			return msg
		}
		dst.Set(p)
		return ""
	}
	dst.SetZero()
	dst.Grow(len(raw)) // the one allocation: the backing array
	dst.SetLen(len(raw))
	for i, s := range raw {
		e := dst.Index(i)
		msg := c.parse(s, e)
		if msg == "" {
			msg = c.cons.checkItem(e)
		}
		if msg != "" {
			return fmt.Sprintf("item %d: %s", i, msg)
		}
	}
	return c.cons.checkLen(len(raw))
}

// convertOne parses s into dst, a settable value of c.elem, and checks it.
func (c *converter) convertOne(s string, dst reflect.Value) string {
	if msg := c.parse(s, dst); msg != "" {
		return msg
	}
	return c.cons.check(dst)
}

// constraints are the checks a field's tags declare. A negative length and
// a nil bound mean none.
type constraints struct {
	min, max             *bound
	exclusiveMin         *bound
	exclusiveMax         *bound
	minLength, maxLength int
	pattern              *regexp.Regexp
	enum                 []reflect.Value // the allowed values, of the field's element type
	enumText             string          // as the tag wrote them, for messages
}

func (c *constraints) empty() bool {
	return c.min == nil && c.max == nil && c.exclusiveMin == nil && c.exclusiveMax == nil &&
		c.minLength < 0 && c.maxLength < 0 && c.pattern == nil && c.enum == nil
}

// bound is a numeric constraint in the field's own kind, so that the
// comparison is exact: an int64 near 2^63, a uint64, a float32.
type bound struct {
	text string // as the tag wrote it, for messages
	i    int64
	u    uint64
	f    float64
}

func parseBound(s string, t reflect.Type) (*bound, error) {
	b := &bound{text: s}
	var err error
	switch {
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		b.i, err = strconv.ParseInt(s, 10, 64)
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		b.u, err = strconv.ParseUint(s, 10, 64)
	default:
		b.f, err = strconv.ParseFloat(s, t.Bits()) // a float32 bound as a float32 field holds it
	}
	return b, err
}

// cmp compares the number v with b: -1, 0 or +1.
func (b *bound) cmp(v reflect.Value) int {
	switch {
	case v.CanInt():
		return cmp.Compare(v.Int(), b.i)
	case v.CanUint():
		return cmp.Compare(v.Uint(), b.u)
	}
	return cmp.Compare(v.Float(), b.f)
}

func isNumber(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Float64 && k != reflect.Uintptr
}

// compileConstraints reads the constraint tags for a field of type t and
// refuses those that cannot apply to it.
func compileConstraints(t reflect.Type, tag reflect.StructTag) (constraints, error) {
	c := constraints{minLength: -1, maxLength: -1}
	elem := t
	for elem.Kind() == reflect.Pointer || elem.Kind() == reflect.Slice && !reflect.PointerTo(elem).Implements(textType) {
		elem = elem.Elem()
	}
	number := isNumber(elem.Kind()) && elem != durationType
	for _, b := range []struct {
		tag string
		dst **bound
	}{{"minimum", &c.min}, {"maximum", &c.max}, {"exclusiveMinimum", &c.exclusiveMin}, {"exclusiveMaximum", &c.exclusiveMax}} {
		s, ok := tag.Lookup(b.tag)
		if !ok {
			continue
		}
		if !number {
			return c, fmt.Errorf("%s applies to numbers, not %v: %w", b.tag, t, ErrBadProvider)
		}
		bd, err := parseBound(s, elem)
		if err != nil {
			return c, fmt.Errorf("%s:%q is not a %v: %w", b.tag, s, elem, ErrBadProvider)
		}
		*b.dst = bd
	}
	lengthOf := elem.Kind() == reflect.String || t.Kind() == reflect.Slice
	for _, b := range []struct {
		tag string
		dst *int
	}{{"minLength", &c.minLength}, {"maxLength", &c.maxLength}} {
		s, ok := tag.Lookup(b.tag)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return c, fmt.Errorf("%s:%q is not a length: %w", b.tag, s, ErrBadProvider)
		}
		if !lengthOf {
			return c, fmt.Errorf("%s applies to strings and slices, not %v: %w", b.tag, t, ErrBadProvider)
		}
		*b.dst = n
	}
	if s, ok := tag.Lookup("pattern"); ok {
		if elem.Kind() != reflect.String {
			return c, fmt.Errorf("pattern applies to strings, not %v: %w", t, ErrBadProvider)
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return c, fmt.Errorf("pattern %q: %v: %w", s, err, ErrBadProvider)
		}
		c.pattern = re
	}
	if s, ok := tag.Lookup("enum"); ok {
		if elem.Kind() != reflect.String && !number {
			return c, fmt.Errorf("enum applies to strings and numbers, not %v: %w", t, ErrBadProvider)
		}
		parse := parser(elem)
		for _, e := range strings.Split(s, ",") {
			v := reflect.New(elem).Elem()
			if msg := parse(e, v); msg != "" {
				return c, fmt.Errorf("enum value %q: %s: %w", e, msg, ErrBadProvider)
			}
			c.enum = append(c.enum, v)
		}
		c.enumText = strings.ReplaceAll(s, ",", ", ")
	}
	return c, nil
}

// check checks one value, a slice's length and elements included.
func (c *constraints) check(v reflect.Value) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice && v.Type() != reflect.TypeFor[[]byte]() {
		if msg := c.checkLen(v.Len()); msg != "" {
			return msg
		}
		for i := range v.Len() {
			if msg := c.checkItem(v.Index(i)); msg != "" {
				return fmt.Sprintf("item %d: %s", i, msg)
			}
		}
		return ""
	}
	return c.checkElem(v)
}

func (c *constraints) checkLen(n int) string {
	switch {
	case c.minLength >= 0 && n < c.minLength:
		return "must have at least " + count(c.minLength, "item")
	case c.maxLength >= 0 && n > c.maxLength:
		return "must have at most " + count(c.maxLength, "item")
	}
	return ""
}

// checkElem checks one scalar value.
func (c *constraints) checkElem(v reflect.Value) string {
	if v.Kind() == reflect.String {
		if msg := c.checkLength(v.String()); msg != "" {
			return msg
		}
	}
	return c.checkItem(v)
}

// checkItem checks a scalar, or an item of a slice, whose lengths are the
// slice's: everything but the string lengths.
func (c *constraints) checkItem(v reflect.Value) string {
	switch {
	case v.Kind() == reflect.String:
		if c.pattern != nil && !c.pattern.MatchString(v.String()) {
			return fmt.Sprintf("must match %s", c.pattern)
		}
	case isNumber(v.Kind()) && v.Type() != durationType:
		if msg := c.checkNumber(v); msg != "" {
			return msg
		}
	default:
		return ""
	}
	if c.enum != nil && !slices.ContainsFunc(c.enum, func(e reflect.Value) bool { return e.Equal(v) }) {
		return "must be one of " + c.enumText
	}
	return ""
}

func (c *constraints) checkLength(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case c.minLength >= 0 && n < c.minLength:
		return "must have at least " + count(c.minLength, "character")
	case c.maxLength >= 0 && n > c.maxLength:
		return "must have at most " + count(c.maxLength, "character")
	}
	return ""
}

func (c *constraints) checkNumber(v reflect.Value) string {
	switch {
	case c.min != nil && c.min.cmp(v) < 0:
		return "must be at least " + c.min.text
	case c.max != nil && c.max.cmp(v) > 0:
		return "must be at most " + c.max.text
	case c.exclusiveMin != nil && c.exclusiveMin.cmp(v) <= 0:
		return "must be greater than " + c.exclusiveMin.text
	case c.exclusiveMax != nil && c.exclusiveMax.cmp(v) >= 0:
		return "must be less than " + c.exclusiveMax.text
	}
	return ""
}

// count says "1 item" or "2 items".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
