package depend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// inKinds has a field of every kind an input can be.
type inKinds struct {
	S     string        `query:"s"`
	B     bool          `query:"b"`
	I8    int8          `query:"i8"`
	U16   uint16        `query:"u16"`
	F32   float32       `query:"f32"`
	T     time.Time     `query:"t"`
	D     time.Duration `query:"d"`
	Addr  netip.Addr    `query:"addr"`
	Tags  []string      `query:"tag"`
	Nums  []int         `query:"n"`
	Opt   *int          `query:"opt"`
	Def   int           `query:"def" default:"7"`
	Token string        `header:"X-Token"`
	Sess  string        `cookie:"session"`
}

// bindIn serves one request to a handler that takes T and returns it, and
// returns the response.
func bindIn[T any](t *testing.T, c *depend.Container, pattern string, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	require.NoError(t, c.Provide(depend.Input[T]()))
	mux := http.NewServeMux()
	mux.Handle(pattern, c.Handler(func(in T) T { return in }))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

func TestInputBindsEveryKind(t *testing.T) {
	req := httptest.NewRequest("GET", "/?s=hi&b=true&i8=-8&u16=16&f32=1.5&t=2026-11-30T10:00:00Z&d=1.5s&addr=10.0.0.1&tag=a&tag=b&n=1&n=2&opt=3", nil)
	req.Header.Set("X-Token", "secret")
	req.AddCookie(&http.Cookie{Name: "session", Value: "s1"})
	c := depend.New()
	var got inKinds
	require.NoError(t, c.Provide(depend.Input[inKinds]()))
	rec := httptest.NewRecorder()
	c.Handler(func(in inKinds) { got = in }).ServeHTTP(rec, req)
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	three := 3
	assert.Equal(t, inKinds{
		S: "hi", B: true, I8: -8, U16: 16, F32: 1.5,
		T:    time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC),
		D:    1500 * time.Millisecond,
		Addr: netip.MustParseAddr("10.0.0.1"),
		Tags: []string{"a", "b"}, Nums: []int{1, 2}, Opt: &three, Def: 7,
		Token: "secret", Sess: "s1",
	}, got)
}

type inList struct {
	Limit  int     `query:"limit" default:"20" minimum:"1" maximum:"100"`
	Offset int     `query:"offset" default:"0" minimum:"0"`
	Sort   string  `query:"sort" default:"id" enum:"id,text"`
	Q      string  `query:"q" default:"" maxLength:"5" pattern:"^[a-z]*$"`
	Ratio  float64 `query:"ratio" default:"0.5" exclusiveMinimum:"0" exclusiveMaximum:"1"`
}

// Every failing input is reported at once, each with its location, a
// message and the offending value, in a 422.
func TestInputReportsEveryFailureAtOnce(t *testing.T) {
	tests := []struct {
		query string
		want  []depend.FieldError
	}{
		{"", nil},
		{"limit=100&offset=0&sort=text&q=abc&ratio=0.1", nil},
		{"limit=0", []depend.FieldError{{Location: "query.limit", Message: "must be at least 1", Value: "0"}}},
		{"limit=101&offset=-1", []depend.FieldError{
			{Location: "query.limit", Message: "must be at most 100", Value: "101"},
			{Location: "query.offset", Message: "must be at least 0", Value: "-1"},
		}},
		{"limit=x&sort=name&q=ABC&ratio=1", []depend.FieldError{
			{Location: "query.limit", Message: "want an integer", Value: "x"},
			{Location: "query.sort", Message: "must be one of id, text", Value: "name"},
			{Location: "query.q", Message: "must match ^[a-z]*$", Value: "ABC"},
			{Location: "query.ratio", Message: "must be less than 1", Value: "1"},
		}},
		{"q=abcdef&ratio=0", []depend.FieldError{
			{Location: "query.q", Message: "must have at most 5 characters", Value: "abcdef"},
			{Location: "query.ratio", Message: "must be greater than 0", Value: "0"},
		}},
		{"limit=99999999999999999999", []depend.FieldError{{Location: "query.limit", Message: "out of range", Value: "99999999999999999999"}}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			c := depend.New()
			require.NoError(t, c.Provide(depend.Input[inList]()))
			s := c.NewHTTPScope(httptest.NewRecorder(), httptest.NewRequest("GET", "/?"+tt.query, nil))
			defer s.Close()
			_, err := depend.Resolve[inList](s)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			var ie *depend.InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.want, ie.Errors)
			assert.Equal(t, http.StatusUnprocessableEntity, ie.StatusCode())
		})
	}
}

type inRequired struct {
	ID    int    `path:"id"`
	Name  string `query:"name"`
	Token string `header:"X-Token" minLength:"10"`
	Page  *int   `query:"page"`
}

// A field without a default, a pointer or a slice is required, as in
// FastAPI; headers and cookies are never echoed back.
func TestInputRequiredAndPath(t *testing.T) {
	c, _ := newHTTP(t)
	req := httptest.NewRequest("GET", "/items/x", nil)
	req.Header.Set("X-Token", "short")
	rec := bindIn[inRequired](t, c, "GET /items/{id}", req)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Equal(t, "path.id: want an integer; query.name: required; header.X-Token: must have at least 10 characters", failures(t, rec))
	assert.NotContains(t, rec.Body.String(), "short")

	c, _ = newHTTP(t)
	req = httptest.NewRequest("GET", "/items/42?name=n", nil)
	req.Header.Set("X-Token", "0123456789")
	rec = bindIn[inRequired](t, c, "GET /items/{id}", req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"ID":42,"Name":"n","Token":"0123456789","Page":null}`, rec.Body.String())
}

// failures lists a 422 problem's failed inputs as "location: message".
func failures(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	return listed(problemOf(t, rec).Errors)
}

// listed renders failed inputs as "location: message", joined by "; ".
func listed(errs []depend.FieldError) string {
	out := make([]string, len(errs))
	for i, f := range errs {
		out[i] = f.Location + ": " + f.Message
	}
	return strings.Join(out, "; ")
}

// A router's own accessor replaces r.PathValue.
func TestInputPathValueOption(t *testing.T) {
	c, _ := newHTTP(t)
	c.SetHTTPOptions(depend.HTTPOptions{PathValue: func(r *http.Request, name string) string {
		return strings.TrimPrefix(r.URL.Path, "/items/")
	}})
	req := httptest.NewRequest("GET", "/items/7?name=n", nil)
	req.Header.Set("X-Token", "0123456789")
	rec := bindIn[inRequired](t, c, "/", req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), `"ID":7`)
}

type inNote struct {
	Text string   `json:"text" minLength:"1" maxLength:"10"`
	Tags []string `json:"tags" maxLength:"2"`
	Rank *int     `json:"rank" minimum:"1"`
}

type inCreate struct {
	DryRun bool   `query:"dry_run" default:"false"`
	Body   inNote `body:""`
}

func TestInputJSONBody(t *testing.T) {
	big := `{"text":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		want        string
	}{
		{"valid", "application/json", `{"text":"milk","tags":["a"],"extra":1}`, 200, `{"DryRun":false,"Body":{"text":"milk","tags":["a"],"rank":null}}` + "\n"},
		{"a +json type", "application/merge-patch+json", `{"text":"milk"}`, 200, `{"DryRun":false,"Body":{"text":"milk","tags":null,"rank":null}}` + "\n"},
		{"constraints", "application/json", `{"text":"","tags":["a","b","c"],"rank":0}`, 422,
			"body.text: must have at least 1 character; body.tags: must have at most 2 items; body.rank: must be at least 1"},
		{"malformed", "application/json", `{"text":`, 422, "body: malformed JSON: unexpected end"},
		{"syntax", "application/json", `{"text" "x"}`, 422, "body: malformed JSON at byte 9"},
		{"a wrong type", "application/json", `{"text":5}`, 422, "body.text: want a string, got number"},
		{"empty", "application/json", ``, 422, "body: required"},
		{"not JSON", "text/plain", `{"text":"milk"}`, 415, "Content-Type must be application/json\n"},
		{"too large", "application/json", big, 413, "the body is larger than 1048576 bytes\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newHTTP(t)
			req := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.contentType)
			rec := bindIn[inCreate](t, c, "/", req)
			assert.Equal(t, tt.status, rec.Code)
			switch tt.status {
			case http.StatusOK:
				assert.Equal(t, tt.want, rec.Body.String())
			case http.StatusUnprocessableEntity:
				assert.Equal(t, tt.want, failures(t, rec))
			default:
				assert.Equal(t, tt.want, bodyText(rec))
			}
		})
	}
}

type inForm struct {
	Name string `form:"name" minLength:"2"`
	Age  int    `form:"age" minimum:"0"`
}

func TestInputForm(t *testing.T) {
	c, _ := newHTTP(t)
	req := httptest.NewRequest("POST", "/", strings.NewReader(url.Values{"name": {"Ada"}, "age": {"36"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := bindIn[inForm](t, c, "/", req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"Name":"Ada","Age":36}`, rec.Body.String())

	c, _ = newHTTP(t)
	req = httptest.NewRequest("POST", "/", strings.NewReader("name=A&age=-1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = bindIn[inForm](t, c, "/", req)
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Equal(t, "form.name: must have at least 2 characters; form.age: must be at least 0", failures(t, rec))
}

type inRange struct {
	From int `query:"from" default:"0"`
	To   int `query:"to" default:"10"`
}

func (r inRange) Validate() error {
	if r.From > r.To {
		return &depend.InputError{Errors: []depend.FieldError{{Location: "query.from", Message: "must not be after to", Value: r.From}}}
	}
	return nil
}

type inOther struct {
	V string `query:"v" default:"x"`
}

func (inOther) Validate() error { return errors.New("always wrong") }

// A Validate method runs after binding, for rules across fields.
func TestInputValidateMethod(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(depend.Input[inRange]()))
	require.NoError(t, c.Provide(depend.Input[inOther]()))
	s := c.NewHTTPScope(nil, httptest.NewRequest("GET", "/?from=5&to=1", nil))
	defer s.Close()
	_, err := depend.Resolve[inRange](s)
	var ie *depend.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, []depend.FieldError{{Location: "query.from", Message: "must not be after to", Value: 5}}, ie.Errors)
	_, err = depend.Resolve[inOther](s)
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, []depend.FieldError{{Location: "input", Message: "always wrong"}}, ie.Errors)
}

type inTx struct{}

// A handler's inputs, those its providers need included, are bound and
// checked before any other provider runs, whatever the parameter order: a
// rejected request never opens a transaction. The failures of all its
// inputs come in one 422.
func TestInputsAreCheckedBeforeAnyProvider(t *testing.T) {
	c, _ := newHTTP(t)
	var txs atomic.Int32
	require.NoError(t, c.Provide(depend.Input[inList]()))
	require.NoError(t, c.Provide(depend.Input[inForm]()))
	require.NoError(t, c.Provide(func() *inTx { txs.Add(1); return &inTx{} }))
	type repo struct{}
	require.NoError(t, c.Provide(func(*inTx, inList) *repo { return &repo{} }))
	h := c.Handler(func(*inTx, *repo, inForm) string { return "ok" })

	req := httptest.NewRequest("POST", "/?limit=0", strings.NewReader("name=A&age=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Equal(t, "query.limit: must be at least 1; form.name: must have at least 2 characters", failures(t, rec))
	assert.Zero(t, txs.Load(), "a provider ran for a rejected request")

	req = httptest.NewRequest("POST", "/", strings.NewReader("name=Ada&age=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, int32(1), txs.Load())
}

type (
	inNotStruct int
	inBadMin    struct {
		S string `query:"s" minimum:"1"`
	}
	inBadDef struct {
		N int `query:"n" default:"x"`
	}
	inBadRe struct {
		S string `query:"s" pattern:"("`
	}
	inTwoBodies struct {
		A inNote `body:""`
		B inNote `body:""`
	}
	inBadType struct {
		M map[string]int `query:"m"`
	}
	inNoName struct {
		S string `query:""`
	}
	inBodyForm struct {
		A inNote `body:""`
		F string `form:"f"`
	}
	inBadLength struct {
		N int `query:"n" maxLength:"3"`
	}
)

// A tag that cannot apply is a wiring mistake, found by Provide.
func TestInputRejectsBadTags(t *testing.T) {
	tests := []struct {
		name string
		p    depend.Provider
		want string
	}{
		{"not a struct", depend.Input[inNotStruct](), "want a struct"},
		{"minimum on a string", depend.Input[inBadMin](), "minimum applies to numbers, not string"},
		{"a default that does not parse", depend.Input[inBadDef](), `default "x": want an integer`},
		{"a pattern that does not compile", depend.Input[inBadRe](), `pattern "("`},
		{"two bodies", depend.Input[inTwoBodies](), "two fields are tagged body"},
		{"a map", depend.Input[inBadType](), "map[string]int cannot be an input"},
		{"no name", depend.Input[inNoName](), "query tag names no input"},
		{"body and form", depend.Input[inBodyForm](), "cannot both read the one body"},
		{"maxLength on an int", depend.Input[inBadLength](), "maxLength applies to strings and slices"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := depend.New().Provide(tt.p)
			require.ErrorIs(t, err, depend.ErrBadProvider)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// An Input exists only in a request's Scope, and a Singleton cannot
// capture one.
func TestInputNeedsARequest(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(depend.Input[inList]()))
	s := c.NewScope(context.Background())
	defer s.Close()
	_, err := depend.Resolve[inList](s)
	require.ErrorIs(t, err, depend.ErrNotProvided)

	c = depend.New()
	require.NoError(t, c.Provide(depend.Input[inList]()))
	require.NoError(t, c.Provide(func(inList) *inTx { return nil }, depend.Singleton))
	require.ErrorIs(t, c.Validate(), depend.ErrCaptive)
}

type inBody struct {
	Body struct {
		Flag bool     `json:"flag"`
		List []int    `json:"list"`
		Obj  struct{} `json:"obj"`
		N    uint8    `json:"n"`
	} `body:""`
}

// Each kind of bad value gets a message that names what was wanted, without
// Go's type names.
func TestInputMessages(t *testing.T) {
	tests := []struct {
		query, body, want string
	}{
		{query: "b=maybe", want: "query.b: want true or false"},
		{query: "u16=-1", want: "query.u16: want a non-negative integer"},
		{query: "u16=70000", want: "query.u16: out of range"},
		{query: "f32=x", want: "query.f32: want a number"},
		{query: "t=yesterday", want: "query.t: want an RFC 3339 time, such as 2006-01-02T15:04:05Z"},
		{query: "d=1parsec", want: "query.d: want a duration, such as 1.5s or 300ms"},
		{query: "addr=999.1.1.1", want: `query.addr: ParseAddr("999.1.1.1"): IPv4 field has value >255`},
		{query: "n=1&n=x", want: "query.n: item 1: want an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			c := depend.New()
			require.NoError(t, c.Provide(depend.Input[inKinds]()))
			req := httptest.NewRequest("GET", "/?s=x&b=1&i8=1&u16=1&f32=1&t=2026-01-01T00:00:00Z&d=1s&addr=1.2.3.4&"+tt.query, nil)
			req.Header.Set("X-Token", "t")
			req.AddCookie(&http.Cookie{Name: "session", Value: "s"})
			s := c.NewHTTPScope(nil, req)
			defer s.Close()
			_, err := depend.Resolve[inKinds](s)
			var ie *depend.InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.want, listed(ie.Errors))
		})
	}
	for body, want := range map[string]string{
		`{"flag":"yes"}`:  "body.flag: want a boolean, got string",
		`{"list":{}}`:     "body.list: want an array, got object",
		`{"obj":[]}`:      "body.obj: want an object, got array",
		`{"n":300}`:       "body.n: want a number, got number 300",
		`"just a string"`: "body: want an object, got string",
	} {
		t.Run(body, func(t *testing.T) {
			c, _ := newHTTP(t)
			rec := bindIn[inBody](t, c, "/", jsonRequest("POST", "/", body))
			assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
			assert.Equal(t, want, failures(t, rec))
		})
	}
}

// benchQuery is a typical list endpoint's query: six fields with defaults
// and constraints.
type benchQuery struct {
	Limit  int       `query:"limit" default:"20" minimum:"1" maximum:"100"`
	Offset int       `query:"offset" default:"0" minimum:"0"`
	Sort   string    `query:"sort" default:"id" enum:"id,created,text"`
	Q      string    `query:"q" default:"" maxLength:"64"`
	From   time.Time `query:"from"`
	Tags   []string  `query:"tag" maxLength:"5"`
}

const benchQueryURL = "/notes?limit=50&offset=100&sort=created&q=milk&from=2026-11-30T10:00:00Z&tag=a&tag=b"

// parseBenchQuery is benchQuery bound by hand, with the same defaults and
// checks, stopping at the first failure.
func parseBenchQuery(r *http.Request) (benchQuery, error) {
	q := r.URL.Query()
	in := benchQuery{Limit: 20, Sort: "id"}
	var err error
	if s := q.Get("limit"); s != "" {
		if in.Limit, err = strconv.Atoi(s); err != nil {
			return in, errors.New("limit: want an integer")
		}
		if in.Limit < 1 || in.Limit > 100 {
			return in, errors.New("limit: must be between 1 and 100")
		}
	}
	if s := q.Get("offset"); s != "" {
		if in.Offset, err = strconv.Atoi(s); err != nil {
			return in, errors.New("offset: want an integer")
		}
		if in.Offset < 0 {
			return in, errors.New("offset: must be at least 0")
		}
	}
	if s := q.Get("sort"); s != "" {
		switch s {
		case "id", "created", "text":
			in.Sort = s
		default:
			return in, errors.New("sort: must be one of id, created, text")
		}
	}
	in.Q = q.Get("q")
	if utf8.RuneCountInString(in.Q) > 64 {
		return in, errors.New("q: must have at most 64 characters")
	}
	s := q.Get("from")
	if s == "" {
		return in, errors.New("from: required")
	}
	if in.From, err = time.Parse(time.RFC3339, s); err != nil {
		return in, errors.New("from: want an RFC 3339 time")
	}
	in.Tags = q["tag"]
	if len(in.Tags) > 5 {
		return in, errors.New("tag: must have at most 5 items")
	}
	return in, nil
}

// benchNote is a small JSON body with constraints.
type benchNote struct {
	Text     string `json:"text" minLength:"1" maxLength:"200"`
	Author   string `json:"author" maxLength:"40"`
	Priority int    `json:"priority" minimum:"0" maximum:"5"`
}

type benchCreate struct {
	Note benchNote `body:""`
}

var benchBody = []byte(`{"text":"buy milk","author":"ada","priority":2}`)

// decodeBenchNote is benchNote decoded by hand, with the same checks.
func decodeBenchNote(r *http.Request) (benchNote, error) {
	var n benchNote
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
		return n, err
	}
	if l := utf8.RuneCountInString(n.Text); l < 1 || l > 200 {
		return n, errors.New("text: must have 1 to 200 characters")
	}
	if utf8.RuneCountInString(n.Author) > 40 {
		return n, errors.New("author: must have at most 40 characters")
	}
	if n.Priority < 0 || n.Priority > 5 {
		return n, errors.New("priority: must be between 0 and 5")
	}
	return n, nil
}

// rewindBody is a request body that is read again from its start after
// each reset, so that a request can be reused without allocating.
type rewindBody struct{ bytes.Reader }

func (*rewindBody) Close() error { return nil }

// BenchmarkInput compares binding with depend.Input with the same binding
// written by hand. The request is built once and reused (its body
// rewound), the same way for both contenders.
//
// An op of a depend contender is NewHTTPScope, Resolve of the Input and
// Close: binding plus what any request pays for its Scope, which the
// scope-only row measures alone. An op of handwritten is the parse and
// the checks.
func BenchmarkInput(b *testing.B) {
	b.Run("query", func(b *testing.B) {
		req := httptest.NewRequest("GET", benchQueryURL, nil)
		want, err := parseBenchQuery(req)
		require.NoError(b, err)
		c := depend.New()
		require.NoError(b, c.Provide(depend.Input[benchQuery]()))
		s := c.NewHTTPScope(nil, req)
		got, err := depend.Resolve[benchQuery](s)
		require.NoError(b, err)
		require.Equal(b, want, got)
		require.NoError(b, s.Close())

		b.Run("handwritten", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseBenchQuery(req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("depend", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := c.NewHTTPScope(nil, req)
				if _, err := depend.Resolve[benchQuery](s); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	})

	b.Run("body", func(b *testing.B) {
		body := &rewindBody{}
		req := httptest.NewRequest("POST", "/notes", nil)
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = int64(len(benchBody))
		rewind := func() {
			body.Reset(benchBody)
			req.Body = body
		}
		rewind()
		want, err := decodeBenchNote(req)
		require.NoError(b, err)
		c := depend.New()
		require.NoError(b, c.Provide(depend.Input[benchCreate]()))
		rewind()
		s := c.NewHTTPScope(nil, req)
		got, err := depend.Resolve[benchCreate](s)
		require.NoError(b, err)
		require.Equal(b, want, got.Note)
		require.NoError(b, s.Close())

		b.Run("handwritten", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rewind()
				if _, err := decodeBenchNote(req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("depend", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rewind()
				s := c.NewHTTPScope(nil, req)
				if _, err := depend.Resolve[benchCreate](s); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	})

	// What a depend contender pays for its Scope, whatever it binds.
	b.Run("scope-only", func(b *testing.B) {
		req := httptest.NewRequest("GET", benchQueryURL, nil)
		c := depend.New()
		require.NoError(b, c.Provide(depend.Input[benchQuery]()))
		b.ReportAllocs()
		for b.Loop() {
			c.NewHTTPScope(nil, req).Close()
		}
	})
}

type (
	inListBody struct {
		IDs []int `body:"" minLength:"1" maxLength:"3"`
	}
	inPtrBody struct {
		Note *struct {
			Title  string `required:"true"`
			hidden int
			Level  int `json:"level" enum:"1,2,3"`
		} `body:""`
	}
	inSlices struct {
		Tags []string `query:"tag" minLength:"1" maxLength:"2"`
		Code int      `query:"code" default:"200" enum:"200,404"`
	}
	inUnexported struct {
		//lint:ignore U1000 unexported on purpose: Input must refuse it
		limit int `query:"limit"`
	}
	inBadBody struct {
		Body struct {
			N string `json:"n" minimum:"1"`
		} `body:""`
	}
)

// The rarer shapes: a body that is a slice or a pointer, body fields named
// by their Go name, a smaller body limit, slices and enums of numbers.
func TestInputShapes(t *testing.T) {
	tests := []struct {
		name   string
		bind   func(t *testing.T, c *depend.Container, pattern string, r *http.Request) *httptest.ResponseRecorder
		req    *http.Request
		status int
		want   string // failures of a 422, or the body of a 200
	}{
		{"a slice body", bindIn[inListBody], jsonRequest("POST", "/", `[1,2,3,4]`), 422, "body: must have at most 3 items"},
		{"a slice body, valid", bindIn[inListBody], jsonRequest("POST", "/", `[1]`), 200, `{"IDs":[1]}` + "\n"},
		{"a null body", bindIn[inPtrBody], jsonRequest("POST", "/", `null`), 422, "body: required"},
		{"data after the body", bindIn[inListBody], jsonRequest("POST", "/", `[1] [2]`), 422, "body: malformed JSON: data after the value"},
		{"a pointer body", bindIn[inPtrBody], jsonRequest("POST", "/", `{"level":4}`), 422, "body.Title: required; body.level: must be one of 1, 2, 3"},
		{"repeated query values", bindIn[inSlices], httptest.NewRequest("GET", "/?tag=a&tag=b&tag=c&code=500", nil), 422, "query.tag: must have at most 2 items; query.code: must be one of 200, 404"},
		{"repeated query values, valid", bindIn[inSlices], httptest.NewRequest("GET", "/?tag=a&code=404", nil), 200, `{"Tags":["a"],"Code":404}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newHTTP(t)
			rec := tt.bind(t, c, "/", tt.req)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status == 422 {
				assert.Equal(t, tt.want, failures(t, rec))
			} else {
				assert.Equal(t, tt.want, rec.Body.String())
			}
		})
	}
	t.Run("a smaller body limit", func(t *testing.T) {
		c, _ := newHTTP(t)
		c.SetHTTPOptions(depend.HTTPOptions{MaxBodyBytes: 8})
		rec := bindIn[inListBody](t, c, "/", jsonRequest("POST", "/", `[1, 2, 3]`))
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		assert.Equal(t, "the body is larger than 8 bytes\n", bodyText(rec))
	})
	for name, p := range map[string]depend.Provider{
		"an unexported field":        depend.Input[inUnexported](),
		"a bad constraint on a body": depend.Input[inBadBody](),
	} {
		t.Run(name, func(t *testing.T) {
			require.ErrorIs(t, depend.New().Provide(p), depend.ErrBadProvider)
		})
	}
}

type inExact struct {
	Big   int64    `query:"big" default:"0" maximum:"9007199254740992"`
	Huge  uint64   `query:"huge" default:"0" exclusiveMaximum:"18446744073709551615"`
	F32   float32  `query:"f32" default:"0" maximum:"0.1"`
	Pick  float32  `query:"pick" default:"0.5" enum:"0,0.1,0.5"`
	Ratio float64  `query:"ratio" default:"0" minimum:"0" maximum:"1"`
	Tags  []string `query:"tag" maxLength:"3"`
}

// Bounds and enums compare in the field's own type, so they are exact near
// the limits of int64, uint64 and float32; NaN and infinities are refused;
// the lengths of a slice bound the slice, not its items.
func TestInputExactConstraints(t *testing.T) {
	tests := []struct{ query, want string }{
		{"big=9007199254740992", ""},
		{"big=9007199254740993", "query.big: must be at most 9007199254740992"},
		{"huge=18446744073709551614", ""},
		{"huge=18446744073709551615", "query.huge: must be less than 18446744073709551615"},
		{"f32=0.1&pick=0.1", ""},
		{"pick=-0", ""},
		{"pick=0.25", "query.pick: must be one of 0, 0.1, 0.5"},
		{"ratio=NaN", "query.ratio: want a finite number"},
		{"ratio=-Inf", "query.ratio: want a finite number"},
		{"tag=golang&tag=rust&tag=go", ""},
		{"tag=a&tag=b&tag=c&tag=d", "query.tag: must have at most 3 items"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			c := depend.New()
			require.NoError(t, c.Provide(depend.Input[inExact]()))
			s := c.NewHTTPScope(nil, httptest.NewRequest("GET", "/?"+tt.query, nil))
			defer s.Close()
			_, err := depend.Resolve[inExact](s)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			var ie *depend.InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.want, listed(ie.Errors))
		})
	}
	type badEnum struct {
		N int `query:"n" enum:"1,1.5"`
	}
	require.ErrorContains(t, depend.New().Provide(depend.Input[badEnum]()), `enum value "1.5"`)
}

type (
	inNilValid struct {
		V int `query:"v" default:"1"`
	}
	inEmptyValid struct {
		V int `query:"v" default:"1"`
	}
	inForbidden struct {
		V int `query:"v" default:"1"`
	}
)

func (inNilValid) Validate() error {
	var ie *depend.InputError
	return ie // a typed nil
}

func (inEmptyValid) Validate() error { return &depend.InputError{} }

func (inForbidden) Validate() error {
	return &depend.HTTPError{Status: http.StatusForbidden, Message: "not yours"}
}

// Whatever a Validate method returns, a failure stops the request before
// any provider runs: a typed nil or an empty InputError is still a 422, and
// an error with a status keeps it.
func TestInputValidateFailuresAlwaysStop(t *testing.T) {
	tests := []struct {
		name   string
		add    func(c *depend.Container) http.Handler
		status int
	}{
		{"a typed nil", func(c *depend.Container) http.Handler {
			require.NoError(t, c.Provide(depend.Input[inNilValid]()))
			return c.Handler(func(*inTx, inNilValid) {})
		}, 422},
		{"an empty InputError", func(c *depend.Container) http.Handler {
			require.NoError(t, c.Provide(depend.Input[inEmptyValid]()))
			return c.Handler(func(*inTx, inEmptyValid) {})
		}, 422},
		{"a status", func(c *depend.Container) http.Handler {
			require.NoError(t, c.Provide(depend.Input[inForbidden]()))
			return c.Handler(func(*inTx, inForbidden) {})
		}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newHTTP(t)
			var txs atomic.Int32
			require.NoError(t, c.Provide(func() *inTx { txs.Add(1); return &inTx{} }))
			rec := httptest.NewRecorder()
			tt.add(c).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			assert.Equal(t, tt.status, rec.Code, rec.Body.String())
			assert.Zero(t, txs.Load(), "a provider ran for a rejected request")
		})
	}
}

// inPaging is a reusable part of inputs, embedded.
type inPaging struct {
	Limit int `query:"limit" default:"20" maximum:"100"`
}

type (
	inEmbeds struct {
		inPaging
		Q string `query:"q" default:""`
	}
	inEmbedsPointer struct {
		*inPaging
	}
	inBodyEmbeds struct {
		Body struct {
			inNoteText
			Tags []string `json:"tags"`
		} `body:""`
	}
	inNoteText struct {
		Text string `json:"text" minLength:"1"`
	}
)

// Fields of an embedded struct are inputs too; an embedded pointer, nil in
// a zero value, is refused at Provide.
func TestInputEmbeddedStructs(t *testing.T) {
	c, _ := newHTTP(t)
	rec := bindIn[inEmbeds](t, c, "/", httptest.NewRequest("GET", "/?limit=500", nil))
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Equal(t, "query.limit: must be at most 100", failures(t, rec))

	c, _ = newHTTP(t)
	rec = bindIn[inBodyEmbeds](t, c, "/", jsonRequest("POST", "/", `{"text":""}`))
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Equal(t, "body.text: must have at least 1 character", failures(t, rec))

	err := depend.New().Provide(depend.Input[inEmbedsPointer]())
	require.ErrorIs(t, err, depend.ErrBadProvider)
	require.ErrorContains(t, err, "embedded pointer")
}

type inOtherBody struct {
	Body struct {
		N int `json:"n"`
	} `body:""`
}

// The body can be read once: an Input that reads it cannot be NoCache, and
// a handler whose graph would read it twice is refused when it is wrapped.
func TestInputReadsTheBodyOnce(t *testing.T) {
	err := depend.New().Provide(depend.Input[inCreate](), depend.NoCache)
	require.ErrorIs(t, err, depend.ErrBadProvider)
	require.ErrorContains(t, err, "drop NoCache")

	for name, fn := range map[string]any{
		"two body Inputs":        func(inCreate, inOtherBody) {},
		"a body Input and Fresh": func(inCreate, depend.Fresh[inCreate]) {},
		"a body and a form":      func(inCreate, inForm) {},
	} {
		t.Run(name, func(t *testing.T) {
			c := depend.New()
			require.NoError(t, c.Provide(depend.Input[inCreate]()))
			require.NoError(t, c.Provide(depend.Input[inOtherBody]()))
			require.NoError(t, c.Provide(depend.Input[inForm]()))
			p := wrapPanic(func() { c.Handler(fn) })
			require.ErrorIs(t, p, depend.ErrBadProvider)
			require.ErrorContains(t, p, "the request's body can be read once")
		})
	}
}

type inEmptyDefault struct {
	Tags []string `query:"tag" default:""`
}

// An empty default of a slice is an empty list, not one empty item.
func TestInputEmptySliceDefault(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(depend.Input[inEmptyDefault]()))
	s := c.NewHTTPScope(nil, httptest.NewRequest("GET", "/", nil))
	defer s.Close()
	in, err := depend.Resolve[inEmptyDefault](s)
	require.NoError(t, err)
	assert.Empty(t, in.Tags)
}

type inLists struct {
	IDs   []int    `header:"X-Ids"`
	Tags  []string `path:"tags"`
	Flags []string `cookie:"flags"`
}

// TestInputListsInHeadersPathsAndCookiesAreCommaSeparated: OpenAPI's
// simple style sends an array as a,b, and RFC 9110 makes a list header's
// comma-separated values the same as separate lines; both are bound.
func TestInputListsInHeadersPathsAndCookiesAreCommaSeparated(t *testing.T) {
	req := httptest.NewRequest("GET", "/items/red,%20blue", nil)
	req.Header.Add("X-Ids", "1, 2")
	req.Header.Add("X-Ids", "3")
	req.AddCookie(&http.Cookie{Name: "flags", Value: "a,b"})
	rec := bindIn[inLists](t, depend.New(), "GET /items/{tags}", req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"IDs":[1,2,3],"Tags":["red","blue"],"Flags":["a","b"]}`, rec.Body.String())
}

type inBodyDefault struct {
	Body struct {
		Priority int `json:"priority" default:"3"`
	} `body:""`
}

func TestInputRefusesADefaultInsideABody(t *testing.T) {
	err := depend.New().Provide(depend.Input[inBodyDefault]())
	require.ErrorIs(t, err, depend.ErrBadProvider)
	assert.ErrorContains(t, err, "body field Priority: default applies to query, path, header, cookie and form inputs; a JSON body's missing field is its zero value")
}
