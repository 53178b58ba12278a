package depend

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strings"
)

// WriteDOT writes the Container's dependency graph to w in Graphviz's DOT
// language; render it with `dot -Tsvg`. Each node is a provided type,
// labelled with its lifetime and filled in its lifetime's colour; an edge
// goes from a value to each value it depends on, dashed for a Fresh[T]
// parameter. The problems Validate reports are drawn in red: the providers
// they are found at, the edges of cycles and captive dependencies, and a node
// for each type that nothing provides. A legend explains the notation, and
// each node's tooltip names its provider func and its problems. The output
// depends only on the registrations, so it can be diffed and kept in tests.
//
// Without roots, WriteDOT draws every provider and, as roots, the funcs
// wrapped by Handler so far, with dotted edges to their Group's
// requirements. With roots, which are funcs such as the ones passed to
// Handler or Scope.Invoke, it draws each root and only the part of the graph
// one call of it can reach: one handler's subgraph.
//
// WriteDOT neither seals nor changes c, and is safe for concurrent use.
func (c *Container) WriteDOT(w io.Writer, roots ...any) error {
	c.mu.Lock()
	g, err := c.dotGraph(roots)
	c.mu.Unlock()
	if err != nil {
		return publicError(fmt.Errorf("WriteDOT: %w", err))
	}
	if _, err := io.WriteString(w, g.String()); err != nil {
		return publicError(fmt.Errorf("WriteDOT: %w", err))
	}
	return nil
}

// dot accumulates one graph, built by one goroutine under Container.mu.
// Nodes and edges are written in a fixed order: roots, providers by id, then
// inputs and missing types in the order they are first used.
type dot struct {
	nodes, edges strings.Builder
	ids          map[reflect.Type]string // inputs and missing types drawn so far
	edgeSeen     map[string]bool
	problems     map[*provider][]*GraphError
	cycleEdges   map[[2]reflect.Type]bool // consecutive types of a reported cycle
	roots        bool                     // roots were drawn
	requires     bool                     // Group requirements were drawn
}

// dotGraph builds the DOT text of c's graph. The caller holds c.mu.
func (c *Container) dotGraph(roots []any) (*dot, error) {
	g := &dot{
		ids:        map[reflect.Type]string{},
		edgeSeen:   map[string]bool{},
		problems:   map[*provider][]*GraphError{},
		cycleEdges: map[[2]reflect.Type]bool{},
	}
	g.addProblems(c.check(c.providers))
	rs, err := c.rootsToDraw(roots)
	if err != nil {
		return nil, err
	}
	drawn := make([]bool, len(c.providers))
	if len(roots) == 0 {
		for i := range drawn {
			drawn[i] = true
		}
	}
	for i, r := range rs {
		requires, deps := c.link(r.requires), c.link(params(r.fn.Type()))
		reach(requires, drawn)
		reach(deps, drawn)
		g.root(fmt.Sprintf("root%d", i), r, requires, deps)
	}
	for _, p := range c.providers {
		if drawn[p.id] {
			g.provider(p)
		}
	}
	return g, nil
}

func (g *dot) addProblems(problems []problem) {
	for _, p := range problems {
		g.problems[p.node] = append(g.problems[p.node], p.GraphError)
		if errors.Is(p, ErrCycle) {
			for i := 1; i < len(p.Path); i++ {
				g.cycleEdges[[2]reflect.Type{p.Path[i-1], p.Path[i]}] = true
			}
		}
	}
}

// rootsToDraw checks the roots passed to WriteDOT; without any, the roots
// are the handlers c wrapped. The caller holds c.mu.
func (c *Container) rootsToDraw(roots []any) ([]drawnRoot, error) {
	if len(roots) == 0 {
		return c.handlers, nil
	}
	rs := make([]drawnRoot, len(roots))
	for i, fn := range roots {
		v := reflect.ValueOf(fn)
		if fn == nil || v.Kind() != reflect.Func || v.IsNil() {
			return nil, fmt.Errorf("root %d is %T; want a func such as a handler, whose parameters are the values to draw: %w", i, fn, ErrBadProvider)
		}
		rs[i] = drawnRoot{fn: v, kind: "root"}
	}
	return rs, nil
}

// drawnRoot is a func drawn as a root, with the requirements of the Group
// that wrapped it.
type drawnRoot struct {
	fn       reflect.Value
	requires []reflect.Type
	kind     string // "handler", or "root" for a func passed to WriteDOT
}

// addHandler records a func wrapped by Handler for WriteDOT, once.
func (c *Container) addHandler(fn reflect.Value, requires []Requirement) {
	r := drawnRoot{fn: fn, requires: make([]reflect.Type, len(requires)), kind: "handler"}
	for i, req := range requires {
		r.requires[i] = req.t
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, h := range c.handlers {
		if h.fn.Pointer() == fn.Pointer() && slices.Equal(h.requires, r.requires) {
			return
		}
	}
	c.handlers = append(c.handlers, r)
}

func (g *dot) root(id string, r drawnRoot, requires, deps []dep) {
	name := shortName(r.fn)
	g.node(id, []string{name[strings.LastIndex(name, "/")+1:], r.kind}, name+" "+r.fn.Type().String(), rootStyle)
	g.roots = true
	g.requires = g.requires || len(requires) > 0
	g.depEdges(id, nil, requires, requiresStyle)
	g.depEdges(id, nil, deps, "")
}

// reach marks the providers deps lead to.
func reach(deps []dep, drawn []bool) {
	for _, d := range deps {
		if d.p != nil && !drawn[d.p.id] {
			drawn[d.p.id] = true
			reach(d.p.deps, drawn)
		}
	}
}

var lifeColor = map[Lifetime]string{Singleton: "#cfe2f3", Scoped: "#d9ead3", NoCache: "#fff2cc"}

const (
	inputStyle   = `shape=ellipse, style=filled, fillcolor="#eeeeee"`
	missingStyle = `style="dashed,rounded", color=red, fontcolor=red`
	problemStyle = `color=red, fontcolor=red, penwidth=2`
)

func (g *dot) provider(p *provider) {
	id := fmt.Sprintf("p%d", p.id)
	label := []string{p.out.String(), p.life.String()}
	for _, t := range p.as {
		label = append(label, "as "+t.String())
	}
	tooltip := "provided by " + shortName(p.fn)
	if p.input != nil {
		tooltip = "bound from the request by " + p.name
	}
	attrs := fmt.Sprintf("fillcolor=%q", lifeColor[p.life])
	if probs := g.problems[p]; len(probs) > 0 {
		for _, e := range probs {
			if l := "problem: " + problemName(e.Err); !slices.Contains(label, l) {
				label = append(label, l)
			}
			tooltip += "\n" + e.Error()
		}
		attrs += ", " + problemStyle
	}
	g.node(id, label, tooltip, attrs)
	g.depEdges(id, p, p.deps, "")
}

// depEdges draws the edges from the node id (of provider p, or of a root if
// p is nil) to its dependencies, with style unless they are Fresh.
func (g *dot) depEdges(id string, p *provider, deps []dep, style string) {
	for _, d := range deps {
		var attrs []string
		if style != "" {
			attrs = append(attrs, style)
		}
		if d.kind == depFresh {
			attrs = append(attrs, `style=dashed, label="Fresh"`)
		}
		if g.problemEdge(p, d) {
			attrs = append(attrs, "color=red, penwidth=2")
		}
		g.edge(id, g.target(d), strings.Join(attrs, ", "))
	}
}

// problemEdge reports whether the edge from p (nil for a root) to d is part
// of a problem.
func (g *dot) problemEdge(p *provider, d dep) bool {
	switch {
	case d.kind == depMissing:
		return true
	case p == nil:
		return false
	case p.life == Singleton && captive(d) != "":
		return true
	}
	return d.p != nil && g.cycleEdges[[2]reflect.Type{p.out, d.p.out}]
}

// problemName names a GraphError's kind as seen from the provider it was
// found at.
func problemName(kind error) string {
	switch kind {
	case ErrNotProvided:
		return "missing dependency"
	case ErrCycle:
		return "in a cycle"
	}
	return kind.Error()
}

// target returns the node id of what d resolves to, drawing inputs and
// missing types on first use.
func (g *dot) target(d dep) string {
	if d.p != nil {
		return fmt.Sprintf("p%d", d.p.id)
	}
	if id, ok := g.ids[d.typ]; ok {
		return id
	}
	id := fmt.Sprintf("t%d", len(g.ids))
	g.ids[d.typ] = id
	if d.kind == depMissing {
		g.node(id, []string{d.typ.String(), "not provided"}, "nothing provides "+d.typ.String()+"; register a provider for it with Provide", missingStyle)
	} else {
		g.node(id, []string{d.typ.String(), "per-request input"}, "supplied by the Scope", inputStyle)
	}
	return id
}

func (g *dot) node(id string, label []string, tooltip, attrs string) {
	fmt.Fprintf(&g.nodes, "  %s [label=%s, tooltip=%s, %s];\n", id, dotLabel(label...), dotLabel(tooltip), attrs)
}

func (g *dot) edge(from, to, attrs string) {
	key := from + "->" + to + attrs
	if g.edgeSeen[key] {
		return
	}
	g.edgeSeen[key] = true
	if attrs != "" {
		attrs = " [" + attrs + "]"
	}
	fmt.Fprintf(&g.edges, "  %s -> %s%s;\n", from, to, attrs)
}

func (g *dot) String() string {
	var b strings.Builder
	b.WriteString("digraph depend {\n")
	b.WriteString("  graph [fontname=\"Helvetica\", fontsize=11, rankdir=TB];\n")
	b.WriteString("  node [shape=box, style=\"filled,rounded\", fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	b.WriteString(g.nodes.String())
	b.WriteString(g.edges.String())
	b.WriteString(legend)
	if g.roots {
		b.WriteString(legendRoot)
	}
	if g.requires {
		b.WriteString(legendRequires)
	}
	b.WriteString("  }\n")
	b.WriteString("}\n")
	return b.String()
}

// legend explains colours, shapes and edge styles.
var legend = `  subgraph cluster_legend {
    label="legend"; style=dashed; color=gray; fontcolor=gray;
    legend_singleton [label="singleton\nonce per Container", fillcolor="` + lifeColor[Singleton] + `"];
    legend_scoped [label="scoped\nonce per request", fillcolor="` + lifeColor[Scoped] + `"];
    legend_nocache [label="nocache\nat every use", fillcolor="` + lifeColor[NoCache] + `"];
    legend_input [label="per-request input\ncontext, *http.Request, ...", ` + inputStyle + `];
    legend_problem [label="problem\nsee the tooltip", fillcolor="white", ` + problemStyle + `];
    legend_missing [label="not provided", ` + missingStyle + `];
    legend_scoped -> legend_singleton [label="depends on"];
    legend_nocache -> legend_scoped [style=dashed, label="Fresh"];
    legend_problem -> legend_missing [color=red, penwidth=2, label="problem"];
`

const (
	rootStyle     = `shape=box, style="bold,rounded"`
	requiresStyle = `style=dotted` // unlabelled: a Group's routes all have one
	legendRoot    = `    legend_root [label="root\nhandler or Invoke func", ` + rootStyle + `];
`
	legendRequires = `    legend_root -> legend_scoped [` + requiresStyle + `, label="requires"];
`
)

// dotLabel quotes lines as one DOT string, joined by DOT's centred line
// break.
func dotLabel(lines ...string) string {
	for i, l := range lines {
		l = strings.ReplaceAll(l, `\`, `\\`)
		l = strings.ReplaceAll(l, `"`, `\"`)
		lines[i] = strings.ReplaceAll(l, "\n", `\n`)
	}
	return `"` + strings.Join(lines, `\n`) + `"`
}

// shortName is a func's package-qualified name, without the file and line
// that would make a graph differ between checkouts.
func shortName(fn reflect.Value) string {
	if f := runtime.FuncForPC(fn.Pointer()); f != nil {
		return f.Name()
	}
	return fn.Type().String()
}
