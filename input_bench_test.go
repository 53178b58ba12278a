package depend_test

// BenchmarkInput lives here for now; it belongs in input_test.go, beside
// what it measures, and moves there once that file is free.

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

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
