package main

// The tests in this file prove the demo's OpenAPI document: a real OpenAPI
// 3.1 validator accepts it, it says what the issue asks for, and it agrees
// with the server both ways. Every request it allows, the demo serves with
// a response the document describes; every request that breaks one of its
// constraints, the demo refuses with a 422 naming the input.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/godepend/depend"
	"github.com/godepend/depend/openapi"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aliceToken is a bearer token that start's demo knows.
const aliceToken = "secret-alice"

// The document, as far as these tests read it.
type (
	oaDoc struct {
		Paths      map[string]map[string]*oaOp `json:"paths"`
		Components struct {
			Schemas         map[string]*oaSchema         `json:"schemas"`
			SecuritySchemes map[string]map[string]string `json:"securitySchemes"`
		} `json:"components"`
	}
	oaOp struct {
		OperationID string     `json:"operationId"`
		Parameters  []*oaParam `json:"parameters"`
		RequestBody *struct {
			Required bool                   `json:"required"`
			Content  map[string]oaMediaType `json:"content"`
		} `json:"requestBody"`
		Responses map[string]struct {
			Content map[string]oaMediaType `json:"content"`
		} `json:"responses"`
		Security []map[string][]string `json:"security"`
	}
	oaParam struct {
		Name     string    `json:"name"`
		In       string    `json:"in"`
		Required bool      `json:"required"`
		Schema   *oaSchema `json:"schema"`
	}
	oaMediaType struct {
		Schema *oaSchema `json:"schema"`
	}
	oaSchema struct {
		Ref              string               `json:"$ref"`
		Type             any                  `json:"type"`
		Default          any                  `json:"default"`
		Enum             []any                `json:"enum"`
		Minimum          *float64             `json:"minimum"`
		Maximum          *float64             `json:"maximum"`
		ExclusiveMinimum *float64             `json:"exclusiveMinimum"`
		ExclusiveMaximum *float64             `json:"exclusiveMaximum"`
		MinLength        *int                 `json:"minLength"`
		MaxLength        *int                 `json:"maxLength"`
		Pattern          string               `json:"pattern"`
		MinItems         *int                 `json:"minItems"`
		Items            *oaSchema            `json:"items"`
		Properties       map[string]*oaSchema `json:"properties"`
		Required         []string             `json:"required"`
		AnyOf            []*oaSchema          `json:"anyOf"`
	}
)

// spec is the demo's document: its bytes, read, and a validator of it.
type spec struct {
	raw []byte
	doc *oaDoc
	v   validator.Validator
}

// fetchSpec gets GET /openapi.json from the demo and builds its validator.
func fetchSpec(t *testing.T, d *demo) *spec {
	t.Helper()
	res, body := d.send("GET", "/openapi.json", "")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	require.Equal(t, "application/json", res.Header.Get("Content-Type"))
	var doc oaDoc
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	v := newValidator(t, []byte(body))
	return &spec{raw: []byte(body), doc: &doc, v: v}
}

func newValidator(t *testing.T, raw []byte) validator.Validator {
	t.Helper()
	d, err := libopenapi.NewDocument(raw)
	require.NoError(t, err)
	v, errs := validator.NewValidator(d)
	require.Empty(t, errs, "the validator cannot read the document")
	return v
}

// describe lists validation errors one a line, with their schema failures.
func describe(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n- %s %s: %s: %s", e.RequestMethod, e.RequestPath, e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    %s at %s (%s)", f.Reason, f.FieldPath, f.KeywordLocation)
		}
	}
	return b.String()
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	d := start(t, ":memory:")
	s := fetchSpec(t, d)
	ok, errs := s.v.ValidateDocument()
	assert.True(t, ok, "the document breaks the OpenAPI 3.1 schema:%s", describe(errs))
	assert.Empty(t, errs, describe(errs))

	// The validator does check: the same document with a parameter in no
	// place OpenAPI knows is refused.
	var broken map[string]any
	require.NoError(t, json.Unmarshal(s.raw, &broken))
	get := broken["paths"].(map[string]any)["/notes"].(map[string]any)["get"].(map[string]any)
	get["parameters"].([]any)[0].(map[string]any)["in"] = "nowhere"
	raw, err := json.Marshal(broken)
	require.NoError(t, err)
	ok, errs = newValidator(t, raw).ValidateDocument()
	assert.False(t, ok, "a parameter in \"nowhere\" passes the validator")
	assert.NotEmpty(t, errs)
}

// resolve follows a $ref to its component; keywords beside the $ref (draft
// 2020-12 applies them too) are laid over the component's.
func (d *oaDoc) resolve(s *oaSchema) *oaSchema {
	if s == nil || s.Ref == "" {
		return s
	}
	name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/")
	target := d.Components.Schemas[name]
	if !ok || target == nil {
		panic("unresolved $ref " + s.Ref)
	}
	out := *d.resolve(target)
	over, base := reflect.ValueOf(s).Elem(), reflect.ValueOf(&out).Elem()
	for i := range over.NumField() {
		if f := over.Field(i); !f.IsZero() && over.Type().Field(i).Name != "Ref" {
			base.Field(i).Set(f)
		}
	}
	return &out
}

// typeOf returns the schema's JSON type, the non-null one of a nullable
// type, or "" for none.
func (d *oaDoc) typeOf(s *oaSchema) string {
	s = d.resolve(s)
	switch typ := s.Type.(type) {
	case string:
		return typ
	case []any:
		for _, x := range typ {
			if x != "null" {
				return x.(string)
			}
		}
	}
	for _, a := range s.AnyOf {
		if typ := d.typeOf(a); typ != "null" && typ != "" {
			return typ
		}
	}
	return ""
}

func (d *oaDoc) op(method, path string) *oaOp {
	return d.Paths[path][strings.ToLower(method)]
}

func TestOpenAPIIssueChecks(t *testing.T) {
	d := start(t, ":memory:")
	s := fetchSpec(t, d)

	t.Run("GET /notes pages with limit and offset, as ListNotes' tags say", func(t *testing.T) {
		op := s.doc.op("GET", "/notes")
		require.NotNil(t, op)
		f := func(v float64) *float64 { return &v }
		for _, tt := range []struct {
			field             string
			def               float64
			minimum, maximum  *float64
			minTag, maxTagged string
		}{
			{field: "Limit", def: 20, minimum: f(1), maximum: f(100)},
			{field: "Offset", def: 0, minimum: f(0)},
		} {
			sf, ok := reflect.TypeFor[ListNotes]().FieldByName(tt.field)
			require.True(t, ok)
			name := sf.Tag.Get("query")
			i := slices.IndexFunc(op.Parameters, func(p *oaParam) bool { return p.In == "query" && p.Name == name })
			require.NotEqual(t, -1, i, "no query parameter %q", name)
			p := op.Parameters[i]
			assert.False(t, p.Required, "%s has a default", name)
			assert.Equal(t, "integer", s.doc.typeOf(p.Schema))
			assert.Equal(t, tt.def, p.Schema.Default, name)
			assert.Equal(t, sf.Tag.Get("default"), fmt.Sprint(p.Schema.Default), "%s: the default tag", name)
			assert.Equal(t, tt.minimum, p.Schema.Minimum, name)
			assert.Equal(t, tt.maximum, p.Schema.Maximum, name)
			assert.Equal(t, sf.Tag.Get("minimum"), num(p.Schema.Minimum), "%s: the minimum tag", name)
			assert.Equal(t, sf.Tag.Get("maximum"), num(p.Schema.Maximum), "%s: the maximum tag", name)
		}
		assert.Len(t, op.Parameters, 2)
	})

	t.Run("POST /notes takes its JSON body", func(t *testing.T) {
		op := s.doc.op("POST", "/notes")
		require.NotNil(t, op)
		require.NotNil(t, op.RequestBody)
		assert.True(t, op.RequestBody.Required)
		require.Contains(t, op.RequestBody.Content, "application/json")
		body := s.doc.resolve(op.RequestBody.Content["application/json"].Schema)
		assert.Equal(t, "object", body.Type)
		assert.Contains(t, body.Required, "text")
		text := s.doc.resolve(body.Properties["text"])
		require.NotNil(t, text)
		assert.Equal(t, "string", text.Type)
		assert.Equal(t, new(1), text.MinLength)
		assert.Equal(t, new(280), text.MaxLength)
		assert.Equal(t, `\S`, text.Pattern)
		assert.Contains(t, op.Responses, "201")
		assert.Contains(t, op.Responses, "422")
	})

	t.Run("GET /me requires the bearer token and may answer 401", func(t *testing.T) {
		op := s.doc.op("GET", "/me")
		require.NotNil(t, op)
		assert.Equal(t, []map[string][]string{{"bearer": {}}}, op.Security)
		assert.Equal(t, map[string]string{"type": "http", "scheme": "bearer"}, s.doc.Components.SecuritySchemes["bearer"])
		require.Contains(t, op.Responses, "401")
		assert.Contains(t, op.Responses["401"].Content, "application/problem+json")
	})

	// The security and the 401 are the auth provider's: the /me route
	// itself declares neither, a provider it reaches does, and so every
	// route, and only those, that reaches one documents it.
	securityType := reflect.TypeOf(openapi.Security("bearer", openapi.Bearer()).Value())
	failureType := reflect.TypeOf(openapi.Fails(http.StatusUnauthorized, "").Value())
	has := func(notes []any, typ reflect.Type) bool {
		return slices.ContainsFunc(notes, func(v any) bool { return reflect.TypeOf(v) == typ })
	}
	reachesAuth := func(r depend.Route) bool {
		return slices.ContainsFunc(r.Reach, func(n depend.Node) bool { return has(n.Notes, securityType) })
	}
	t.Run("the auth dependency declares the security, not the handler", func(t *testing.T) {
		routes := d.app.c.Routes()
		i := slices.IndexFunc(routes, func(r depend.Route) bool { return r.Method == "GET" && r.Pattern == "/me" })
		require.NotEqual(t, -1, i)
		me := routes[i]
		assert.False(t, has(me.Notes, securityType), "the /me route declares a security itself")
		assert.False(t, has(me.Notes, failureType), "the /me route declares a failure itself")
		j := slices.IndexFunc(me.Reach, func(n depend.Node) bool { return has(n.Notes, securityType) })
		require.NotEqual(t, -1, j, "no provider that /me reaches declares a security")
		auth := me.Reach[j]
		assert.Equal(t, reflect.TypeFor[*User](), auth.Type, "the provider of the User declares it")
		assert.Contains(t, auth.Notes, openapi.Security("bearer", openapi.Bearer()).Value())
		assert.True(t, has(auth.Notes, failureType), "the auth provider declares its 401")

		secured := 0
		for _, r := range routes {
			op := s.doc.op(r.Method, strings.TrimSuffix(r.Pattern, "{$}"))
			require.NotNil(t, op, "%s %s", r.Method, r.Pattern)
			if reachesAuth(r) {
				secured++
				assert.NotEmpty(t, op.Security, "%s %s reaches the auth provider", r.Method, r.Pattern)
				assert.Contains(t, op.Responses, "401", r.Pattern)
			} else {
				assert.Empty(t, op.Security, "%s %s does not reach the auth provider", r.Method, r.Pattern)
				assert.NotContains(t, op.Responses, "401", r.Pattern)
			}
		}
		assert.Equal(t, 1, secured, "only /me reaches the auth provider")
	})
}

// num writes a bound as its tag would, or "" for none.
func num(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// call is one request to build, as often as needed: to send it, then to
// validate it.
type call struct {
	method, path string
	query        url.Values
	header       http.Header
	body         []byte // nil: none
}

func (c call) clone() call {
	c.query = maps.Clone(c.query)
	c.header = c.header.Clone()
	c.body = bytes.Clone(c.body)
	return c
}

func (c call) request(t *testing.T, base string) *http.Request {
	t.Helper()
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	u := base + c.path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	r, err := http.NewRequest(c.method, u, body)
	require.NoError(t, err)
	r.Header = c.header.Clone()
	if c.body != nil && r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

// exchange sends c to the demo and returns the response, its body kept so
// that it can be read again.
func (c call) exchange(t *testing.T, d *demo) (*http.Response, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(c.request(t, d.url))
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

// checkResponse validates the response to c against the document, and
// checks that the document lists the media type of a response with a body:
// the validator passes a body of a type the document does not mention.
func (s *spec) checkResponse(t *testing.T, d *demo, c call, res *http.Response, body []byte) {
	t.Helper()
	op := s.doc.op(c.method, c.path)
	require.NotNil(t, op, "%s %s", c.method, c.path)
	documented, ok := op.Responses[strconv.Itoa(res.StatusCode)]
	if !ok {
		documented, ok = op.Responses["default"]
	}
	require.True(t, ok, "the status %d of %s %s is not documented", res.StatusCode, c.method, c.path)
	if len(body) > 0 {
		media, _, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
		require.NoError(t, err)
		typ, _, _ := strings.Cut(media, "/")
		assert.True(t, slices.ContainsFunc(slices.Collect(maps.Keys(documented.Content)), func(m string) bool {
			return m == media || m == typ+"/*" || m == "*/*"
		}), "%s %s answers %d with %s, which the document does not list: %v",
			c.method, c.path, res.StatusCode, media, slices.Collect(maps.Keys(documented.Content)))
	}
	req := c.request(t, d.url)
	kept := *res
	kept.Body = io.NopCloser(bytes.NewReader(body))
	kept.Request = req
	ok, errs := s.v.ValidateHttpResponse(req, &kept)
	assert.True(t, ok, "the demo's %d response breaks the document:%s\n%s", res.StatusCode, describe(errs), body)
}

// validString returns a string s accepts: within its lengths, matching its
// pattern, or "" and false if none of the candidates does.
func validString(s *oaSchema) (string, bool) {
	return pickString(s, func(c string) bool { return lengthOK(s, c) && patternOK(s, c) })
}

func lengthOK(s *oaSchema, c string) bool {
	n := utf8.RuneCountInString(c)
	return (s.MinLength == nil || n >= *s.MinLength) && (s.MaxLength == nil || n <= *s.MaxLength)
}

func patternOK(s *oaSchema, c string) bool {
	return s.Pattern == "" || regexp.MustCompile(s.Pattern).MatchString(c)
}

// pickString returns the first candidate that ok accepts: words, and runs
// of one character as long as the schema's lengths and one either side.
func pickString(s *oaSchema, ok func(string) bool) (string, bool) {
	candidates := []string{"note", "a", "A-1", "hello world", "0", "2026-01-01T00:00:00Z", " ", "-", ""}
	var lengths []int
	for _, n := range []*int{s.MinLength, s.MaxLength} {
		if n != nil {
			lengths = append(lengths, *n, *n-1, *n+1)
		}
	}
	for _, n := range lengths {
		for _, r := range []string{"a", "Z", "0", "_", "-", " "} {
			if n >= 0 {
				candidates = append(candidates, strings.Repeat(r, n))
			}
		}
	}
	for _, c := range candidates {
		if ok(c) {
			return c, true
		}
	}
	return "", false
}

// valid returns a JSON value that s accepts: its default, its first enum
// value, its lower bound, a string that fits, an object with every
// property filled.
func (d *oaDoc) valid(t *testing.T, s *oaSchema) any {
	t.Helper()
	s = d.resolve(s)
	switch {
	case s.Default != nil:
		return s.Default
	case len(s.Enum) > 0 && s.Enum[0] != nil:
		return s.Enum[0]
	}
	switch typ := d.typeOf(s); typ {
	case "integer", "number":
		v := 1.0
		switch {
		case s.Minimum != nil:
			v = *s.Minimum
		case s.ExclusiveMinimum != nil:
			v = *s.ExclusiveMinimum + 1
		}
		if s.Maximum != nil && v > *s.Maximum {
			v = *s.Maximum
		}
		if s.ExclusiveMaximum != nil && v >= *s.ExclusiveMaximum {
			v = *s.ExclusiveMaximum - 1
		}
		return v
	case "string":
		v, ok := validString(s)
		require.True(t, ok, "no candidate string fits %+v", s)
		return v
	case "boolean":
		return false
	case "array":
		n := 0
		if s.MinItems != nil {
			n = *s.MinItems
		}
		items := make([]any, n)
		for i := range items {
			items[i] = d.valid(t, s.Items)
		}
		return items
	case "object":
		if s.AnyOf != nil { // a nullable $ref
			return d.valid(t, s.AnyOf[0])
		}
		obj := map[string]any{}
		for name, p := range s.Properties {
			obj[name] = d.valid(t, p)
		}
		return obj
	case "":
		return "anything"
	default:
		t.Fatalf("no valid value for the type %q", typ)
		return nil
	}
}

// text writes a JSON value as a parameter carries it.
func text(v any) string {
	switch v := v.(type) {
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// violation is a request that breaks one constraint of one input.
type violation struct {
	loc        string // the input, as depend names it: query.limit, body.text
	constraint string
	edit       func(c *call) // makes the valid request break it
	// edge is set for the opposite case: the value sits on the bound
	// (limit=100, a text of 280 characters), which both must accept.
	edge bool
}

// violations lists, for one schema, a value that breaks each of its
// constraints and keeps to the others where it can. set applies a value
// (the JSON value, or for type, a value of another type) to the request;
// omit drops it, for a required input.
func (d *oaDoc) violations(t *testing.T, loc string, s *oaSchema, required bool, inParam bool,
	set func(c *call, v any), omit func(c *call),
) []violation {
	s = d.resolve(s)
	var out []violation
	add := func(constraint string, v any) {
		out = append(out, violation{loc: loc, constraint: constraint, edit: func(c *call) { set(c, v) }})
	}
	edge := func(constraint string, v any) {
		out = append(out, violation{loc: loc, constraint: constraint, edit: func(c *call) { set(c, v) }, edge: true})
	}
	step := 1.0 // past an exclusive bound
	if d.typeOf(s) == "number" {
		step = 0.5
	}
	for _, b := range []struct {
		name string
		at   *float64
		off  float64
	}{{"minimum", s.Minimum, 0}, {"maximum", s.Maximum, 0}, {"exclusiveMinimum", s.ExclusiveMinimum, step}, {"exclusiveMaximum", s.ExclusiveMaximum, -step}} {
		if b.at != nil {
			edge(b.name, *b.at+b.off)
		}
	}
	for _, b := range []struct {
		name string
		n    *int
	}{{"minLength", s.MinLength}, {"maxLength", s.MaxLength}} {
		if b.n != nil {
			v, ok := pickString(s, func(c string) bool { return utf8.RuneCountInString(c) == *b.n && patternOK(s, c) })
			require.True(t, ok, "no candidate string of %s %d", b.name, *b.n)
			edge(b.name, v)
		}
	}
	if s.Minimum != nil {
		add("minimum", *s.Minimum-1)
	}
	if s.Maximum != nil {
		add("maximum", *s.Maximum+1)
	}
	if s.ExclusiveMinimum != nil {
		add("exclusiveMinimum", *s.ExclusiveMinimum)
	}
	if s.ExclusiveMaximum != nil {
		add("exclusiveMaximum", *s.ExclusiveMaximum)
	}
	// A string that breaks one length or the pattern keeps to the rest when
	// a candidate does; "" breaks minLength 1 and \S both, for one.
	if s.MinLength != nil && *s.MinLength > 0 {
		short := func(c string) bool { return utf8.RuneCountInString(c) == *s.MinLength-1 }
		v, ok := pickString(s, func(c string) bool { return short(c) && patternOK(s, c) })
		if !ok {
			v, ok = pickString(s, short)
		}
		require.True(t, ok)
		add("minLength", v)
	}
	if s.MaxLength != nil {
		v, ok := pickString(s, func(c string) bool { return utf8.RuneCountInString(c) == *s.MaxLength+1 && patternOK(s, c) })
		require.True(t, ok, "no candidate string breaks only maxLength %d", *s.MaxLength)
		add("maxLength", v)
	}
	if s.Pattern != "" {
		v, ok := pickString(s, func(c string) bool { return lengthOK(s, c) && !patternOK(s, c) })
		require.True(t, ok, "no candidate string breaks only the pattern %q", s.Pattern)
		add("pattern", v)
	}
	if len(s.Enum) > 0 {
		var v any = "not-one-of-the-enum"
		if typ := d.typeOf(s); typ == "integer" || typ == "number" {
			top := 0.0
			for _, e := range s.Enum {
				if f, ok := e.(float64); ok && f > top {
					top = f
				}
			}
			v = top + 1
		}
		add("enum", v)
	}
	// A value of another type: as a parameter, text that does not parse
	// (any text is a string, so a string parameter has no such value).
	switch typ := d.typeOf(s); {
	case inParam && (typ == "integer" || typ == "number"):
		add("type", "abc")
	case inParam && typ == "boolean":
		add("type", "maybe")
	case inParam:
	case typ == "string":
		add("type", 42.0)
	case typ != "":
		add("type", "abc")
	}
	if required && omit != nil {
		out = append(out, violation{loc: loc, constraint: "required", edit: omit})
	}
	return out
}

// securityHeader returns the header that satisfies op's security, for the
// schemes the demo uses.
func (s *spec) securityHeader(t *testing.T, op *oaOp) http.Header {
	h := http.Header{}
	for _, req := range op.Security {
		for name := range req {
			scheme := s.doc.Components.SecuritySchemes[name]
			require.Equal(t, map[string]string{"type": "http", "scheme": "bearer"}, scheme,
				"the test knows only bearer schemes; teach it %s", name)
			h.Set("Authorization", "Bearer "+aliceToken)
		}
	}
	return h
}

// successStatus returns the operation's documented 2xx status, or 0 if it
// documents only a default.
func successStatus(t *testing.T, op *oaOp) int {
	t.Helper()
	var codes []int
	for code := range op.Responses {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 {
			codes = append(codes, n)
		}
	}
	require.LessOrEqual(t, len(codes), 1, "two success statuses: %v", codes)
	if len(codes) == 0 {
		require.Contains(t, op.Responses, "default", "no success response")
		return 0
	}
	return codes[0]
}

// namesInput reports whether a field error names loc.
func namesInput(e depend.FieldError, loc string) bool { return e.Location == loc }

// validatorNames reports whether one of the validator's errors is about
// loc: the parameter of that name, the body property at that path, or the
// body.
func validatorNames(errs []*verrors.ValidationError, loc string) bool {
	place, name, _ := strings.Cut(loc, ".")
	return slices.ContainsFunc(errs, func(e *verrors.ValidationError) bool {
		switch {
		case place != "body":
			return e.ValidationType == "parameter" && e.ValidationSubType == place && e.ParameterName == name
		case e.ValidationType != "requestBody":
			return false
		case name == "":
			return true
		}
		return slices.ContainsFunc(e.SchemaValidationErrors, func(f *verrors.SchemaValidationFailure) bool {
			return f.FieldPath == "$."+name || f.KeywordLocation == "/required" && strings.Contains(f.Reason, "'"+name+"'")
		})
	})
}

// TestOpenAPIRoundTrip drives the demo from its document alone: for every
// operation a request built from the documented schemas is served as
// documented, and for every constraint a request that breaks it is refused
// by the demo and by the validator alike.
func TestOpenAPIRoundTrip(t *testing.T) {
	d := start(t, ":memory:")
	s := fetchSpec(t, d)
	operations := 0
	exercised := map[string]bool{} // "METHOD path location constraint"
	edges := map[string]bool{}     // the same, for the values on a bound
	for _, path := range slices.Sorted(maps.Keys(s.doc.Paths)) {
		for _, method := range slices.Sorted(maps.Keys(s.doc.Paths[path])) {
			op := s.doc.Paths[path][method]
			method := strings.ToUpper(method)
			operations++
			t.Run(method+" "+path, func(t *testing.T) {
				valid := call{method: method, path: path, query: url.Values{}, header: s.securityHeader(t, op)}
				var cases []violation
				for _, p := range op.Parameters {
					loc := p.In + "." + p.Name
					switch p.In {
					case "query":
						valid.query.Set(p.Name, text(s.doc.valid(t, p.Schema)))
						cases = append(cases, s.doc.violations(t, loc, p.Schema, p.Required, true,
							func(c *call, v any) { c.query.Set(p.Name, text(v)) },
							func(c *call) { c.query.Del(p.Name) })...)
					case "header":
						valid.header.Set(p.Name, text(s.doc.valid(t, p.Schema)))
						cases = append(cases, s.doc.violations(t, loc, p.Schema, p.Required, true,
							func(c *call, v any) { c.header.Set(p.Name, text(v)) },
							func(c *call) { c.header.Del(p.Name) })...)
					default:
						t.Fatalf("the test cannot build a %s parameter yet (%s)", p.In, p.Name)
					}
				}
				if rb := op.RequestBody; rb != nil {
					require.Equal(t, []string{"application/json"}, slices.Collect(maps.Keys(rb.Content)),
						"the test builds JSON bodies only")
					schema := s.doc.resolve(rb.Content["application/json"].Schema)
					body := s.doc.valid(t, schema)
					b, err := json.Marshal(body)
					require.NoError(t, err)
					valid.body = b
					setBody := func(c *call, v any) {
						b, err := json.Marshal(v)
						require.NoError(t, err)
						c.body = b
					}
					cases = append(cases, s.doc.violations(t, "body", schema, rb.Required, false,
						setBody, func(c *call) { c.body = nil })...)
					if obj, ok := body.(map[string]any); ok {
						for _, name := range slices.Sorted(maps.Keys(schema.Properties)) {
							with := func(edit func(map[string]any)) func(c *call) {
								return func(c *call) {
									o := maps.Clone(obj)
									edit(o)
									setBody(c, o)
								}
							}
							cases = append(cases, s.doc.violations(t, "body."+name, schema.Properties[name], slices.Contains(schema.Required, name), false,
								func(c *call, v any) { with(func(o map[string]any) { o[name] = v })(c) },
								func(c *call) { with(func(o map[string]any) { delete(o, name) })(c) })...)
						}
					}
				}

				t.Run("valid", func(t *testing.T) {
					ok, errs := s.v.ValidateHttpRequest(valid.request(t, d.url))
					require.True(t, ok, "the request built from the document breaks it:%s", describe(errs))
					res, body := valid.exchange(t, d)
					assert.NotEqual(t, http.StatusUnprocessableEntity, res.StatusCode, "%s", body)
					if want := successStatus(t, op); want != 0 {
						assert.Equal(t, want, res.StatusCode, "%s", body)
					} else {
						assert.Less(t, res.StatusCode, 300, "%s", body)
					}
					s.checkResponse(t, d, valid, res, body)
				})

				if op.RequestBody != nil {
					t.Run("a body of another media type", func(t *testing.T) {
						c := valid.clone()
						c.header.Set("Content-Type", "text/plain")
						ok, errs := s.v.ValidateHttpRequest(c.request(t, d.url))
						assert.False(t, ok, "the validator takes a text/plain body")
						assert.True(t, slices.ContainsFunc(errs, func(e *verrors.ValidationError) bool { return e.ValidationType == "requestBody" }), describe(errs))
						res, body := c.exchange(t, d)
						assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode, "%s", body)
						s.checkResponse(t, d, c, res, body)
					})
				}

				if len(op.Security) > 0 {
					t.Run("without credentials", func(t *testing.T) {
						c := valid.clone()
						c.header.Del("Authorization")
						ok, _ := s.v.ValidateHttpRequest(c.request(t, d.url))
						assert.False(t, ok, "the validator takes a request without the security it documents")
						res, body := c.exchange(t, d)
						assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "%s", body)
						assert.Contains(t, op.Responses, "401")
						s.checkResponse(t, d, c, res, body)
					})
				}

				success := successStatus(t, op)
				for _, v := range cases {
					if !v.edge {
						continue
					}
					t.Run(v.loc+" at its "+v.constraint, func(t *testing.T) {
						edges[method+" "+path+" "+v.loc+" "+v.constraint] = true
						c := valid.clone()
						v.edit(&c)
						ok, errs := s.v.ValidateHttpRequest(c.request(t, d.url))
						assert.True(t, ok, "the validator refuses %s at its %s:%s", v.loc, v.constraint, describe(errs))
						res, body := c.exchange(t, d)
						require.Equal(t, success, res.StatusCode, "the demo refuses %s at its %s: %s", v.loc, v.constraint, body)
						s.checkResponse(t, d, c, res, body)
					})
				}
				for _, v := range cases {
					if v.edge {
						continue
					}
					t.Run(v.loc+" "+v.constraint, func(t *testing.T) {
						exercised[method+" "+path+" "+v.loc+" "+v.constraint] = true
						c := valid.clone()
						v.edit(&c)
						ok, errs := s.v.ValidateHttpRequest(c.request(t, d.url))
						assert.False(t, ok, "the validator takes a request that breaks %s of %s", v.constraint, v.loc)
						assert.True(t, validatorNames(errs, v.loc), "the validator's errors do not name %s:%s", v.loc, describe(errs))
						res, body := c.exchange(t, d)
						require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "%s", body)
						assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
						p := problemOf(t, string(body))
						assert.True(t, slices.ContainsFunc(p.Errors, func(e depend.FieldError) bool { return namesInput(e, v.loc) }),
							"the 422 does not name %s: %s", v.loc, body)
						s.checkResponse(t, d, c, res, body)
					})
				}
			})
		}
	}

	// Not vacuous: every route is an operation, and every constraint of
	// the demo's inputs was broken.
	assert.Equal(t, len(d.app.c.Routes()), operations)
	want := []string{
		"GET /notes query.limit minimum",
		"GET /notes query.limit maximum",
		"GET /notes query.limit type",
		"GET /notes query.offset minimum",
		"GET /notes query.offset type",
		"POST /notes query.fail type",
		"POST /notes body required",
		"POST /notes body type",
		"POST /notes body.text minLength",
		"POST /notes body.text maxLength",
		"POST /notes body.text pattern",
		"POST /notes body.text type",
		"POST /notes body.text required",
	}
	assert.Subset(t, slices.Collect(maps.Keys(exercised)), want)
	assert.GreaterOrEqual(t, len(exercised), len(want))
	wantEdges := []string{
		"GET /notes query.limit minimum",
		"GET /notes query.limit maximum",
		"GET /notes query.offset minimum",
		"POST /notes body.text minLength",
		"POST /notes body.text maxLength",
	}
	assert.Subset(t, slices.Collect(maps.Keys(edges)), wantEdges)
	t.Logf("%d operations, %d constraint violations refused, %d values on a bound accepted", operations, len(exercised), len(edges))
}

// TestOpenAPIValidatorChecksResponses shows that the round trip's response
// checks have teeth: a response the demo did send passes, and the same
// response with a body or a status the document does not describe fails.
func TestOpenAPIValidatorChecksResponses(t *testing.T) {
	d := start(t, ":memory:")
	s := fetchSpec(t, d)
	c := call{method: "POST", path: "/notes", header: http.Header{}, body: []byte(`{"text":"buy milk"}`)}
	res, body := c.exchange(t, d)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	for _, tt := range []struct {
		name   string
		status int
		body   string
		ok     bool
	}{
		{"as sent", res.StatusCode, string(body), true},
		{"an id that is a string", res.StatusCode, `{"id":"1","text":"buy milk"}`, false},
		{"no text", res.StatusCode, `{"id":1}`, false},
		{"an undocumented status", http.StatusTeapot, string(body), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := c.request(t, d.url)
			kept := *res
			kept.StatusCode = tt.status
			kept.Body = io.NopCloser(strings.NewReader(tt.body))
			kept.Request = req
			ok, errs := s.v.ValidateHttpResponse(req, &kept)
			assert.Equal(t, tt.ok, ok, describe(errs))
		})
	}
}
