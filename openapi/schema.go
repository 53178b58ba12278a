package openapi

// Code in this file writes JSON Schemas for Go types: the schemas of JSON
// bodies, following encoding/json's rules, and of request parameters,
// following the text parsing of depend.Input, with the constraint tags
// that depend.Input checks.

import (
	"bytes"
	"encoding"
	"encoding/json"
	"hash/fnv"
	"math"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Schema is a JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), as
// much of it as this package writes. Every field is omitted when empty, so
// the zero Schema is {}, which any value matches. A Schema is plain data:
// safe for concurrent reads, not for a write concurrent with anything.
type Schema struct {
	// Ref is a reference, such as "#/components/schemas/Note". In draft
	// 2020-12 the keywords beside it apply too, which is how a field of a
	// named type carries its constraint tags.
	Ref string `json:"$ref,omitempty"`
	// Type is a string, such as "integer", or a []string such as
	// {"integer", "null"} for a nullable value.
	Type        any    `json:"type,omitempty"`
	Format      string `json:"format,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// Enum, Default and Examples hold JSON values: json.Number, string,
	// bool, nil for null, or a []any.
	Enum     []any `json:"enum,omitempty"`
	Default  any   `json:"default,omitempty"`
	Examples []any `json:"examples,omitempty"`
	// The bounds keep the text of their tags, so that a uint64 bound or a
	// decimal one is written exactly.
	Minimum          json.Number `json:"minimum,omitempty"`
	Maximum          json.Number `json:"maximum,omitempty"`
	ExclusiveMinimum json.Number `json:"exclusiveMinimum,omitempty"`
	ExclusiveMaximum json.Number `json:"exclusiveMaximum,omitempty"`
	MinLength        *int        `json:"minLength,omitempty"`
	MaxLength        *int        `json:"maxLength,omitempty"`
	Pattern          string      `json:"pattern,omitempty"`
	ContentEncoding  string      `json:"contentEncoding,omitempty"`
	Items            *Schema     `json:"items,omitempty"`
	MinItems         *int        `json:"minItems,omitempty"`
	MaxItems         *int        `json:"maxItems,omitempty"`
	Properties       Properties  `json:"properties,omitempty"`
	Required         []string    `json:"required,omitempty"`
	// AdditionalProperties is the schema of a map's values.
	AdditionalProperties *Schema   `json:"additionalProperties,omitempty"`
	AnyOf                []*Schema `json:"anyOf,omitempty"`
}

// Properties are an object's properties in the order of the Go struct's
// fields, the order encoding/json writes them in; a map would sort them.
// It is plain data, like Schema.
type Properties []Property

// Property is one named property of an object. It is plain data, like
// Schema.
type Property struct {
	Name   string
	Schema *Schema
}

// Get returns the schema of the property named name, or nil. It is safe
// for concurrent use.
func (ps Properties) Get(name string) *Schema {
	for _, p := range ps {
		if p.Name == name {
			return p.Schema
		}
	}
	return nil
}

// MarshalJSON writes the properties as one object, keys in order. It is
// safe for concurrent use.
func (ps Properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(p.Schema)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

const refPrefix = "#/components/schemas/"

// schemas builds Schemas for Go types, collecting the named composite types
// (structs, slices, arrays and maps) as components that the schemas
// reference with $ref. It is not safe for concurrent use.
//
// A component is named after its type, the packages of type arguments
// dropped and the rest sanitized to [a-zA-Z0-9._-]: Note, Page-Note.
// When distinct types would share a name, all of them are qualified, by as
// little as makes them distinct: the package's last path element
// (url.URL, openapi.URL), then the whole package path
// (text-template.Template, html-template.Template), then a hash of the
// full type name. A name thus depends on the set of types met, not on the
// order they are met in; only distinct types that Go names identically
// (types declared in two functions of one package) fall back to a -2
// suffix in the order of first use. Because a later type can qualify the
// name of an earlier one, the $ref schemas handed out are rewritten in
// place: marshal them after the last call, and do not copy them.
//
// Limits: a field encoding/json cannot encode is left out of its struct's
// schema (encoding the struct fails at run time anyway); a MarshalJSON or
// MarshalText method on the pointer counts, though encoding/json calls it
// only on an addressable value; a json.Marshaler is {}, since nothing
// says what it writes; an integer map key is not constrained to digits;
// and the constraint tags of any struct's fields are written, though
// depend.Input checks only those of a body's own fields.
type schemas struct {
	comps  map[reflect.Type]*component
	groups map[string][]*component // by unqualified name, in order of first use
	// input makes the schemas of request bodies, as depend.Input decodes
	// them: a property is required only if tagged required:"true" (a
	// missing one is its zero value), and a component's name ends in
	// -Input, since the same type in a response requires what it always
	// writes.
	input bool
}

// component is one named type's schema.
type component struct {
	t      reflect.Type
	name   string
	schema *Schema
	refs   []*Schema // the $refs to it handed out, rewritten when name changes
}

// newSchemas returns an empty schemas, which has met no type yet.
func newSchemas() *schemas {
	return &schemas{comps: map[reflect.Type]*component{}, groups: map[string][]*component{}}
}

// newInputSchemas returns an empty schemas for request bodies.
func newInputSchemas() *schemas {
	g := newSchemas()
	g.input = true
	return g
}

var (
	timeType            = reflect.TypeFor[time.Time]()
	durationType        = reflect.TypeFor[time.Duration]()
	numberType          = reflect.TypeFor[json.Number]()
	marshalerType       = reflect.TypeFor[json.Marshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// of returns the schema of a JSON value of type t, as encoding/json writes
// it: inline, or a $ref to a component for a named struct, slice, array or
// map type, whose schema joins the components. A pointer is nullable; a
// slice is not, though encoding/json writes a nil one as null, because
// APIs mostly mean a list and a nullable array would burden every client.
// A type encoding/json cannot encode (a channel, a func, a complex number,
// unsafe.Pointer, a map with other keys than strings, integers and
// encoding.TextMarshalers, or a composite of one) has no schema: of
// returns nil. A nil t, a JSON value of unknown type, is {}.
func (g *schemas) of(t reflect.Type) *Schema {
	if t == nil {
		return &Schema{}
	}
	if !encodable(t, map[reflect.Type]bool{}) {
		return nil
	}
	return g.schema(t)
}

// field returns the schema of a struct field or body of type t, with the
// constraint tags of tag applied as depend.Input checks them: bounds,
// pattern and enum on a string or number, or on the items of a slice of
// one; minLength and maxLength as characters of a string or minItems and
// maxItems of a slice; default typed like the value. A tag that does not
// parse is skipped. It returns nil where of does.
func (g *schemas) field(t reflect.Type, tag reflect.StructTag) *Schema {
	s := g.of(t)
	if s != nil && t != nil {
		constrain(s, t, tag, inBody)
	}
	return s
}

// param returns the schema of a request parameter (query, path, header,
// cookie or form) of type t, with the constraint tags of tag applied. A
// parameter is text, parsed as depend.Input parses it: time.Duration is a
// string such as "1.5s", an encoding.TextUnmarshaler is a string, a
// pointer is an optional value (not a nullable one) and a slice is a
// repeated one. It returns nil for a type that cannot be a parameter.
func (g *schemas) param(t reflect.Type, tag reflect.StructTag) *Schema {
	if t == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var s *Schema
	if list(t, inParam) {
		if items := paramScalar(t.Elem()); items != nil {
			s = &Schema{Type: "array", Items: items}
		}
	} else {
		s = paramScalar(t)
	}
	if s != nil {
		constrain(s, t, tag, inParam)
	}
	return s
}

// components returns the schemas of the named types met so far, by
// component name.
func (g *schemas) components() map[string]*Schema {
	out := make(map[string]*Schema, len(g.comps))
	for _, c := range g.comps {
		out[c.name] = c.schema
	}
	return out
}

// encodable reports whether encoding/json can encode a value of type t.
// seen stops at a type met before, which is as encodable as its first
// meeting says.
func encodable(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || special(t) != nil {
		return true
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer:
		return false
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return encodable(t.Elem(), seen)
	case reflect.Map:
		return mapKey(t.Key()) && encodable(t.Elem(), seen)
	}
	return true // a struct skips the fields it cannot encode
}

// mapKey reports whether encoding/json can write k as an object key.
func mapKey(k reflect.Type) bool {
	switch k.Kind() {
	case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return k.Implements(textMarshalerType)
}

// schema is of for an encodable t.
func (g *schemas) schema(t reflect.Type) *Schema {
	if t.Kind() == reflect.Pointer {
		e := t.Elem()
		for seen := map[reflect.Type]bool{t: true}; e.Kind() == reflect.Pointer; e = e.Elem() {
			if seen[e] { // type P *P: only ever nil, or a chain of them
				return &Schema{Type: "null"}
			}
			seen[e] = true
		}
		return nullable(g.schema(e))
	}
	if s := special(t); s != nil {
		return s
	}
	if t.Name() != "" && composite(t.Kind()) {
		return g.ref(t)
	}
	return g.build(t)
}

func composite(k reflect.Kind) bool {
	return k == reflect.Struct || k == reflect.Slice || k == reflect.Array || k == reflect.Map
}

// special returns the schema of a type that encoding/json writes its own
// way, or nil. A method on the pointer counts, though encoding/json calls
// it only on an addressable value, because such a type means to use it.
func special(t reflect.Type) *Schema {
	switch {
	case t == timeType:
		return &Schema{Type: "string", Format: "date-time"}
	case t == numberType:
		return &Schema{Type: "number"}
	case implements(t, marshalerType):
		return &Schema{} // it may write anything
	case implements(t, textMarshalerType):
		return &Schema{Type: "string"}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 &&
		!implements(t.Elem(), marshalerType) && !implements(t.Elem(), textMarshalerType):
		return &Schema{Type: "string", ContentEncoding: "base64"}
	}
	return nil
}

// implements reports whether t or *t implements i.
func implements(t, i reflect.Type) bool {
	return t.Implements(i) || t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(i)
}

// nullable makes s admit null too.
func nullable(s *Schema) *Schema {
	switch typ := s.Type.(type) {
	case string:
		s.Type = []string{typ, "null"}
		return s
	case nil:
		if s.Ref != "" { // the $ref schema itself stays, for its renaming
			return &Schema{AnyOf: []*Schema{s, {Type: "null"}}}
		}
	}
	return s // {} and a nullable one admit null already
}

// isNullable reports whether nullable made s.
func isNullable(s *Schema) bool {
	if typ, ok := s.Type.([]string); ok {
		return slices.Contains(typ, "null")
	}
	return slices.ContainsFunc(s.AnyOf, func(a *Schema) bool { return a.Type == "null" })
}

// ref returns a $ref to t's component, which it adds on first use. The
// component is registered before its schema is built, so that a recursive
// type refers to itself instead of descending forever.
func (g *schemas) ref(t reflect.Type) *Schema {
	c := g.comps[t]
	if c == nil {
		c = g.register(t)
		c.schema = g.build(t)
	}
	r := &Schema{Ref: refPrefix + c.name}
	c.refs = append(c.refs, r)
	return r
}

func (g *schemas) register(t reflect.Type) *component {
	c := &component{t: t}
	g.comps[t] = c
	key := componentName(t, 0)
	g.groups[key] = append(g.groups[key], c)
	group := g.groups[key]
	for i, name := range groupNames(group) {
		if g.input {
			name += "-Input"
		}
		group[i].rename(name)
	}
	return c
}

func (c *component) rename(name string) {
	c.name = name
	for _, r := range c.refs {
		r.Ref = refPrefix + name
	}
}

// build returns the schema of an encodable t that is not a pointer nor
// special, written out.
func (g *schemas) build(t reflect.Type) *Schema {
	switch t.Kind() {
	case reflect.Slice:
		return &Schema{Type: "array", Items: g.schema(t.Elem())}
	case reflect.Array:
		n := t.Len()
		return &Schema{Type: "array", Items: g.schema(t.Elem()), MinItems: &n, MaxItems: &n}
	case reflect.Map:
		return &Schema{Type: "object", AdditionalProperties: g.schema(t.Elem())}
	case reflect.Struct:
		return g.object(t)
	case reflect.Interface:
		return &Schema{}
	}
	return scalar(t.Kind())
}

// scalar returns the schema of a bool, number or string kind, or nil.
func scalar(k reflect.Kind) *Schema {
	switch k {
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.String:
		return &Schema{Type: "string"}
	case reflect.Float32:
		return &Schema{Type: "number", Format: "float"}
	case reflect.Float64:
		return &Schema{Type: "number", Format: "double"}
	}
	format, ok := intFormats[k]
	if !ok {
		return nil
	}
	s := &Schema{Type: "integer", Format: format}
	if k >= reflect.Uint && k <= reflect.Uintptr {
		s.Minimum = "0"
	}
	return s
}

// intFormats are the formats of the OpenAPI format registry for integers.
var intFormats = map[reflect.Kind]string{
	reflect.Int: "int64", reflect.Int8: "int8", reflect.Int16: "int16", reflect.Int32: "int32", reflect.Int64: "int64",
	reflect.Uint: "uint64", reflect.Uint8: "uint8", reflect.Uint16: "uint16", reflect.Uint32: "uint32",
	reflect.Uint64: "uint64", reflect.Uintptr: "uint64",
}

// paramScalar returns the schema of one parameter value of type t, or nil
// if depend.Input cannot parse one.
func paramScalar(t reflect.Type) *Schema {
	switch {
	case t == timeType:
		return &Schema{Type: "string", Format: "date-time"}
	case t == durationType:
		return &Schema{Type: "string", Examples: []any{"1.5s", "300ms"}}
	case implements(t, textUnmarshalerType):
		return &Schema{Type: "string"}
	case t.Kind() == reflect.Interface:
		return nil
	}
	return scalar(t.Kind())
}

// object returns the schema of a struct, its properties in declaration
// order. A field encoding/json cannot encode is left out: encoding the
// struct fails at run time anyway, and the rest still documents it.
func (g *schemas) object(t reflect.Type) *Schema {
	s := &Schema{Type: "object"}
	for _, f := range jsonFields(t) {
		p := g.property(f)
		if p == nil {
			continue
		}
		s.Properties = append(s.Properties, Property{Name: f.name, Schema: p})
		if g.required(f, p) {
			s.Required = append(s.Required, f.name)
		}
	}
	return s
}

// required reports whether the property f, of schema p, is required: in a
// response, whenever encoding/json writes it; in a request body, when
// depend.Input refuses it missing, which is its zero value: tagged
// required:"true", or with constraints its zero value fails.
func (g *schemas) required(f jsonField, p *Schema) bool {
	if !g.input {
		return f.required
	}
	return f.tag.Get("required") == "true" || rejectsZero(p)
}

// rejectsZero reports whether the constraints of p refuse the zero value
// of a string, a number or a slice, as depend.Input checks them.
func rejectsZero(p *Schema) bool {
	switch p.Type {
	case "string":
		return p.MinLength != nil && *p.MinLength > 0 || p.Pattern != "" && !matches(p.Pattern, "") || excludes(p.Enum, "")
	case "integer", "number":
		return bound(p.Minimum, func(f float64) bool { return f > 0 }) ||
			bound(p.ExclusiveMinimum, func(f float64) bool { return f >= 0 }) ||
			bound(p.Maximum, func(f float64) bool { return f < 0 }) ||
			bound(p.ExclusiveMaximum, func(f float64) bool { return f <= 0 }) ||
			excludes(p.Enum, json.Number("0"))
	case "array":
		return p.MinItems != nil && *p.MinItems > 0
	}
	return false
}

func matches(pattern, s string) bool {
	re, err := regexp.Compile(pattern)
	return err == nil && re.MatchString(s)
}

// excludes reports whether enum is a list that lacks zero.
func excludes(enum []any, zero any) bool {
	if enum == nil {
		return false
	}
	for _, v := range enum {
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil && f == 0 {
				return false
			}
		}
		if v == zero {
			return false
		}
	}
	return true
}

// bound reports whether the bound n is set and refuses zero.
func bound(n json.Number, refusesZero func(float64) bool) bool {
	f, err := n.Float64()
	return n != "" && err == nil && refusesZero(f)
}

// property returns the schema of one struct field, or nil. A ,string field
// is a string; its constraint tags are dropped, since they describe the
// value, not its quoted text.
func (g *schemas) property(f jsonField) *Schema {
	if !f.quoted {
		return g.field(f.typ, f.tag)
	}
	s := &Schema{Type: "string"}
	if f.typ.Kind() == reflect.Pointer {
		s = nullable(s)
	}
	return s
}

// jsonField is a struct field as encoding/json sees it.
type jsonField struct {
	name     string
	index    []int
	typ      reflect.Type
	tag      reflect.StructTag
	tagged   bool // the json tag names it
	quoted   bool // the ,string option applies
	required bool
}

// embedded is a struct whose fields encoding/json promotes.
type embedded struct {
	t      reflect.Type
	index  []int
	viaPtr bool // reached through a pointer, nil in a zero value
}

// jsonFields lists the fields encoding/json encodes for the struct t, in
// its order, with its rules: breadth first through embedded structs, the
// shallower field winning a name, and two at the same depth dropped unless
// one is tagged.
func jsonFields(t reflect.Type) []jsonField {
	var fields []jsonField
	visited := map[reflect.Type]bool{}
	next := []embedded{{t: t}}
	for len(next) > 0 {
		current := next
		next = nil
		for _, e := range current {
			if visited[e.t] {
				continue
			}
			fs, emb := directFields(e)
			fields = append(fields, fs...)
			next = append(next, emb...)
		}
		for _, e := range current { // after the level: a struct embedded twice at one level is read twice, and its fields cancel out
			visited[e.t] = true
		}
	}
	return dominant(fields)
}

// directFields returns the fields of e's struct itself and the structs it
// embeds without naming them.
func directFields(e embedded) (fields []jsonField, next []embedded) {
	for i := range e.t.NumField() {
		sf := e.t.Field(i)
		index := append(slices.Clip(e.index), i)
		ft := sf.Type
		if ft.Name() == "" && ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if !sf.IsExported() && !(sf.Anonymous && ft.Kind() == reflect.Struct) {
			continue // an unexported embedded struct still counts: its exported fields are promoted, or it is named
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !validName(name) {
			name = ""
		}
		if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
			next = append(next, embedded{t: ft, index: index, viaPtr: e.viaPtr || sf.Type.Kind() == reflect.Pointer})
			continue
		}
		f := jsonField{name: name, index: index, typ: sf.Type, tag: sf.Tag, tagged: name != ""}
		if name == "" {
			f.name = sf.Name
		}
		omit := hasOption(opts, "omitzero") || hasOption(opts, "omitempty") && emptiable(sf.Type)
		f.required = !omit && !e.viaPtr || sf.Tag.Get("required") == "true"
		f.quoted = hasOption(opts, "string") && quotable(ft)
		fields = append(fields, f)
	}
	return fields, next
}

func hasOption(opts, o string) bool { return slices.Contains(strings.Split(opts, ","), o) }

// quotable reports whether the ,string option applies to t, a field's
// type or its pointee: encoding/json ignores it for other kinds, and for a
// type that marshals itself.
func quotable(t reflect.Type) bool {
	k := t.Kind()
	return (k == reflect.Bool || k == reflect.String || isNumber(k)) &&
		!implements(t, marshalerType) && !implements(t, textMarshalerType)
}

// emptiable reports whether omitempty can omit a value of type t: a
// struct, or an array of some length, is never empty to encoding/json, so
// omitempty does not make such a field optional.
func emptiable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		return false
	case reflect.Array:
		return t.Len() == 0
	}
	return true
}

func isNumber(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Float64
}

// validName reports whether encoding/json takes name from a tag.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", r) &&
			!(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127) {
			return false
		}
	}
	return true
}

// dominant keeps the field that wins each name, in index order.
func dominant(fields []jsonField) []jsonField {
	slices.SortFunc(fields, func(a, b jsonField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := len(a.index) - len(b.index); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	var out []jsonField
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].name == fields[i].name {
			j++
		}
		if j == i+1 || len(fields[i].index) < len(fields[i+1].index) || fields[i].tagged != fields[i+1].tagged {
			out = append(out, fields[i])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b jsonField) int { return slices.Compare(a.index, b.index) })
	return out
}

// mode is how a value is written: as JSON, or as the text of a parameter.
type mode int

const (
	inBody mode = iota
	inParam
)

// list reports whether t, not a pointer, is a slice whose constraints are
// those of a list: minLength counts items, and the rest apply to them.
func list(t reflect.Type, m mode) bool {
	if t.Kind() != reflect.Slice {
		return false
	}
	if m == inParam {
		return !implements(t, textUnmarshalerType)
	}
	return special(t) == nil
}

// constrain applies the constraint tags of tag to s, the schema of a value
// of type t, skipping a tag that does not parse or apply.
func constrain(s *Schema, t reflect.Type, tag reflect.StructTag, m mode) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if list(t, m) {
		s.MinItems, s.MaxItems = lengths(tag, s.MinItems, s.MaxItems)
		if elem := t.Elem(); elem.Kind() == reflect.String || isNumber(elem.Kind()) {
			if s.Items == nil { // a $ref: the items keywords beside it add to it
				s.Items = &Schema{}
			}
			constrainValue(s.Items, elem, tag, m)
		}
	} else {
		if t.Kind() == reflect.String {
			s.MinLength, s.MaxLength = lengths(tag, s.MinLength, s.MaxLength)
		}
		constrainValue(s, t, tag, m)
	}
	setDefault(s, t, tag, m)
}

// lengths returns the minLength and maxLength tags, or min and max where
// they are absent or bad.
func lengths(tag reflect.StructTag, min, max *int) (*int, *int) {
	return length(tag, "minLength", min), length(tag, "maxLength", max)
}

func length(tag reflect.StructTag, key string, old *int) *int {
	n, err := strconv.Atoi(tag.Get(key))
	if err != nil || n < 0 {
		return old
	}
	return &n
}

// constrainValue applies the bounds, pattern and enum tags to s, the
// schema of a string or a number of type t (or of anything else, which
// they do not apply to).
func constrainValue(s *Schema, t reflect.Type, tag reflect.StructTag, m mode) {
	number := isNumber(t.Kind()) && t != durationType // depend.Input bounds no duration
	if number {
		for _, b := range []struct {
			key string
			dst *json.Number
		}{{"minimum", &s.Minimum}, {"maximum", &s.Maximum}, {"exclusiveMinimum", &s.ExclusiveMinimum}, {"exclusiveMaximum", &s.ExclusiveMaximum}} {
			if v, ok := tag.Lookup(b.key); ok {
				if n, ok := numberText(v, t.Kind()); ok {
					*b.dst = n
				}
			}
		}
	}
	str := t.Kind() == reflect.String
	if p, ok := tag.Lookup("pattern"); ok && str {
		if _, err := regexp.Compile(p); err == nil {
			s.Pattern = p
		}
	}
	if e, ok := tag.Lookup("enum"); ok && (str || number) {
		if vals, ok := values(e, t, m); ok {
			if isNullable(s) { // else the enum would refuse the null the type allows
				vals = append(vals, nil)
			}
			s.Enum = vals
		}
	}
}

// setDefault applies the default tag to s, typed like a value of type t:
// a list's default is comma-separated, as depend.Input reads it.
func setDefault(s *Schema, t reflect.Type, tag reflect.StructTag, m mode) {
	d, ok := tag.Lookup("default")
	if !ok {
		return
	}
	if !list(t, m) {
		if v, ok := value(d, t, m); ok {
			s.Default = v
		}
		return
	}
	if d == "" {
		s.Default = []any{}
		return
	}
	if vals, ok := values(d, t.Elem(), m); ok {
		s.Default = vals
	}
}

// values converts comma-separated values, as value does.
func values(text string, t reflect.Type, m mode) ([]any, bool) {
	var out []any
	for _, s := range strings.Split(text, ",") {
		v, ok := value(s, t, m)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// value converts the text of a tag into the JSON value of a Go value of
// type t: a json.Number, a bool or a string; ok is false if it does not
// parse or t has no such value.
func value(text string, t reflect.Type, m mode) (any, bool) {
	switch {
	case t == durationType:
		d, err := time.ParseDuration(text)
		switch {
		case err != nil:
			return nil, false
		case m == inParam:
			return text, true
		}
		return json.Number(strconv.FormatInt(int64(d), 10)), true // nanoseconds, as encoding/json writes it
	case t == timeType || implements(t, textMarshalerType) || implements(t, textUnmarshalerType):
		return text, true
	case t.Kind() == reflect.String:
		return text, true
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(text)
		return b, err == nil
	}
	return numberText(text, t.Kind())
}

// jsonNumber matches a JSON number literal.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// numberText returns the text of a number of kind k as a json.Number: the
// text itself when it is a JSON number, so that it is exact, or else the
// number it parses to (as "+5" is 5); ok is false if it does not parse.
func numberText(text string, k reflect.Kind) (json.Number, bool) {
	var canon string
	switch {
	case k >= reflect.Int && k <= reflect.Int64:
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return "", false
		}
		canon = strconv.FormatInt(v, 10)
	case k >= reflect.Uint && k <= reflect.Uintptr:
		v, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			return "", false
		}
		canon = strconv.FormatUint(v, 10)
	case k == reflect.Float32 || k == reflect.Float64:
		v, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) { // no JSON number
			return "", false
		}
		canon = strconv.FormatFloat(v, 'g', -1, 64)
	default:
		return "", false
	}
	if jsonNumber.MatchString(text) {
		return json.Number(text), true
	}
	return json.Number(canon), true
}

// componentName names t at a level of qualification: 0 is its name with
// the packages of type arguments dropped (Page-Note), 1 qualifies it and
// its arguments by package name (openapi.Page-notes.Note), 2 by package
// path, and 3 adds a hash of the full name to 2, for names that only
// sanitizing made equal.
func componentName(t reflect.Type, level int) string {
	name := qualifyArgs(t.Name(), level)
	switch level {
	case 0:
	case 1:
		name = path.Base(t.PkgPath()) + "." + name
	default:
		name = t.PkgPath() + "." + name
	}
	name = sanitize(name)
	if level >= 3 {
		h := fnv.New32a()
		h.Write([]byte(t.PkgPath() + "." + t.Name()))
		name += "-" + strconv.FormatUint(uint64(h.Sum32()), 16)
	}
	return name
}

// qualifyArgs rewrites the package-qualified names in the type arguments
// of name, such as Page[github.com/x/notes.Note]: at level 0 to Note, at
// level 1 to notes.Note, and else kept.
func qualifyArgs(name string, level int) string {
	open := strings.IndexByte(name, '[')
	if open < 0 || level >= 2 {
		return name
	}
	var b strings.Builder
	b.WriteString(name[:open])
	rest := name[open:]
	for rest != "" {
		end := strings.IndexAny(rest, "[]{}(),;* ")
		switch {
		case end == 0:
			b.WriteByte(rest[0])
			rest = rest[1:]
			continue
		case end < 0:
			end = len(rest)
		}
		b.WriteString(unqualify(rest[:end], level))
		rest = rest[end:]
	}
	return b.String()
}

// unqualify drops the package path of an identifier such as
// github.com/x/notes.Note, and at level 0 its package name too.
func unqualify(id string, level int) string {
	local := id[strings.LastIndexByte(id, '/')+1:]
	dot := strings.LastIndexByte(local, '.')
	if dot <= 0 {
		return id
	}
	if level == 0 {
		return local[dot+1:]
	}
	return local
}

// sanitize replaces each run of characters a component name cannot hold
// with one '-'.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	if name := strings.TrimSuffix(b.String(), "-"); name != "" {
		return name
	}
	return "T" // a name of letters beyond ASCII only
}

// groupNames names the types of a group, which share their unqualified
// name, by the least qualification that tells them apart.
func groupNames(group []*component) []string {
	names := make([]string, len(group))
	for level := 0; ; level++ {
		for i, c := range group {
			names[i] = componentName(c.t, level)
		}
		if level == 3 || distinct(names) {
			break
		}
	}
	seen := map[string]int{}
	for i, name := range names { // the same Go name twice: local types
		seen[name]++
		if n := seen[name]; n > 1 {
			names[i] = name + "-" + strconv.Itoa(n)
		}
	}
	return names
}

func distinct(names []string) bool {
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return false
		}
		seen[n] = true
	}
	return true
}
