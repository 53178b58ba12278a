package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend/openapi"
)

// dumpDOM loads url in headless Chromium and returns the page's DOM once
// its scripts have run.
func dumpDOM(t *testing.T, url string) string {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium failed: %s", tail(stderr.Bytes()))
	return stdout.String()
}

// TestDocsPageInABrowser loads the docs page in headless Chromium twice:
// with a stand-in renderer served locally, which the page must call with
// the document's URL, and with a renderer that cannot be loaded, where the
// page must show its note that links to the JSON document. Both are what a
// user sees; the CDN itself is not reached from tests.
func TestDocsPageInABrowser(t *testing.T) {
	assets := http.NewServeMux()
	assets.HandleFunc("GET /ui/swagger-ui-bundle.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(`function SwaggerUIBundle(o) {
  document.querySelector(o.dom_id).textContent = "RENDERED " + o.url;
}`))
	})
	assets.HandleFunc("GET /ui/swagger-ui.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
	})
	assets.Handle("GET /rendered", openapi.Docs("/openapi.json", openapi.DocsOptions{Assets: "/ui"}))
	assets.Handle("GET /offline", openapi.Docs("/openapi.json", openapi.DocsOptions{Assets: "/missing"}))
	srv := httptest.NewServer(assets)
	defer srv.Close()

	t.Run("the renderer gets the document's URL", func(t *testing.T) {
		dom := dumpDOM(t, srv.URL+"/rendered")
		assert.Contains(t, dom, `<div id="swagger-ui">RENDERED /openapi.json</div>`)
		assert.Contains(t, dom, `<p id="offline" hidden="">`, "the note stays hidden")
	})
	t.Run("without the renderer the page links to the document", func(t *testing.T) {
		dom := dumpDOM(t, srv.URL+"/offline")
		assert.Contains(t, dom, `<p id="offline">The renderer could not be loaded`)
		assert.Contains(t, dom, `<a href="/openapi.json">the OpenAPI document</a>`)
	})
}
