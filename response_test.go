package depend_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

func TestHandlerResults(t *testing.T) {
	tests := []struct {
		name     string
		fn       any
		status   int
		body     string
		ctype    string
		reported bool
	}{
		{"value", func(u *httpUser) *httpUser { return u }, 200, `{"Name":"ada"}` + "\n", "application/json; charset=utf-8", false},
		{"value and nil error", func(u *httpUser) (httpNote, error) { return httpNote{"1", u.Name}, nil }, 200, `{"id":"1","text":"ada"}` + "\n", "application/json; charset=utf-8", false},
		{"value with StatusCode", func() created { return created{"7"} }, 201, `{"id":"7"}` + "\n", "application/json; charset=utf-8", false},
		{"nil pointer", func() *httpUser { return nil }, 200, "null\n", "application/json; charset=utf-8", false},
		{"nothing", func(w http.ResponseWriter) { io.WriteString(w, "hi") }, 200, "hi", "text/plain; charset=utf-8", false},
		{"nil error", func(w http.ResponseWriter) error { io.WriteString(w, "hi"); return nil }, 200, "hi", "text/plain; charset=utf-8", false},
		{"HTTPError", func() error { return &depend.HTTPError{Status: 404, Message: "no such note"} }, 404, "no such note\n", "application/problem+json", false},
		{"wrapped HTTPError", func() (httpNote, error) {
			return httpNote{}, fmt.Errorf("lookup: %w", &depend.HTTPError{Status: 409, Err: errSecret})
		}, 409, "Conflict\n", "application/problem+json", false},
		{"plain error", func() error { return errSecret }, 500, "Internal Server Error\n", "application/problem+json", true},
		{"unencodable value", func() chan int { return make(chan int) }, 500, "Internal Server Error\n", "application/problem+json", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rep := newHTTP(t)
			require.NoError(t, c.Provide(func() *httpUser { return &httpUser{"ada"} }))
			rec := serve(c.Handler(tt.fn), "GET", "/")
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.body, bodyText(rec))
			assert.Equal(t, tt.ctype, rec.Header().Get("Content-Type"))
			assert.NotContains(t, rec.Body.String(), "hunter2")
			assert.Equal(t, tt.reported, len(rep.all()) == 1, "reported: %v", rep.all())
		})
	}
}

func TestHandlerNeverWritesASecondStatus(t *testing.T) {
	tests := []struct {
		name string
		fn   any
		body string
	}{
		{"error after writing", func(w http.ResponseWriter) error {
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, "started")
			return errSecret
		}, "started"},
		{"status error after writing", func(w http.ResponseWriter) error {
			w.WriteHeader(http.StatusAccepted)
			return &depend.HTTPError{Status: 404}
		}, ""},
		{"value after writing", func(w http.ResponseWriter) httpNote {
			w.WriteHeader(http.StatusAccepted)
			return httpNote{}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rep := newHTTP(t)
			w := &countingWriter{ResponseRecorder: httptest.NewRecorder()}
			c.Handler(tt.fn).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			assert.Equal(t, 1, w.headers)
			assert.Equal(t, http.StatusAccepted, w.Code)
			assert.Equal(t, tt.body, w.Body.String())
			errs := rep.all()
			require.Len(t, errs, 1)
			assert.Contains(t, errs[0].Error(), "the response had started")
		})
	}
}

func TestSetHTTPOptionsProblemJSON(t *testing.T) {
	c := depend.New()
	var reported []error
	c.SetHTTPOptions(depend.HTTPOptions{
		WriteError: func(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"status": status, "title": http.StatusText(status), "detail": msg})
		},
		ReportError: func(r *http.Request, err error) { reported = append(reported, err) },
	})
	require.NoError(t, c.Provide(authUser))
	h := c.Handler(func(u *httpUser) error { return errSecret })

	rec := serve(h, "GET", "/")
	assert.Equal(t, 401, rec.Code)
	assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	assert.Equal(t, "Bearer", rec.Header().Get("WWW-Authenticate"))
	assert.JSONEq(t, `{"status":401,"title":"Unauthorized","detail":"missing bearer token"}`, rec.Body.String())

	rec = serve(h, "GET", "/", "Authorization", "Bearer ada")
	assert.Equal(t, 500, rec.Code)
	assert.JSONEq(t, `{"status":500,"title":"Internal Server Error","detail":"Internal Server Error"}`, rec.Body.String())
	require.Len(t, reported, 1)
	assert.ErrorIs(t, reported[0], errSecret)
}

func TestDefaultReportLogsWithSlog(t *testing.T) {
	var buf strings.Builder
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(prev)

	rec := serve(depend.New().Handler(func() error { return errSecret }), "GET", "/secret")
	assert.Equal(t, 500, rec.Code)
	assert.NotContains(t, rec.Body.String(), "hunter2")
	assert.Contains(t, buf.String(), "level=ERROR")
	assert.Contains(t, buf.String(), "path=/secret")
	assert.Contains(t, buf.String(), "hunter2", "the real error must reach the log")
}

// The hooks can find the request's Scope, even when the handler took
// nothing of the request.
func TestHooksSeeTheScope(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func() (*httpTx, func() error) {
		return &httpTx{}, func() error { return errors.New("commit failed") }
	}))
	var found []bool
	c.SetHTTPOptions(depend.HTTPOptions{
		WriteError: func(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
			_, ok := depend.ScopeFrom(r.Context())
			found = append(found, ok)
			w.WriteHeader(status)
		},
		ReportError: func(r *http.Request, err error) {
			_, ok := depend.ScopeFrom(r.Context())
			found = append(found, ok)
		},
	})
	rec := serve(c.Handler(func(*httpTx) error { return errSecret }), "GET", "/")
	assert.Equal(t, 500, rec.Code)
	assert.Equal(t, []bool{true, true, true}, found, "report, write, report the cleanup's error")
}

func ExampleContainer_SetHTTPOptions() {
	c := depend.New()
	c.SetHTTPOptions(depend.HTTPOptions{
		// RFC 9457 problem details instead of text/plain.
		WriteError: func(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"status": status, "title": http.StatusText(status), "detail": msg})
		},
		ReportError: func(r *http.Request, err error) { fmt.Println("reported:", err) },
	})
	h := c.Handler(func(r *http.Request) error {
		if r.URL.Query().Has("id") {
			return errors.New("db password hunter2 rejected") // reported, never sent
		}
		return &depend.HTTPError{Status: http.StatusBadRequest, Message: "id is required"}
	})
	for _, target := range []string{"/", "/?id=1"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		fmt.Print(rec.Code, " ", rec.Header().Get("Content-Type"), " ", rec.Body.String())
	}
	// Output:
	// 400 application/problem+json {"detail":"id is required","status":400,"title":"Bad Request"}
	// reported: db password hunter2 rejected
	// 500 application/problem+json {"detail":"Internal Server Error","status":500,"title":"Internal Server Error"}
}

// TestHandlerTypedNilHTTPError checks that a handler returning a nil
// *HTTPError as a non-nil error, Go's typed-nil mistake, is answered with a
// 500 instead of panicking in the error path.
func TestTypedNilHTTPErrorIsA500(t *testing.T) {
	c := depend.New()
	c.SetHTTPOptions(depend.HTTPOptions{ReportError: func(*http.Request, error) {}})
	h := c.Handler(func() error {
		var he *depend.HTTPError
		return he
	})
	var rec *httptest.ResponseRecorder
	assert.NotPanics(t, func() { rec = serve(h, "GET", "/") })
	if rec != nil {
		assert.Equal(t, http.StatusInternalServerError, rec.Result().StatusCode)
	}
}

// bodyText is what a response says: a problem's detail, or its title when
// it has none, or else the body itself.
func bodyText(rec *httptest.ResponseRecorder) string {
	var p depend.Problem
	if rec.Header().Get("Content-Type") != "application/problem+json" || json.Unmarshal(rec.Body.Bytes(), &p) != nil {
		return rec.Body.String()
	}
	return cmp.Or(p.Detail, p.Title) + "\n"
}

// problemOf decodes a problem+json response.
func problemOf(t *testing.T, rec *httptest.ResponseRecorder) depend.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	var p depend.Problem
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p), rec.Body.String())
	return p
}

// By default an error is an RFC 9457 problem: the status's text as its
// title, the public message as its detail, and for invalid inputs the
// list of failures; a 5xx says nothing more than its status.
func TestWriteProblem(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"a status", &depend.HTTPError{Status: 409, Message: "taken"}, `{"type":"about:blank","title":"Conflict","status":409,"detail":"taken"}`},
		{"a bare status", &depend.HTTPError{Status: 404}, `{"type":"about:blank","title":"Not Found","status":404}`},
		{"an internal error", errors.New("dial postgres://admin:hunter2@db"), `{"type":"about:blank","title":"Internal Server Error","status":500}`},
		{"invalid inputs", &depend.InputError{Errors: []depend.FieldError{{Location: "query.limit", Message: "must be at most 100", Value: "500"}}},
			`{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request's inputs are invalid","errors":[{"location":"query.limit","message":"must be at most 100","value":"500"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newHTTP(t)
			rec := serve(c.Handler(func() error { return tt.err }), "GET", "/")
			assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			assert.JSONEq(t, tt.want, rec.Body.String())
		})
	}
}

type rsNote struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}

// A handler sets the status and headers by its result: Created for 201
// with a Location, a Response of 204 for no body, and no result at all is
// 204 with no Content-Type.
func TestHandlerResponses(t *testing.T) {
	tests := []struct {
		name   string
		fn     any
		status int
		header http.Header
		body   string
	}{
		{"Created", func() depend.Response[rsNote] { return depend.Created("/notes/7", rsNote{7, "milk"}) },
			201, http.Header{"Location": {"/notes/7"}, "Content-Type": {"application/json; charset=utf-8"}}, `{"id":7,"text":"milk"}` + "\n"},
		{"a status and a header", func() (depend.Response[[]int], error) {
			return depend.Response[[]int]{Status: 202, Header: http.Header{"Retry-After": {"3"}}, Body: []int{1}}, nil
		}, 202, http.Header{"Retry-After": {"3"}, "Content-Type": {"application/json; charset=utf-8"}}, "[1]\n"},
		{"204 has no body", func() depend.Response[rsNote] { return depend.Response[rsNote]{Status: 204, Body: rsNote{1, "x"}} },
			204, http.Header{}, ""},
		{"no status means 200", func() depend.Response[string] { return depend.Response[string]{Body: "ok"} },
			200, http.Header{"Content-Type": {"application/json; charset=utf-8"}}, "\"ok\"\n"},
		{"no result", func() {}, 204, http.Header{}, ""},
		{"only a nil error", func() error { return nil }, 204, http.Header{}, ""},
		{"the handler wrote", func(w http.ResponseWriter) { w.WriteHeader(202) }, 202, http.Header{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newHTTP(t)
			rec := serve(c.Handler(tt.fn), "POST", "/")
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.header, rec.Header())
			assert.Equal(t, tt.body, rec.Body.String())
		})
	}
}

type rsGone struct{}

func (rsGone) StatusCode() int { return http.StatusNoContent }

// A Response's own Content-Type stands, a value whose StatusCode is 204 has
// no body, and a handler that wrote nothing answers 204 only if nothing
// else wrote for it either.
func TestHandlerResponseEdges(t *testing.T) {
	c, _ := newHTTP(t)
	type wrote struct{}
	require.NoError(t, c.Provide(func(w http.ResponseWriter) *wrote { w.WriteHeader(http.StatusAccepted); return &wrote{} }))
	tests := []struct {
		name   string
		fn     any
		status int
		ctype  string
		body   string
	}{
		{"its own Content-Type", func() depend.Response[string] {
			return depend.Response[string]{Header: http.Header{"Content-Type": {"application/vnd.api+json"}}, Body: "x"}
		}, 200, "application/vnd.api+json", "\"x\"\n"},
		{"a StatusCode of 204", func() rsGone { return rsGone{} }, 204, "", ""},
		{"written through ScopeFrom", func(ctx context.Context) {
			s, _ := depend.ScopeFrom(ctx)
			_, err := depend.Resolve[*wrote](s)
			require.NoError(t, err)
		}, 202, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &countingWriter{ResponseRecorder: httptest.NewRecorder()}
			c.Handler(tt.fn).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.ctype, w.Header().Get("Content-Type"))
			assert.Equal(t, tt.body, w.Body.String())
			assert.LessOrEqual(t, w.headers, 1, "a second WriteHeader")
		})
	}
}
