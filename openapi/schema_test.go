package openapi

import (
	"encoding/json"
	htmltemplate "html/template"
	"net"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	texttemplate "text/template"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonOf marshals v, failing the test on an error.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

type (
	textStatus string
	level      int
	rawJSON    struct{}
	textual    struct{}
	ptrTextual struct{}
	jsonLevel  int
	textLevel  int
)

func (rawJSON) MarshalJSON() ([]byte, error)     { return []byte(`1`), nil }
func (textual) MarshalText() ([]byte, error)     { return []byte("t"), nil }
func (jsonLevel) MarshalJSON() ([]byte, error)   { return []byte(`7`), nil }
func (textLevel) MarshalText() ([]byte, error)   { return []byte("t"), nil }
func (*ptrTextual) MarshalText() ([]byte, error) { return []byte("t"), nil }
func (*ptrTextual) UnmarshalText(b []byte) error { return nil }
func (*textStatus) UnmarshalText(b []byte) error { return nil } // a TextUnmarshaler of string kind

func TestOfScalars(t *testing.T) {
	for _, c := range []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"bool", reflect.TypeFor[bool](), `{"type":"boolean"}`},
		{"int", reflect.TypeFor[int](), `{"type":"integer","format":"int64"}`},
		{"int8", reflect.TypeFor[int8](), `{"type":"integer","format":"int8"}`},
		{"int16", reflect.TypeFor[int16](), `{"type":"integer","format":"int16"}`},
		{"int32", reflect.TypeFor[int32](), `{"type":"integer","format":"int32"}`},
		{"int64", reflect.TypeFor[int64](), `{"type":"integer","format":"int64"}`},
		{"uint", reflect.TypeFor[uint](), `{"type":"integer","format":"uint64","minimum":0}`},
		{"uint8", reflect.TypeFor[uint8](), `{"type":"integer","format":"uint8","minimum":0}`},
		{"uint16", reflect.TypeFor[uint16](), `{"type":"integer","format":"uint16","minimum":0}`},
		{"uint32", reflect.TypeFor[uint32](), `{"type":"integer","format":"uint32","minimum":0}`},
		{"uint64", reflect.TypeFor[uint64](), `{"type":"integer","format":"uint64","minimum":0}`},
		{"float32", reflect.TypeFor[float32](), `{"type":"number","format":"float"}`},
		{"float64", reflect.TypeFor[float64](), `{"type":"number","format":"double"}`},
		{"string", reflect.TypeFor[string](), `{"type":"string"}`},
		{"named scalar inlined", reflect.TypeFor[level](), `{"type":"integer","format":"int64"}`},
		{"time.Time", reflect.TypeFor[time.Time](), `{"type":"string","format":"date-time"}`},
		{"time.Duration is nanoseconds", reflect.TypeFor[time.Duration](), `{"type":"integer","format":"int64"}`},
		{"[]byte is base64", reflect.TypeFor[[]byte](), `{"type":"string","contentEncoding":"base64"}`},
		{"[4]byte is an array", reflect.TypeFor[[4]byte](), `{"type":"array","items":{"type":"integer","format":"uint8","minimum":0},"minItems":4,"maxItems":4}`},
		{"json.RawMessage", reflect.TypeFor[json.RawMessage](), `{}`},
		{"json.Number", reflect.TypeFor[json.Number](), `{"type":"number"}`},
		{"any", reflect.TypeFor[any](), `{}`},
		{"error interface", reflect.TypeFor[error](), `{}`},
		{"nil type", nil, `{}`},
		{"json.Marshaler", reflect.TypeFor[rawJSON](), `{}`},
		{"encoding.TextMarshaler", reflect.TypeFor[textual](), `{"type":"string"}`},
		{"TextMarshaler on the pointer", reflect.TypeFor[ptrTextual](), `{"type":"string"}`},
		{"net.IP, a TextMarshaler slice", reflect.TypeFor[net.IP](), `{"type":"string"}`},
		{"pointer is nullable", reflect.TypeFor[*int](), `{"type":["integer","null"],"format":"int64"}`},
		{"pointer to pointer", reflect.TypeFor[**string](), `{"type":["string","null"]}`},
		{"pointer to time", reflect.TypeFor[*time.Time](), `{"type":["string","null"],"format":"date-time"}`},
		{"pointer to any", reflect.TypeFor[*any](), `{}`},
		{"slice", reflect.TypeFor[[]string](), `{"type":"array","items":{"type":"string"}}`},
		{"pointer to slice", reflect.TypeFor[*[]bool](), `{"type":["array","null"],"items":{"type":"boolean"}}`},
		{"slice of pointers", reflect.TypeFor[[]*float64](), `{"type":"array","items":{"type":["number","null"],"format":"double"}}`},
		{"array", reflect.TypeFor[[2]string](), `{"type":"array","items":{"type":"string"},"minItems":2,"maxItems":2}`},
		{"map of string keys", reflect.TypeFor[map[string]int32](), `{"type":"object","additionalProperties":{"type":"integer","format":"int32"}}`},
		{"map of int keys", reflect.TypeFor[map[int]bool](), `{"type":"object","additionalProperties":{"type":"boolean"}}`},
		{"map of TextMarshaler keys", reflect.TypeFor[map[textual]any](), `{"type":"object","additionalProperties":{}}`},
		{"anonymous struct inlined", reflect.TypeFor[struct {
			A int `json:"a"`
		}](), `{"type":"object","properties":{"a":{"type":"integer","format":"int64"}},"required":["a"]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newSchemas()
			assert.JSONEq(t, c.want, jsonOf(t, g.of(c.typ)))
			assert.Empty(t, g.components(), "none of these is a component")
		})
	}
}

func TestOfUnsupported(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[chan int](),
		reflect.TypeFor[func()](),
		reflect.TypeFor[complex128](),
		reflect.TypeFor[unsafe.Pointer](),
		reflect.TypeFor[[]chan int](),
		reflect.TypeFor[*func()](),
		reflect.TypeFor[map[bool]int](),
		reflect.TypeFor[map[string]complex64](),
		reflect.TypeFor[[2]func()](),
	} {
		t.Run(typ.String(), func(t *testing.T) {
			g := newSchemas()
			assert.Nil(t, g.of(typ))
			assert.Nil(t, g.field(typ, `minimum:"1"`))
			assert.Nil(t, g.param(typ, ""))
		})
	}
}

type Note struct {
	ID      int64      `json:"id"`
	Text    string     `json:"text,omitempty"`
	Done    bool       `json:"done,omitzero"`
	Due     *time.Time `json:"due"`
	Tags    []string   `json:"tags,omitempty" required:"true"`
	Count   int        `json:"count,string"`
	MaybeN  *int       `json:"maybe,string"`
	Skipped string     `json:"-"`
	//lint:ignore SA5008 the name "-", which encoding/json takes from "-,"
	Dash     string  `json:"-,"`
	Untagged float32 // named by the Go field
	//lint:ignore SA5008 a name encoding/json refuses, falling back to the Go name
	BadName string           `json:"a\"b"` // not a json name encoding/json takes
	Ch      chan int         `json:"ch"`   // encoding/json fails on it: left out
	Fn      func()           `json:"fn"`
	Attrs   map[string]any   `json:"attrs"`
	Meta    json.RawMessage  `json:"meta"`
	Struct  struct{ X bool } `json:"struct"`
	Complex complex64
	When    time.Time `json:"when,omitempty"` // a struct is never empty: still required
	Pair    [2]int    `json:"pair,omitempty"`
	None    [0]int    `json:"none,omitempty"`
	Raw     jsonLevel `json:"raw,string"` // marshals itself: ,string is ignored
	Textual textLevel `json:"textual,string"`
	Flag    bool      `json:"flag,omitempty,string"`
	hidden  int
}

func TestOfStruct(t *testing.T) {
	g := newSchemas()
	assert.JSONEq(t, `{"$ref":"#/components/schemas/Note"}`, jsonOf(t, g.of(reflect.TypeFor[Note]())))
	want := `{"Note":{"type":"object","properties":{
		"id":{"type":"integer","format":"int64"},
		"text":{"type":"string"},
		"done":{"type":"boolean"},
		"due":{"type":["string","null"],"format":"date-time"},
		"tags":{"type":"array","items":{"type":"string"}},
		"count":{"type":"string"},
		"maybe":{"type":["string","null"]},
		"-":{"type":"string"},
		"Untagged":{"type":"number","format":"float"},
		"BadName":{"type":"string"},
		"attrs":{"type":"object","additionalProperties":{}},
		"meta":{},
		"struct":{"type":"object","properties":{"X":{"type":"boolean"}},"required":["X"]},
		"when":{"type":"string","format":"date-time"},
		"pair":{"type":"array","items":{"type":"integer","format":"int64"},"minItems":2,"maxItems":2},
		"none":{"type":"array","items":{"type":"integer","format":"int64"},"minItems":0,"maxItems":0},
		"raw":{},
		"textual":{"type":"string"},
		"flag":{"type":"string"}},
		"required":["id","due","tags","count","maybe","-","Untagged","BadName","attrs","meta","struct","when","pair","raw","textual"]}}`
	assert.JSONEq(t, want, jsonOf(t, g.components()))
	_ = Note{}.hidden
}

// The properties come in the order of the Go fields, not sorted.
func TestPropertiesOrder(t *testing.T) {
	type ordered struct {
		Zeta  int `json:"zeta"`
		Alpha int `json:"alpha"`
		Mid   int `json:"mid"`
	}
	g := newSchemas()
	s := g.of(reflect.TypeFor[ordered]())
	comp := g.components()["ordered"]
	require.NotNil(t, comp, "components: %v", g.components())
	assert.Equal(t, `{"$ref":"#/components/schemas/ordered"}`, jsonOf(t, s))
	int64s := `{"type":"integer","format":"int64"}`
	assert.Equal(t, `{"type":"object","properties":{"zeta":`+int64s+`,"alpha":`+int64s+`,"mid":`+int64s+`},"required":["zeta","alpha","mid"]}`, jsonOf(t, comp))
	assert.Equal(t, "alpha", comp.Properties[1].Name)
	assert.Same(t, comp.Properties[2].Schema, comp.Properties.Get("mid"))
	assert.Nil(t, comp.Properties.Get("nope"))
	assert.Equal(t, `{"a\u003cb":{}}`, jsonOf(t, Properties{{Name: "a<b", Schema: &Schema{}}}), "names are escaped")
}

type (
	Inner struct {
		A  int `json:"a"`
		D  int // as Other.D, at the same depth: both dropped
		Ex int `json:"E"` // tagged: wins over Other.E
		In int
	}
	Other struct {
		A int // named A, not a: no conflict
		D int
		C int `json:"c"`
		E int
	}
	Deep   struct{ Inner }
	Opt    struct{ P int }
	Holder struct {
		Inner
		Other
		Deep
		*Opt
		Named Inner  `json:"named"`
		In    string // shallower than Inner.In: wins
	}
	//lint:ignore U1000 embedded unexported and not a struct: encoding/json skips it, as must the schema
	myInt    int
	MyInt    int
	inner    struct{ A int }
	NamedHid struct {
		inner `json:"x"` // unexported, yet written: it is named
		*MyInt
		//lint:ignore U1000 as the type
		myInt
		B int
	}
	SelfEmbed struct {
		*SelfEmbed
		V int
	}
	twice  struct{ Z int }
	TwiceA struct{ twice }
	TwiceB struct{ twice }
	Twice  struct {
		TwiceA
		TwiceB
	}
)

// The properties of a struct with embedded ones are those encoding/json
// writes: the test marshals a value and compares.
func TestOfEmbedded(t *testing.T) {
	for _, c := range []struct {
		name string
		v    any
		want string // the properties, in order, and the required ones
	}{
		{"promotion and conflicts", Holder{Opt: &Opt{}}, "a E A c P named In | a E A c named In"},
		{"same type twice at one depth", Twice{}, " | "},
		{"unexported embedded", NamedHid{}, "x MyInt B | x MyInt B"},
		{"embedding itself", SelfEmbed{}, "V | V"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newSchemas()
			g.of(reflect.TypeOf(c.v))
			s := g.components()[reflect.TypeOf(c.v).Name()]
			require.NotNil(t, s)
			var names []string
			for _, p := range s.Properties {
				names = append(names, p.Name)
			}
			assert.Equal(t, c.want, strings.Join(names, " ")+" | "+strings.Join(s.Required, " "))

			var written map[string]any
			require.NoError(t, json.Unmarshal([]byte(jsonOf(t, c.v)), &written))
			assert.ElementsMatch(t, keys(written), names, "what encoding/json writes")
		})
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

type Tree struct {
	Name   string `json:"name"`
	Kids   []Tree `json:"kids"`
	Parent *Tree  `json:"parent"`
	Index  Forest `json:"index,omitempty"`
}

type Forest map[string]*Tree

func TestOfRecursive(t *testing.T) {
	g := newSchemas()
	assert.JSONEq(t, `{"$ref":"#/components/schemas/Tree"}`, jsonOf(t, g.of(reflect.TypeFor[Tree]())))
	assert.JSONEq(t, `{
		"Tree":{"type":"object","properties":{
			"name":{"type":"string"},
			"kids":{"type":"array","items":{"$ref":"#/components/schemas/Tree"}},
			"parent":{"anyOf":[{"$ref":"#/components/schemas/Tree"},{"type":"null"}]},
			"index":{"$ref":"#/components/schemas/Forest"}},
			"required":["name","kids","parent"]},
		"Forest":{"type":"object","additionalProperties":{"anyOf":[{"$ref":"#/components/schemas/Tree"},{"type":"null"}]}}}`,
		jsonOf(t, g.components()))
}

type (
	Page[T any] struct {
		Items []T `json:"items"`
		Next  *T  `json:"next"`
	}
	Pair[K comparable, V any] struct {
		K K `json:"k"`
		V V `json:"v"`
	}
	Names  []string
	Matrix [2][2]int
	URL    struct {
		Raw string `json:"raw"`
	}
)

func TestComponentNames(t *testing.T) {
	valid := regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)
	for _, c := range []struct {
		name  string
		types []reflect.Type
		want  []string // the component names, sorted
	}{
		{"generic", []reflect.Type{reflect.TypeFor[Page[Note]]()}, []string{"Note", "Page-Note"}},
		{"two type arguments", []reflect.Type{reflect.TypeFor[Pair[string, int]]()}, []string{"Pair-string-int"}},
		{"named slice, array and map", []reflect.Type{reflect.TypeFor[Names](), reflect.TypeFor[Matrix](), reflect.TypeFor[Forest]()},
			[]string{"Forest", "Matrix", "Names", "Tree"}},
		{"one name, two packages", []reflect.Type{reflect.TypeFor[url.URL](), reflect.TypeFor[URL]()}, nil},
		{"one name, two paths", []reflect.Type{reflect.TypeFor[texttemplate.Template](), reflect.TypeFor[htmltemplate.Template]()},
			nil}, // checked below, by prefix: they bring parse's types along
		{"arguments of two packages", []reflect.Type{reflect.TypeFor[Page[URL]](), reflect.TypeFor[Page[url.URL]]()},
			[]string{"Userinfo", "openapi.Page-openapi.URL", "openapi.Page-url.URL", "openapi.URL", "url.URL"}},
		{"odd type arguments", []reflect.Type{
			reflect.TypeFor[Page[struct {
				A int `json:"a,omitempty"`
			}]](),
			reflect.TypeFor[Pair[*url.URL, map[string][]func(...int) chan<- Note]](),
			reflect.TypeFor[Page[Pair[int, Page[url.URL]]]](),
		}, []string{"Page-Pair-int-Page-URL", "Page-URL", "Page-struct-A-int-json-a-omitempty", "Pair-URL-map-string-func-int-chan-Note", "Pair-int-Page-URL", "URL", "Userinfo"}},
		{"equal once sanitized", []reflect.Type{reflect.TypeFor[Page[Note]](), reflect.TypeFor[Page[[]Note]]()}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newSchemas()
			for _, typ := range c.types {
				g.of(typ)
			}
			var names []string
			for name := range g.components() {
				assert.Regexp(t, valid, name)
				names = append(names, name)
			}
			slices.Sort(names)
			switch c.name {
			case "one name, two packages":
				assert.Contains(t, names, "url.URL")
				assert.Contains(t, names, "openapi.URL")
				assert.NotContains(t, names, "URL")
				assert.Contains(t, names, "Userinfo", "alone with its name: unqualified")
			case "one name, two paths":
				assert.Contains(t, names, "text-template.Template")
				assert.Contains(t, names, "html-template.Template")
			case "equal once sanitized":
				assert.Len(t, slices.DeleteFunc(names, func(n string) bool { return !strings.HasPrefix(n, "github.com-godepend-depend-openapi.Page-") }), 2, "qualified by path and a hash: %v", names)
			default:
				assert.Equal(t, c.want, names)
			}
			assert.Len(t, g.components(), len(g.comps), "no two types share a name")
		})
	}
}

// A $ref handed out before a second type of its name is met is renamed
// with its component.
func TestComponentRenamed(t *testing.T) {
	g := newSchemas()
	first := g.of(reflect.TypeFor[URL]())
	assert.Equal(t, "#/components/schemas/URL", first.Ref)
	nullable := g.of(reflect.TypeFor[*URL]())
	g.of(reflect.TypeFor[url.URL]())
	assert.Equal(t, "#/components/schemas/openapi.URL", first.Ref)
	assert.Equal(t, "#/components/schemas/openapi.URL", nullable.AnyOf[0].Ref)
	assert.Equal(t, "#/components/schemas/url.URL", g.of(reflect.TypeFor[url.URL]()).Ref)
}

// Local types of one name in one package are the one case that names by
// order of first use: Go gives them the same name and path.
func TestComponentLocalTypes(t *testing.T) {
	a := func() reflect.Type { type Local struct{ A int }; return reflect.TypeFor[Local]() }()
	b := func() reflect.Type { type Local struct{ B int }; return reflect.TypeFor[Local]() }()
	g := newSchemas()
	refA, refB := g.of(a), g.of(b)
	assert.Regexp(t, `^#/components/schemas/github.com-godepend-depend-openapi.Local-[0-9a-f]+$`, refA.Ref, "qualified by path and hash")
	assert.Equal(t, refA.Ref+"-2", refB.Ref)
	assert.Len(t, g.components(), 2)
}

// The document is the same whatever order the types are met in.
func TestDeterministic(t *testing.T) {
	types := []reflect.Type{
		reflect.TypeFor[Note](), reflect.TypeFor[url.URL](), reflect.TypeFor[URL](), reflect.TypeFor[Page[URL]](),
		reflect.TypeFor[Page[url.URL]](), reflect.TypeFor[Tree](), reflect.TypeFor[texttemplate.Template](),
		reflect.TypeFor[htmltemplate.Template](), reflect.TypeFor[Holder](),
	}
	generate := func(order []reflect.Type) string {
		g := newSchemas()
		refs := map[string]*Schema{}
		for _, typ := range order {
			refs[typ.PkgPath()+"."+typ.Name()] = g.of(typ)
		}
		return jsonOf(t, map[string]any{"refs": refs, "components": g.components()})
	}
	forward := generate(types)
	reversed := slices.Clone(types)
	slices.Reverse(reversed)
	assert.Equal(t, forward, generate(reversed))
	assert.Equal(t, forward, generate(types), "twice the same")
	assert.Contains(t, forward, `"#/components/schemas/url.URL"`)
}

type Body struct {
	Name   string        `json:"name" minLength:"1" maxLength:"50" pattern:"^[a-z]+$"`
	Age    int           `json:"age,omitempty" minimum:"0" maximum:"150" default:"18"`
	Big    uint64        `json:"big" maximum:"18446744073709551615" exclusiveMinimum:"1"`
	Ratio  float64       `json:"ratio" exclusiveMaximum:"0.5" minimum:"+1" default:"0.25"`
	Tags   []string      `json:"tags" minLength:"1" maxLength:"3" pattern:"^#" enum:"#a,#b" default:"#a,#b"`
	Sizes  []uint16      `json:"sizes" minimum:"2" enum:"2,4" default:""`
	Kind   *string       `json:"kind" enum:"a,b" default:"a"`
	Level  *int          `json:"level" enum:"1,2"`
	Flag   bool          `json:"flag" default:"true"`
	Wait   time.Duration `json:"wait" default:"1.5s"`
	Names  Names         `json:"names" minLength:"2" pattern:"x"`
	Bad    int           `json:"bad" minimum:"one" maximum:"1e3" enum:"1,x" default:"z" minLength:"2"`
	BadStr string        `json:"badStr" pattern:"(" minLength:"-1" maxLength:"x" minimum:"1"`
	Quoted int           `json:"quoted,string" minimum:"5"`
	Req    string        `json:"req,omitempty" required:"true"`
}

// Constraint tags on the fields of a body are in the body's schema.
func TestFieldConstraints(t *testing.T) {
	g := newSchemas()
	g.of(reflect.TypeFor[Body]())
	want := `{"type":"object","properties":{
		"name":{"type":"string","minLength":1,"maxLength":50,"pattern":"^[a-z]+$"},
		"age":{"type":"integer","format":"int64","default":18,"minimum":0,"maximum":150},
		"big":{"type":"integer","format":"uint64","minimum":0,"maximum":18446744073709551615,"exclusiveMinimum":1},
		"ratio":{"type":"number","format":"double","default":0.25,"minimum":1,"exclusiveMaximum":0.5},
		"tags":{"type":"array","items":{"type":"string","enum":["#a","#b"],"pattern":"^#"},"minItems":1,"maxItems":3,"default":["#a","#b"]},
		"sizes":{"type":"array","items":{"type":"integer","format":"uint16","minimum":2,"enum":[2,4]},"default":[]},
		"kind":{"type":["string","null"],"enum":["a","b",null],"default":"a"},
		"level":{"type":["integer","null"],"format":"int64","enum":[1,2,null]},
		"flag":{"type":"boolean","default":true},
		"wait":{"type":"integer","format":"int64","default":1500000000},
		"names":{"$ref":"#/components/schemas/Names","minItems":2,"items":{"pattern":"x"}},
		"bad":{"type":"integer","format":"int64"},
		"badStr":{"type":"string"},
		"quoted":{"type":"string"},
		"req":{"type":"string"}},
		"required":["name","big","ratio","tags","sizes","kind","level","flag","wait","names","bad","badStr","quoted","req"]}`
	assert.JSONEq(t, want, jsonOf(t, g.components()["Body"]))
	assert.Contains(t, jsonOf(t, g.components()["Body"]), `"maximum":18446744073709551615,`, "the bound's text, not a float64")
	assert.JSONEq(t, `{"type":"array","items":{"type":"string"}}`, jsonOf(t, g.components()["Names"]), "the component has none of one field's tags")
}

// A body field's own tags check a body that is a slice or a string.
func TestFieldOfBody(t *testing.T) {
	for _, c := range []struct {
		name string
		typ  reflect.Type
		tag  reflect.StructTag
		want string
	}{
		{"slice", reflect.TypeFor[[]int](), `body:"" minLength:"1" maximum:"9"`, `{"type":"array","items":{"type":"integer","format":"int64","maximum":9},"minItems":1}`},
		{"pointer to slice", reflect.TypeFor[*[]string](), `maxLength:"2" enum:"x"`, `{"type":["array","null"],"items":{"type":"string","enum":["x"]},"maxItems":2}`},
		{"string", reflect.TypeFor[string](), `minLength:"3"`, `{"type":"string","minLength":3}`},
		{"struct, untouched", reflect.TypeFor[Note](), `minLength:"3"`, `{"$ref":"#/components/schemas/Note"}`},
		{"nested slices: items not checked", reflect.TypeFor[[][]int](), `minLength:"1" minimum:"1"`, `{"type":"array","items":{"type":"array","items":{"type":"integer","format":"int64"}},"minItems":1}`},
		{"[]byte", reflect.TypeFor[[]byte](), `minLength:"1"`, `{"type":"string","contentEncoding":"base64"}`},
		{"duration bound skipped", reflect.TypeFor[time.Duration](), `minimum:"1"`, `{"type":"integer","format":"int64"}`},
		{"float32 default", reflect.TypeFor[float32](), `default:"1e2"`, `{"type":"number","format":"float","default":1e2}`},
		{"NaN skipped", reflect.TypeFor[float64](), `default:"NaN" maximum:"Inf"`, `{"type":"number","format":"double"}`},
		{"time default", reflect.TypeFor[time.Time](), `default:"2006-01-02T15:04:05Z"`, `{"type":"string","format":"date-time","default":"2006-01-02T15:04:05Z"}`},
		{"bad bool default", reflect.TypeFor[bool](), `default:"yes"`, `{"type":"boolean"}`},
		{"nil type", nil, `default:"1" minimum:"1"`, `{}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.JSONEq(t, c.want, jsonOf(t, newSchemas().field(c.typ, c.tag)))
		})
	}
}

func TestParam(t *testing.T) {
	for _, c := range []struct {
		name string
		typ  reflect.Type
		tag  reflect.StructTag
		want string
	}{
		{"int", reflect.TypeFor[int](), `query:"limit" default:"20" minimum:"1" maximum:"100"`, `{"type":"integer","format":"int64","default":20,"minimum":1,"maximum":100}`},
		{"pointer is not nullable", reflect.TypeFor[*int32](), `enum:"1,2"`, `{"type":"integer","format":"int32","enum":[1,2]}`},
		{"duration is text", reflect.TypeFor[time.Duration](), `default:"1.5s"`, `{"type":"string","examples":["1.5s","300ms"],"default":"1.5s"}`},
		{"bad duration default", reflect.TypeFor[time.Duration](), `default:"soon"`, `{"type":"string","examples":["1.5s","300ms"]}`},
		{"time", reflect.TypeFor[*time.Time](), ``, `{"type":"string","format":"date-time"}`},
		{"TextUnmarshaler", reflect.TypeFor[ptrTextual](), `default:"x"`, `{"type":"string","default":"x"}`},
		{"TextUnmarshaler of string kind", reflect.TypeFor[textStatus](), `enum:"on,off" pattern:"o"`, `{"type":"string","enum":["on","off"],"pattern":"o"}`},
		{"slice", reflect.TypeFor[[]uint16](), `minLength:"1" maxLength:"4" maximum:"9" default:"1,2"`, `{"type":"array","items":{"type":"integer","format":"uint16","minimum":0,"maximum":9},"minItems":1,"maxItems":4,"default":[1,2]}`},
		{"slice of durations", reflect.TypeFor[[]time.Duration](), `default:"1s,2m"`, `{"type":"array","items":{"type":"string","examples":["1.5s","300ms"]},"default":["1s","2m"]}`},
		{"string", reflect.TypeFor[string](), `minLength:"2" pattern:"^a"`, `{"type":"string","minLength":2,"pattern":"^a"}`},
		{"bool", reflect.TypeFor[bool](), `default:"false"`, `{"type":"boolean","default":false}`},
		{"not a parameter: struct", reflect.TypeFor[Note](), ``, `null`},
		{"not a parameter: any", reflect.TypeFor[any](), ``, `null`},
		{"not a parameter: slice of pointers", reflect.TypeFor[[]*int](), ``, `null`},
		{"not a parameter: nil", nil, `default:"1"`, `null`},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newSchemas()
			assert.JSONEq(t, c.want, jsonOf(t, g.param(c.typ, c.tag)))
			assert.Empty(t, g.components())
		})
	}
}

// A bound keeps its tag's text when that is a JSON number, and is
// rewritten when it is not (Go parses "+1", JSON does not).
func TestBoundsText(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		tag  reflect.StructTag
		want string
	}{
		{reflect.TypeFor[float64](), `maximum:"1.50" minimum:"1e2"`, `{"type":"number","format":"double","minimum":1e2,"maximum":1.50}`},
		{reflect.TypeFor[int](), `minimum:"+1" enum:"+2,-0"`, `{"type":"integer","format":"int64","enum":[2,-0],"minimum":1}`},
		{reflect.TypeFor[float32](), `exclusiveMaximum:".5"`, `{"type":"number","format":"float","exclusiveMaximum":0.5}`},
		{reflect.TypeFor[uint64](), `maximum:"18446744073709551615"`, `{"type":"integer","format":"uint64","minimum":0,"maximum":18446744073709551615}`},
	} {
		t.Run(string(c.tag), func(t *testing.T) {
			assert.Equal(t, c.want, jsonOf(t, newSchemas().field(c.typ, c.tag)))
		})
	}
}

// No tag, however wrong for its type, panics or makes a schema that does
// not marshal.
func TestTagsNeverPanic(t *testing.T) {
	types := []reflect.Type{
		nil, reflect.TypeFor[int8](), reflect.TypeFor[uint](), reflect.TypeFor[float32](), reflect.TypeFor[string](),
		reflect.TypeFor[bool](), reflect.TypeFor[time.Duration](), reflect.TypeFor[time.Time](), reflect.TypeFor[[]byte](),
		reflect.TypeFor[*[]*int](), reflect.TypeFor[[]textStatus](), reflect.TypeFor[Names](), reflect.TypeFor[*Note](),
		reflect.TypeFor[map[string]int](), reflect.TypeFor[any](), reflect.TypeFor[net.IP](), reflect.TypeFor[[3]string](),
	}
	tags := []reflect.StructTag{
		`minimum:"x" maximum:"" exclusiveMinimum:"1e999" exclusiveMaximum:"0x10"`,
		`minLength:"99999999999999999999" maxLength:"-3"`,
		`pattern:"[" enum:"" default:""`,
		`enum:",,," default:",x,"`,
		`default:"NaN" enum:"Inf,-Inf"`,
		`minimum:"-1" maximum:"+1" exclusiveMaximum:".5" enum:"1,2" default:"1,2" pattern:"a" minLength:"1"`,
	}
	for _, typ := range types {
		for _, tag := range tags {
			name := "nil"
			if typ != nil {
				name = typ.String()
			}
			t.Run(name+" "+string(tag), func(t *testing.T) {
				g := newSchemas()
				for _, s := range []*Schema{g.field(typ, tag), g.param(typ, tag)} {
					_, err := json.Marshal(s)
					require.NoError(t, err)
				}
			})
		}
	}
}

// selfPointer is a legal Go type that points to itself; encoding/json
// encodes it (as null, or as the value it ends at).
type selfPointer *selfPointer

// TestOfSelfPointerDoesNotOverflow: schema follows pointers without
// remembering them, so a named pointer type that points to itself recurses
// until the stack overflows, a fatal error that takes the whole program
// down at startup. It runs in a child process so that the crash fails
// this test alone.
func TestOfSelfPointerDoesNotOverflow(t *testing.T) {
	if os.Getenv("OPENAPI_SELF_POINTER") == "1" {
		newSchemas().of(reflect.TypeFor[selfPointer]())
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOfSelfPointerDoesNotOverflow$")
	cmd.Env = append(os.Environ(), "OPENAPI_SELF_POINTER=1")
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "%.300s", out)
}
