package main

import (
	"flag"
	"io"
	"log/slog"
)

var graphFlag = flag.Bool("graph", false, "write the dependency graph as Graphviz DOT to stdout and exit (docs/render-graph.sh renders it)")

// writeGraph writes the demo's dependency graph: every provider, and every
// route's handler with the app-wide requirement. It calls no provider, so
// no database is opened.
func writeGraph(w io.Writer) error {
	app, err := wire(Options{DB: ":memory:", Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer app.Close()
	return app.c.WriteDOT(w)
}
