package openapi_test

import (
	"encoding/json"
	"io"
	"math"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend/openapi"
)

func TestDocumentHandlerServesJSON(t *testing.T) {
	doc, err := openapi.New(notesApp(t), openapi.Info{Title: "Notes", Version: "1.0.0"})
	require.NoError(t, err)
	h, err := doc.Handler()
	require.NoError(t, err)
	doc.Info.Title = "changed later" // not served: the document was encoded by Handler

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, "3.1.0", got["openapi"])
	assert.Equal(t, "Notes", got["info"].(map[string]any)["title"])

	head := httptest.NewRecorder()
	h.ServeHTTP(head, httptest.NewRequest("HEAD", "/openapi.json", nil))
	assert.Equal(t, 200, head.Code)
	assert.Empty(t, head.Body.String())
	assert.Equal(t, rec.Header().Get("Content-Length"), head.Header().Get("Content-Length"))
}

func TestDocumentHandlerRefusesADocumentJSONCannotEncode(t *testing.T) {
	doc := &openapi.Document{OpenAPI: openapi.Version, Info: openapi.Info{Title: "t", Version: "1"},
		Paths: map[string]openapi.PathItem{"/x": {"get": {Responses: map[string]*openapi.Response{
			"200": {Description: "ok", Content: map[string]openapi.MediaType{"application/json": {Schema: &openapi.Schema{Default: math.NaN()}}}},
		}}}}}
	_, err := doc.Handler()
	assert.ErrorContains(t, err, "openapi: the document cannot be encoded as JSON")
}

func TestDocsPage(t *testing.T) {
	page := func(spec string, o openapi.DocsOptions) string {
		rec := httptest.NewRecorder()
		openapi.Docs(spec, o).ServeHTTP(rec, httptest.NewRequest("GET", "/docs", nil))
		require.Equal(t, 200, rec.Code)
		require.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
		b, _ := io.ReadAll(rec.Body)
		return string(b)
	}
	t.Run("the default renderer is pinned and checked", func(t *testing.T) {
		p := page("/openapi.json", openapi.DocsOptions{})
		assert.Contains(t, p, `<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/swagger-ui-bundle.js" integrity="sha384-`)
		assert.Contains(t, p, `href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/swagger-ui.css" integrity="sha384-`)
		assert.Contains(t, p, `SwaggerUIBundle({url: "/openapi.json"`)
		assert.Contains(t, p, `<title>API docs</title>`)
		assert.Contains(t, p, `<a href="/openapi.json">the OpenAPI document</a>`, "the offline note links to the document")
	})
	t.Run("a copy of your own", func(t *testing.T) {
		p := page("/openapi.json", openapi.DocsOptions{Assets: "/assets/swagger-ui/", Title: "Notes"})
		assert.Contains(t, p, `<script src="/assets/swagger-ui/swagger-ui-bundle.js" onerror=`)
		assert.NotContains(t, p, "integrity", "the hashes are those of the pinned release")
		assert.Contains(t, p, `<title>Notes</title>`)
	})
	t.Run("values are escaped", func(t *testing.T) {
		p := page(`javascript:alert(1)"</script>`, openapi.DocsOptions{Title: "<b>x</b>"})
		assert.Contains(t, p, "<title>&lt;b&gt;x&lt;/b&gt;</title>")
		assert.NotContains(t, p, `href="javascript:`)
		assert.NotContains(t, p, `alert(1)"</script>`)
	})
}
