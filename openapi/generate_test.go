package openapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
	"github.com/godepend/depend/openapi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got), "the document changed; if that is intended, run go test ./openapi -update and review the diff")
}

type User struct {
	Name  string   `json:"name"`
	Roles []string `json:"roles,omitempty"`
}

type Note struct {
	ID      int64             `json:"id"`
	Text    string            `json:"text"`
	Author  *User             `json:"author"`
	Created time.Time         `json:"created"`
	Replies []Note            `json:"replies,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
}

type PageQuery struct {
	Limit  int `query:"limit" default:"20" minimum:"1" maximum:"100" description:"How many notes"`
	Offset int `query:"offset" default:"0" minimum:"0"`
}

type ListNotes struct {
	PageQuery
	Sort []string `query:"sort" enum:"id,text"`
}

type NewNote struct {
	Body struct {
		Text string `json:"text" minLength:"1" maxLength:"280" pattern:"\\S"`
		Pin  *bool  `json:"pin,omitempty"`
	} `body:""`
}

type NoteID struct {
	ID int64 `path:"id" minimum:"1"`
}

type Login struct {
	Name     string `form:"name" minLength:"1"`
	Password string `form:"password" minLength:"8"`
}

type Tenant struct {
	ID string `header:"x-tenant" required:"true"`
}

func authenticate(r *http.Request) (*User, error) { return &User{Name: "ada"}, nil }

func tenantOf(t Tenant) string { return t.ID }

func listNotes(ListNotes, string) ([]Note, error) { return nil, nil }
func addNote(NewNote, *User) (depend.Response[Note], error) {
	return depend.Created("/notes/1", Note{}), nil
}
func getNote(NoteID) (*Note, error)                { return nil, nil }
func deleteNote(NoteID, *User) error               { return nil }
func login(Login) (string, error)                  { return "", nil }
func files(w http.ResponseWriter, r *http.Request) {}
func me(u *User) *User                             { return u }

// notesApp is the application the golden document describes: query, path,
// header, form and body inputs, inputs reached through a provider, a
// group requirement that declares security and a 401, a Response with
// Status, a handler with no value, and one that writes its own response.
func notesApp(t *testing.T) *depend.Container {
	c := depend.New()
	require.NoError(t, c.Provide(authenticate, openapi.Security("bearer", openapi.Bearer()), openapi.Fails(401, "no or unknown bearer token")))
	require.NoError(t, c.Provide(tenantOf))
	require.NoError(t, c.Provide(depend.Input[ListNotes]()))
	require.NoError(t, c.Provide(depend.Input[NewNote]()))
	require.NoError(t, c.Provide(depend.Input[NoteID]()))
	require.NoError(t, c.Provide(depend.Input[Login]()))
	require.NoError(t, c.Provide(depend.Input[Tenant]()))
	mux := http.NewServeMux()
	c.Handle(mux, "GET /notes", listNotes, openapi.Tags("notes"))
	c.Handle(mux, "POST /notes", addNote, openapi.Status(201), openapi.Tags("notes"), openapi.Summary("Add a note"))
	c.Handle(mux, "GET /notes/{id}", getNote, openapi.Fails(404, "no such note"), openapi.Tags("notes"))
	authed := c.Group(depend.Require[*User]())
	authed.Handle(mux, "DELETE /notes/{id}", deleteNote, openapi.OperationID("removeNote"), openapi.Deprecated(), openapi.Description("Deletes a note. Use **archive** instead."))
	authed.Handle(mux, "GET /me", me)
	c.Handle(mux, "POST /login", login)
	c.Handle(mux, "GET /files/{path...}", files, openapi.Status(200))
	c.Handle(mux, "GET /{$}", func() string { return "home" })
	return c
}

func encode(t *testing.T, doc *openapi.Document) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(doc))
	return b.Bytes()
}

func TestDocumentGolden(t *testing.T) {
	doc, err := openapi.New(notesApp(t), openapi.Info{Title: "Notes", Version: "1.0.0"})
	require.NoError(t, err)
	golden(t, "notes.json", encode(t, doc))
}

func TestDocumentIsTheSameEachTime(t *testing.T) {
	c := notesApp(t)
	first, err := openapi.New(c, openapi.Info{Title: "Notes", Version: "1.0.0"})
	require.NoError(t, err)
	for range 5 {
		again, err := openapi.New(c, openapi.Info{Title: "Notes", Version: "1.0.0"})
		require.NoError(t, err)
		require.Equal(t, string(encode(t, first)), string(encode(t, again)))
	}
}

type TenantV2 struct {
	ID     string `header:"x-tenant" required:"true"`
	Region string `query:"region" enum:"eu,us"`
}

// TestChangingAProvidersInputsChangesEveryOperationThatReachesIt builds
// the same routes twice, once with a provider reading Tenant and once
// TenantV2, and compares each operation: those that reach the provider,
// directly or through another provider, change, and only those.
func TestChangingAProvidersInputsChangesEveryOperationThatReachesIt(t *testing.T) {
	type scoped struct{ tenant string }
	build := func(input depend.Provider, tenant any) map[string]json.RawMessage {
		c := depend.New()
		require.NoError(t, c.Provide(input))
		require.NoError(t, c.Provide(tenant))
		require.NoError(t, c.Provide(func(tenant string) scoped { return scoped{tenant} }))
		mux := http.NewServeMux()
		c.Handle(mux, "GET /direct", func(string) int { return 1 })
		c.Handle(mux, "GET /indirect", func(scoped) int { return 1 })
		c.Handle(mux, "GET /required", func() int { return 1 }, openapi.OperationID("required"))
		c.Group(depend.Require[scoped]()).Handle(mux, "GET /grouped", func() int { return 1 })
		c.Handle(mux, "GET /unrelated", func() int { return 1 })
		doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
		require.NoError(t, err)
		ops := map[string]json.RawMessage{}
		for path, item := range doc.Paths {
			b, err := json.Marshal(item["get"])
			require.NoError(t, err)
			ops[path] = b
		}
		return ops
	}
	v1 := build(depend.Input[Tenant](), func(t Tenant) string { return t.ID })
	v2 := build(depend.Input[TenantV2](), func(t TenantV2) string { return t.ID })
	require.Len(t, v1, 5)
	for path, changed := range map[string]bool{"/direct": true, "/indirect": true, "/grouped": true, "/required": false, "/unrelated": false} {
		if changed {
			assert.NotEqual(t, string(v1[path]), string(v2[path]), path)
			assert.Contains(t, string(v2[path]), `"name":"region"`, path)
		} else {
			assert.Equal(t, string(v1[path]), string(v2[path]), path)
		}
	}
}

func TestNewRefusesWhatItCannotDescribe(t *testing.T) {
	type ID struct {
		ID string `path:"id"`
	}
	tests := []struct {
		name string
		wire func(c *depend.Container, mux *http.ServeMux)
		want string
	}{
		{"a pattern without a method", func(c *depend.Container, mux *http.ServeMux) {
			c.Handle(mux, "/any", func() {})
		}, `openapi:  /any (`},
		{"a path input the pattern lacks", func(c *depend.Container, mux *http.ServeMux) {
			c.Provide(depend.Input[ID]())
			c.Handle(mux, "GET /items", func(ID) {})
		}, `depend.Input[openapi_test.ID] reads the path parameter "id", which the pattern does not have`},
		{"a route annotation on a provider", func(c *depend.Container, mux *http.ServeMux) {
			c.Provide(func() *User { return nil }, openapi.Summary("me"))
			c.Handle(mux, "GET /me", func(*User) {})
		}, `openapi.summary annotates a route (pass it to Handle), but was given to Provide`},
		{"a status out of range", func(c *depend.Container, mux *http.ServeMux) {
			c.Handle(mux, "GET /a", func() {}, openapi.Status(99))
			c.Handle(mux, "GET /b", func() {}, openapi.Fails(600, "x"))
		}, `Status: status 99 is not an HTTP status`},
		{"two schemes under one name", func(c *depend.Container, mux *http.ServeMux) {
			c.Provide(func() *User { return nil }, openapi.Security("auth", openapi.Bearer()))
			c.Provide(func() *Note { return nil }, openapi.Security("auth", openapi.APIKey("header", "X-Key")))
			c.Handle(mux, "GET /a", func(*User) {})
			c.Handle(mux, "GET /b", func(*Note) {})
		}, `two security schemes are named "auth"`},
		{"a scheme without a type", func(c *depend.Container, mux *http.ServeMux) {
			c.Handle(mux, "GET /a", func() {}, openapi.Security("auth", openapi.SecurityScheme{}))
		}, `name the scheme and give it a type`},
		{"two operations with one id", func(c *depend.Container, mux *http.ServeMux) {
			c.Handle(mux, "GET /a", func() {}, openapi.OperationID("same"))
			c.Handle(mux, "GET /b", func() {}, openapi.OperationID("same"))
		}, `OperationID "same" is given to another operation too`},
		{"a result JSON cannot encode", func(c *depend.Container, mux *http.ServeMux) {
			c.Handle(mux, "GET /c", func() chan int { return nil })
		}, `the handler's result chan int cannot be encoded as JSON`},
		{"two routes on one path and method", func(c *depend.Container, mux *http.ServeMux) {
			c.Handle(mux, "GET /a/{x}", func() {})
			c.Handle(http.NewServeMux(), "GET /a/{y}", func() {})
		}, `another route already documents GET /a/{y}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			tt.wire(c, http.NewServeMux())
			_, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	t.Run("every problem at once", func(t *testing.T) {
		c := depend.New()
		mux := http.NewServeMux()
		c.Handle(mux, "/a", func() {})
		c.Handle(mux, "GET /b", func() {}, openapi.Status(700))
		_, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
		assert.ErrorContains(t, err, "/a")
		assert.ErrorContains(t, err, "status 700")
	})
	t.Run("no Container", func(t *testing.T) {
		_, err := openapi.New(nil, openapi.Info{Title: "t", Version: "1"})
		assert.ErrorContains(t, err, "openapi: New(nil, ...)")
	})
	t.Run("no title or version", func(t *testing.T) {
		_, err := openapi.New(depend.New(), openapi.Info{Title: "t"})
		assert.ErrorContains(t, err, "Info needs a Title and a Version")
	})
}

func TestOtherToolsAnnotationsAreIgnored(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() *User { return nil }, depend.Annotate("for another tool")))
	c.Handle(http.NewServeMux(), "GET /me", me, depend.Annotate(42))
	_, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	assert.NoError(t, err)
}

type PointerBody struct {
	Body *struct {
		Text string `json:"text"`
	} `body:""`
}

// TestAPointerBodyIsNotNullable: depend refuses a null body as a missing
// one, so the document must not allow null.
func TestAPointerBodyIsNotNullable(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(depend.Input[PointerBody]()))
	c.Handle(http.NewServeMux(), "POST /p", func(PointerBody) {})
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	require.NoError(t, err)
	b, err := json.Marshal(doc.Paths["/p"]["post"].RequestBody)
	require.NoError(t, err)
	assert.JSONEq(t, `{"required":true,"content":{"application/json":{"schema":{"type":"object","properties":{"text":{"type":"string"}}}}}}`, string(b))
}

// A handler that writes its own response may send a body of any type (the
// demo's /timing page is HTML): the document must not say it has none, or
// a client, and a validator, would take the page for an empty response.
func TestAHandlerThatWritesItsResponseHasABodyOfAnyType(t *testing.T) {
	c := depend.New()
	mux := http.NewServeMux()
	c.Handle(mux, "GET /page", files, openapi.Status(200))
	c.Handle(mux, "GET /stream", func(s *depend.Scope) {})
	c.Handle(mux, "DELETE /page", func() {})
	c.Handle(mux, "GET /reset", files, openapi.Status(204))
	doc, err := openapi.New(c, openapi.Info{Title: "Pages", Version: "1.0.0"})
	require.NoError(t, err)
	anyBody := map[string]openapi.MediaType{"*/*": {}}
	assert.Equal(t, anyBody, doc.Paths["/page"]["get"].Responses["200"].Content, "it writes the page itself")
	assert.Equal(t, anyBody, doc.Paths["/stream"]["get"].Responses["default"].Content, "it writes through the Scope")
	assert.Empty(t, doc.Paths["/page"]["delete"].Responses["204"].Content, "it returns nothing and writes nothing")
	assert.Empty(t, doc.Paths["/reset"]["get"].Responses["204"].Content, "a 204 has no body")
}

type TagHeader struct {
	Tags []string `header:"X-Tag"`
}

// TestAHeaderListIsBoundAsTheDocumentSerializesIt: OpenAPI's default style
// for a header parameter is simple, an array written "a,b" in one header
// line, which is how generated clients (and RFC 9110's list fields) send
// it. The document declares no other style, so depend must read that
// request as two items; it reads one, "a,b".
func TestAHeaderListIsBoundAsTheDocumentSerializesIt(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(depend.Input[TagHeader]()))
	var got []string
	mux := http.NewServeMux()
	c.Handle(mux, "GET /tags", func(h TagHeader) { got = h.Tags })
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	require.NoError(t, err)
	p := doc.Paths["/tags"]["get"].Parameters[0]
	require.Equal(t, "array", p.Schema.Type)
	req, _ := http.NewRequest("GET", "/tags", nil)
	req.Header.Set("X-Tag", "a,b") // style simple, explode false: OpenAPI's default for a header
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	assert.Equal(t, []string{"a", "b"}, got, "the document says a header array is comma-separated in one header")
}

type Todo struct {
	Title string `json:"title"`
	Done  bool   `json:"done"`
}

type NewTodo struct {
	Body Todo `body:""`
}

// TestEveryRequiredBodyPropertyIsRequiredByInput: the request body's schema
// lists title and done as required, but depend.Input accepts a body
// without them, so a client or a validating proxy that follows the
// document refuses requests the server takes (and a generated client
// forces callers to send them).
func TestEveryRequiredBodyPropertyIsRequiredByInput(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(depend.Input[NewTodo]()))
	mux := http.NewServeMux()
	c.Handle(mux, "POST /todos", func(NewTodo) {})
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	require.NoError(t, err)
	b, err := json.Marshal(doc.Paths["/todos"]["post"].RequestBody.Content["application/json"].Schema)
	require.NoError(t, err)
	var s struct {
		Ref string `json:"$ref"`
	}
	require.NoError(t, json.Unmarshal(b, &s))
	schema := doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	require.NotNil(t, schema)
	for _, name := range schema.Required {
		req, _ := http.NewRequest("POST", "/todos", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusUnprocessableEntity, rec.Code, "the schema requires %q, so a body without it must be refused", name)
	}
}

// TestNewRefusesAMethodOpenAPICannotHold: ServeMux and chi route any
// method token, but an OpenAPI 3.1 Path Item has fixed fields only (get,
// put, post, delete, options, head, patch, trace); "purge" makes an
// invalid document.
func TestNewRefusesAMethodOpenAPICannotHold(t *testing.T) {
	c := depend.New()
	c.Handle(http.NewServeMux(), "PURGE /cache", func() {})
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	if err == nil {
		assert.NotContains(t, doc.Paths["/cache"], "purge", "not a Path Item field in OpenAPI 3.1")
	}
}

func getTodo() string { return "" }

// TestAnExplicitOperationIDWinsOverAGeneratedOne: the id generated for one
// route (its handler's name) makes New refuse the id another route was
// explicitly given, depending only on registration order.
func TestAnExplicitOperationIDWinsOverAGeneratedOne(t *testing.T) {
	c := depend.New()
	mux := http.NewServeMux()
	c.Handle(mux, "GET /todo", getTodo)                                                        // generated: getTodo
	c.Handle(mux, "GET /todo/v2", func() string { return "" }, openapi.OperationID("getTodo")) // explicit
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	require.NoError(t, err, "only one id was given explicitly; the generated one should give way")
	assert.Equal(t, "getTodo", doc.Paths["/todo/v2"]["get"].OperationID)
	assert.NotEqual(t, "getTodo", doc.Paths["/todo"]["get"].OperationID)
}

// TestStatusCannotContradictTheSignature: a handler that returns a plain
// value always answers 200, yet Status(201) documents 201 and drops the
// 200 that is actually sent.
func TestStatusCannotContradictTheSignature(t *testing.T) {
	c := depend.New()
	mux := http.NewServeMux()
	c.Handle(mux, "POST /todo", func() string { return "x" }, openapi.Status(201))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("POST", "/todo", nil))
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	if err == nil {
		assert.Contains(t, doc.Paths["/todo"]["post"].Responses, fmt.Sprint(rec.Code), "the status the handler answers with is documented")
	}
}

// TestFailsCannotReplaceTheSuccessResponse: Fails(200, ...) on a provider
// replaces every reaching operation's success response (and its schema)
// with a Problem.
func TestFailsCannotReplaceTheSuccessResponse(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() *User { return &User{} }, openapi.Fails(200, "oops")))
	c.Handle(http.NewServeMux(), "GET /me", me)
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	if err == nil {
		ok := doc.Paths["/me"]["get"].Responses["200"]
		assert.Contains(t, ok.Content, "application/json", "the success response keeps the handler's result")
	}
}

func éditer() string { return "" }

// TestASummaryFromANonASCIIFuncNameIsValidUTF8: sentence upper-cases the
// first byte, not the first rune, so a Go identifier that starts with a
// non-ASCII letter becomes an invalid UTF-8 summary.
func TestASummaryFromANonASCIIFuncNameIsValidUTF8(t *testing.T) {
	c := depend.New()
	c.Handle(http.NewServeMux(), "GET /e", éditer)
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	require.NoError(t, err)
	s := doc.Paths["/e"]["get"].Summary
	assert.True(t, utf8.ValidString(s), "summary %q", s)
	assert.Equal(t, "Éditer", s)
}

type LimitA struct {
	Limit int `query:"limit" maximum:"100"`
}

type LimitB struct {
	Limit int `query:"limit" maximum:"10"`
}

// TestAParameterTwoInputsReadKeepsEveryConstraint: two Inputs the route
// reaches read the same query parameter with different bounds; depend
// checks both, so the request is refused above 10, but the document keeps
// only the first Input's schema and says 100 is fine.
func TestAParameterTwoInputsReadKeepsEveryConstraint(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(depend.Input[LimitA]()))
	require.NoError(t, c.Provide(depend.Input[LimitB]()))
	mux := http.NewServeMux()
	c.Handle(mux, "GET /l", func(LimitA, LimitB) {})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/l?limit=50", nil))
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	if err == nil {
		p := doc.Paths["/l"]["get"].Parameters
		require.Len(t, p, 1)
		assert.Equal(t, "10", string(p[0].Schema.Maximum), "the document allows what the server refuses")
	}
}

type AuthHeader struct {
	Token string `header:"Authorization"`
}

// TestNoParameterOpenAPIIgnores: OpenAPI 3.1 says a header parameter named
// Accept, Content-Type or Authorization SHALL be ignored; emitting one
// documents nothing (the bearer scheme is Security's business).
func TestNoParameterOpenAPIIgnores(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(depend.Input[AuthHeader]()))
	c.Handle(http.NewServeMux(), "GET /a", func(AuthHeader) {})
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	if err == nil {
		for _, p := range doc.Paths["/a"]["get"].Parameters {
			assert.False(t, p.In == "header" && p.Name == "Authorization", "ignored by OpenAPI 3.1")
		}
	}
}

// TestTagsKeepsItsOwnCopy: an Annotation is documented as immutable, but
// Tags keeps the caller's slice.
func TestTagsKeepsItsOwnCopy(t *testing.T) {
	ts := []string{"notes"}
	a := openapi.Tags(ts...)
	ts[0] = "changed"
	c := depend.New()
	c.Handle(http.NewServeMux(), "GET /a", func() {}, a)
	doc, err := openapi.New(c, openapi.Info{Title: "t", Version: "1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"notes"}, doc.Paths["/a"]["get"].Tags)
}
