package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/godepend/depend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of the request inputs of /notes: depend.Input binds and checks them
// before any other provider runs, so a request they reject is a 422 that
// names every bad input, and it never opens a transaction.

func TestListNotesPages(t *testing.T) {
	d := start(t, ":memory:")
	for i := range 25 {
		status, body, _ := d.do("POST", "/notes", fmt.Sprintf(`{"text":"note %d"}`, i+1))
		require.Equal(t, http.StatusCreated, status, body)
	}
	for _, tc := range []struct {
		query     string
		wantFirst int64 // the first note's id; 0: none
		wantLen   int
	}{
		{"", 1, 20}, // limit defaults to 20, offset to 0
		{"?limit=100", 1, 25},
		{"?limit=1", 1, 1},
		{"?limit=10&offset=10", 11, 10},
		{"?offset=20", 21, 5},
		{"?offset=25", 0, 0},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var notes []Note
			d.getJSON("/notes"+tc.query, &notes)
			require.Len(t, notes, tc.wantLen)
			if tc.wantLen > 0 {
				assert.Equal(t, tc.wantFirst, notes[0].ID)
				assert.Equal(t, tc.wantFirst+int64(tc.wantLen)-1, notes[len(notes)-1].ID, "consecutive, oldest first")
			}
		})
	}
}

func TestRejectedInputsOpenNoTransaction(t *testing.T) {
	d := start(t, ":memory:")
	status, _, _ := d.do("POST", "/notes", `{"text":"kept"}`)
	require.Equal(t, http.StatusCreated, status)
	tooLong := strings.Repeat("é", 281) // characters, not bytes, are counted

	for _, tc := range []struct {
		name, method, path, body string
		want                     []depend.FieldError
	}{
		{"limit above 100", "GET", "/notes?limit=500", "",
			[]depend.FieldError{{Location: "query.limit", Message: "must be at most 100", Value: "500"}}},
		{"limit 0", "GET", "/notes?limit=0", "",
			[]depend.FieldError{{Location: "query.limit", Message: "must be at least 1", Value: "0"}}},
		{"limit not a number", "GET", "/notes?limit=ten", "",
			[]depend.FieldError{{Location: "query.limit", Message: "want an integer", Value: "ten"}}},
		{"every bad input at once", "GET", "/notes?limit=500&offset=-1", "",
			[]depend.FieldError{
				{Location: "query.limit", Message: "must be at most 100", Value: "500"},
				{Location: "query.offset", Message: "must be at least 0", Value: "-1"},
			}},
		{"empty text", "POST", "/notes", `{"text":""}`,
			[]depend.FieldError{{Location: "body.text", Message: "must have at least 1 character"}}},
		{"no text", "POST", "/notes", `{}`,
			[]depend.FieldError{{Location: "body.text", Message: "must have at least 1 character"}}},
		{"blank text", "POST", "/notes", `{"text":"   "}`,
			[]depend.FieldError{{Location: "body.text", Message: `must match \S`}}},
		{"text of 281 characters", "POST", "/notes", `{"text":"` + tooLong + `"}`,
			[]depend.FieldError{{Location: "body.text", Message: "must have at most 280 characters"}}},
		{"text not a string", "POST", "/notes", `{"text":42}`,
			[]depend.FieldError{{Location: "body.text", Message: "want a string, got number"}}},
		{"malformed JSON", "POST", "/notes", `{"text":`,
			[]depend.FieldError{{Location: "body", Message: "malformed JSON: unexpected end"}}},
		{"no body", "POST", "/notes", "",
			[]depend.FieldError{{Location: "body", Message: "required"}}},
		{"fail not a boolean", "POST", "/notes?fail=maybe", `{"text":"ok"}`,
			[]depend.FieldError{{Location: "query.fail", Message: "want true or false", Value: "maybe"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			txBefore := d.log.count("provider=tx ")
			res, body := d.send(tc.method, tc.path, tc.body)
			assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, body)
			assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
			assert.Equal(t, depend.Problem{
				Type: "about:blank", Title: "Unprocessable Entity", Status: 422,
				Detail: "the request's inputs are invalid", Errors: tc.want,
			}, problemOf(t, body))
			assert.Equal(t, txBefore, d.log.count("provider=tx "), "a rejected request opens no transaction")
		})
	}

	t.Run("a body that is not JSON", func(t *testing.T) {
		txBefore := d.log.count("provider=tx ")
		res, body := d.send("POST", "/notes", "text=hi", "Content-Type", "application/x-www-form-urlencoded") // curl -d without -H
		assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode, body)
		assert.Equal(t, depend.Problem{Type: "about:blank", Title: "Unsupported Media Type", Status: 415,
			Detail: "Content-Type must be application/json"}, problemOf(t, body))
		assert.Equal(t, txBefore, d.log.count("provider=tx "), "a rejected request opens no transaction")
	})

	assert.Zero(t, d.log.count("msg=rollback"), "nothing was begun, so nothing was rolled back")
	var notes []Note
	d.getJSON("/notes", &notes)
	assert.Equal(t, []Note{{ID: 1, Text: "kept"}}, notes, "no rejected note was inserted")

	// An accepted request after them still opens its transaction.
	status, _, id := d.do("POST", "/notes", `{"text":"after"}`)
	assert.Equal(t, http.StatusCreated, status)
	assert.Equal(t, 1, d.calls(id, "tx"))
}
