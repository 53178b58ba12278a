package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteGraph(t *testing.T) {
	var b strings.Builder
	require.NoError(t, writeGraph(&b))
	out := b.String()
	for _, handler := range []string{"index", "info", "multiInfo", "randoms", "fresh", "me", "addNote", "listNotes", "timingPage"} {
		assert.Contains(t, out, `.`+handler+`\nhandler"`, "every route's handler is drawn")
	}
	for _, want := range []string{
		`label="*sql.DB\nsingleton"`,
		`label="main.Random\nnocache"`,
		`label="*sql.Tx\nscoped"`,
		`[style=dashed, label="Fresh"]`,
		`[style=dotted]`,
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "problem:", "the demo's graph is valid")
}
