package main

import (
	"database/sql"
	"html/template"
	"net/http"
)

// timingPage shows the Server-Timing header of its own response: the
// browser hands it to the page's script, which lists each provider call with
// its duration. The same entries are in the developer tools, under the
// request's Timing tab. Browsers expose them only on secure contexts, which
// include http://localhost and http://127.0.0.1.
func timingPage(w http.ResponseWriter, r *http.Request, cfg *Config, tx *sql.Tx, nonce Nonce) error {
	var notes int
	if err := tx.QueryRowContext(r.Context(), `SELECT count(*) FROM notes`).Scan(&notes); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return timingTemplate.Execute(w, map[string]any{"App": cfg.App, "Notes": notes, "Nonce": nonce})
}

var timingTemplate = template.Must(template.New("timing").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.App}}: Server-Timing</title></head>
<body>
<h1>What this page's dependencies cost</h1>
<p>{{.Notes}} notes; request nonce {{.Nonce}}. Each row is one provider call
made for this request, from the <code>Server-Timing</code> response header.</p>
<table id="timing"><tr><th>name</th><th>ms</th><th>description</th></tr></table>
<pre id="entries"></pre>
<script>
const nav = performance.getEntriesByType('navigation')[0];
const entries = nav ? nav.serverTiming.map(e => ({name: e.name, duration: e.duration, description: e.description})) : [];
for (const e of entries) {
  const row = document.getElementById('timing').insertRow();
  for (const v of [e.name, e.duration.toFixed(3), e.description]) row.insertCell().textContent = v;
}
document.getElementById('entries').textContent = 'SERVER-TIMING ' + JSON.stringify(entries);
</script>
</body></html>
`))
