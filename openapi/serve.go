package openapi

// Code in this file serves a Document: as JSON, and as a page that renders
// it with Swagger UI.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// Handler returns an http.Handler that serves d as JSON, encoded now, once:
// changes to d after the call are not served. It fails if d cannot be
// encoded (a NaN in a schema a program added). The handler is safe for
// concurrent use.
func (d *Document) Handler() (http.Handler, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("openapi: the document cannot be encoded as JSON: %w", err)
	}
	b = append(b, '\n')
	modified := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		http.ServeContent(w, r, "", modified, bytes.NewReader(b)) // Range, HEAD and If-Modified-Since
	}), nil
}

// swaggerUI is the Swagger UI release the docs page loads by default, with
// the Subresource Integrity hashes of its files, so that a changed file on
// the CDN is refused rather than run.
const (
	swaggerUI       = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0"
	swaggerUIJSHash = "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9"
	swaggerUICSSSum = "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I"
)

// DocsOptions configure the docs page.
type DocsOptions struct {
	// Title is the page's title; "API docs" if empty.
	Title string
	// Assets is the base URL of a copy of the swagger-ui-dist package,
	// whose swagger-ui-bundle.js and swagger-ui.css the page loads, such
	// as "/assets/swagger-ui" served by your own http.FileServer. Empty
	// means jsDelivr's copy of swagger-ui-dist 5.35.0, checked with
	// Subresource Integrity; a browser that cannot reach it (offline, or
	// behind a firewall) shows a note that links to the JSON document
	// instead.
	Assets string
}

// Docs returns an http.Handler that serves an HTML page rendering the
// document served at specURL with Swagger UI. The page runs no code of its
// own but the renderer's and a fallback note. The handler is safe for
// concurrent use.
func Docs(specURL string, o DocsOptions) http.Handler {
	data := docsPage{Title: o.Title, Spec: specURL, Base: strings.TrimSuffix(o.Assets, "/")}
	if data.Title == "" {
		data.Title = "API docs"
	}
	if data.Base == "" {
		data.Base, data.JSHash, data.CSSHash = swaggerUI, swaggerUIJSHash, swaggerUICSSSum
	}
	var b bytes.Buffer
	if err := docsTemplate.Execute(&b, data); err != nil {
		panic(err) // the template and its data are ours: a bug
	}
	page := b.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
}

// docsPage is what the page's template fills in; html/template escapes
// each value for where it appears (text, URL or script).
type docsPage struct {
	Title, Spec, Base string
	JSHash, CSSHash   string
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<link rel="stylesheet" href="{{.Base}}/swagger-ui.css"{{with .CSSHash}} integrity="{{.}}" crossorigin="anonymous"{{end}}>
</head>
<body>
<div id="swagger-ui"></div>
<p id="offline" hidden>The renderer could not be loaded from {{.Base}}. The API's description is
<a href="{{.Spec}}">the OpenAPI document</a>.</p>
<script>
function depend_offline() { document.getElementById("offline").hidden = false; }
</script>
<script src="{{.Base}}/swagger-ui-bundle.js"{{with .JSHash}} integrity="{{.}}" crossorigin="anonymous"{{end}} onerror="depend_offline()"></script>
<script>
if (typeof SwaggerUIBundle === "function") {
  SwaggerUIBundle({url: {{.Spec}}, dom_id: "#swagger-ui"});
} else {
  depend_offline();
}
</script>
</body>
</html>
`))
