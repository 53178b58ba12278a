package depend_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/dot")

// The providers of the drawn graphs are named funcs, so that the tooltips in
// the golden files do not depend on closure numbering.
type (
	dotConfig    struct{}
	dotDB        struct{}
	dotTx        struct{}
	dotRepo      struct{}
	dotRequestID string
	dotAudit     struct{}
	dotMailer    struct{}
	dotStore     interface{ Get() }
	dotCache     struct{}
	dotSession   struct{}
	dotClock     struct{}
	dotReport    struct{}
	dotA         struct{}
	dotB         struct{}
)

func (*dotRepo) Get() {}

func dotNewConfig() *dotConfig                                  { return &dotConfig{} }
func dotOpenDB(*dotConfig) (*dotDB, func() error, error)        { return &dotDB{}, nil, nil }
func dotBegin(context.Context, *dotDB) (*dotTx, func(error))    { return &dotTx{}, nil }
func dotNewRepo(*dotTx) *dotRepo                                { return &dotRepo{} }
func dotNewID() dotRequestID                                    { return "id" }
func dotNewAudit(dotRequestID, depend.Fresh[*dotTx]) *dotAudit  { return &dotAudit{} }
func dotNewMailer(*dotConfig) *dotMailer                        { return &dotMailer{} }
func dotGetUser(http.ResponseWriter, dotStore, *dotAudit) error { return nil }
func dotNewCache(*dotDB, *http.Request) *dotCache               { return &dotCache{} }
func dotNewSession(*dotTx) *dotSession                          { return &dotSession{} }
func dotNewReport(*dotClock, *dotRepo) *dotReport               { return &dotReport{} }
func dotNewA(*dotB) *dotA                                       { return &dotA{} }
func dotNewB(*dotA) *dotB                                       { return &dotB{} }
func dotShowReport(*dotReport, *dotA, *dotClock)                {}
func dotShowAudit(*dotAudit) *dotAudit                          { return nil }

// dotApp is a valid application graph with every lifetime, an As binding, a
// Fresh parameter and a per-request input.
func dotApp(t *testing.T) *depend.Container {
	c := depend.New()
	for _, p := range []struct {
		fn   any
		opts []depend.Option
	}{
		{dotNewConfig, []depend.Option{depend.Singleton}},
		{dotOpenDB, []depend.Option{depend.Singleton}},
		{dotBegin, nil},
		{dotNewRepo, []depend.Option{depend.As[dotStore]()}},
		{dotNewID, []depend.Option{depend.NoCache}},
		{dotNewAudit, nil},
		{dotNewMailer, []depend.Option{depend.Singleton}},
	} {
		require.NoError(t, c.Provide(p.fn, p.opts...))
	}
	require.NoError(t, c.Validate())
	return c
}

// dotServing is dotApp serving two routes, one in a Group that requires a
// *dotMailer.
func dotServing(t *testing.T) *depend.Container {
	c := dotApp(t)
	c.Handler(dotGetUser)
	c.Handler(dotGetUser) // a second route with the same handler is drawn once
	c.Group(depend.Require[*dotMailer]()).Handler(dotShowAudit)
	return c
}

// dotBroken adds one problem of each kind to dotApp.
func dotBroken(t *testing.T) *depend.Container {
	c := dotApp(t)
	require.NoError(t, c.Provide(dotNewCache, depend.Singleton))
	require.NoError(t, c.Provide(dotNewSession, depend.Singleton))
	require.NoError(t, c.Provide(dotNewReport))
	require.NoError(t, c.Provide(dotNewA))
	require.NoError(t, c.Provide(dotNewB))
	return c
}

func TestWriteDOTGolden(t *testing.T) {
	tests := []struct {
		name  string
		c     func(t *testing.T) *depend.Container
		roots []any
		// The handlers a Container wrapped are not forked, so a fork
		// draws them only when they are passed as roots.
		forkDiffers bool
	}{
		{name: "app", c: dotApp},
		{name: "handler", c: dotApp, roots: []any{dotGetUser}},
		{name: "problems", c: dotBroken},
		{name: "problems_handler", c: dotBroken, roots: []any{dotShowReport}},
		{name: "empty", c: func(*testing.T) *depend.Container { return depend.New() }},
		{name: "handlers", c: dotServing, forkDiffers: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c(t)
			var buf bytes.Buffer
			require.NoError(t, c.WriteDOT(&buf, tt.roots...))
			golden := filepath.Join("testdata", "dot", tt.name+".golden")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -run TestWriteDOTGolden -update to create it")
			assert.Equal(t, string(want), buf.String(), "run go test -run TestWriteDOTGolden -update and review the diff")

			var again bytes.Buffer
			require.NoError(t, c.Fork().WriteDOT(&again, tt.roots...))
			if tt.forkDiffers {
				assert.NotEqual(t, buf.String(), again.String())
			} else {
				assert.Equal(t, buf.String(), again.String(), "a fork draws the same graph")
			}
		})
	}
}

func TestWriteDOTHighlightsProblems(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, dotBroken(t).WriteDOT(&buf))
	out := buf.String()
	for _, want := range []string{
		`"*depend_test.dotClock\nnot provided"`,
		`problem: missing dependency`,
		`problem: in a cycle`,
		`problem: captive dependency`,
		`label="Fresh"`,
	} {
		assert.Contains(t, out, want)
	}
	redEdge := regexp.MustCompile(`(?m)^ +\w+ -> \w+ \[.*color=red`)
	assert.Len(t, redEdge.FindAllString(out, -1), 6, "red edges: report->clock, A->B, B->A, cache->request, session->tx, and the legend's")
}

func TestWriteDOTDoesNotSeal(t *testing.T) {
	c := dotApp(t)
	require.NoError(t, c.WriteDOT(discard{}, dotGetUser))
	assert.NoError(t, c.Provide(func() *dotClock { return nil }), "drawing must not seal the Container")
}

func TestWriteDOTErrors(t *testing.T) {
	c := dotApp(t)
	var nilFunc func()
	for _, root := range []any{nil, 42, nilFunc} {
		err := c.WriteDOT(discard{}, root)
		require.ErrorIs(t, err, depend.ErrBadProvider)
		assert.Contains(t, err.Error(), "depend: WriteDOT: root 0")
	}
	errDisk := errors.New("disk full")
	err := c.WriteDOT(failingWriter{errDisk})
	require.ErrorIs(t, err, errDisk)
	assert.Equal(t, "depend: WriteDOT: disk full", err.Error())
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestWriteDOTRenders feeds the golden files to Graphviz, when it is
// installed, to check that they are valid DOT.
func TestWriteDOTRenders(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz is not installed; docs/render-graph.sh installs it")
	}
	goldens, err := filepath.Glob(filepath.Join("testdata", "dot", "*.golden"))
	require.NoError(t, err)
	require.NotEmpty(t, goldens)
	for _, g := range goldens {
		out, err := exec.Command(dot, "-Tsvg", g).CombinedOutput()
		require.NoError(t, err, "%s: %s", g, out)
		assert.Contains(t, string(out), "<svg", g)
	}
}

func ExampleContainer_WriteDOT() {
	c := depend.New()
	c.Provide(dotNewConfig, depend.Singleton)
	c.Provide(dotNewMailer, depend.Singleton)
	c.Provide(func(*dotClock) *dotReport { return nil }) // nothing provides *dotClock

	// One handler's subgraph; without roots, WriteDOT draws everything.
	var b strings.Builder
	c.WriteDOT(&b, func(*dotMailer, *dotReport) {})
	for _, line := range strings.Split(b.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[1] == "->" && !strings.HasPrefix(f[0], "legend") {
			fmt.Println(line) // the edges; nodes carry labels and tooltips
		}
	}
	// Output:
	//   root0 -> p1;
	//   root0 -> p2;
	//   p1 -> p0;
	//   p2 -> t0 [color=red, penwidth=2];
}

// An Input is drawn with what binds it, not with the func behind it.
func TestWriteDOTNamesAnInput(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(depend.Input[inList]()))
	var b strings.Builder
	require.NoError(t, c.WriteDOT(&b, func(inList) {}))
	assert.Contains(t, b.String(), `tooltip="bound from the request by depend.Input[depend_test.inList]"`)
	assert.NotContains(t, b.String(), "inputProvider")
}
