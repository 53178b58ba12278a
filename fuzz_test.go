package depend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/godepend/depend"
)

// FuzzGraph turns bytes into a provider graph, with cycles, missing types
// and captive dependencies as the bytes say, and checks depend against a
// reference written here:
//   - Validate's verdict: a cycle or not, and how many missing and captive
//     edges, each with a path that exists in the graph;
//   - resolving each node fails exactly when the reference says the node
//     cannot be built, and then its provider never ran;
//   - on a valid graph every node builds exactly as often as its lifetime
//     promises, in a sequential scope and in a concurrent one, and every
//     cleanup runs once, in reverse dependency order;
//   - Validate says the same before and after the Container is sealed.
//
// The seed corpus is in testdata/fuzz/FuzzGraph; go test runs it.
func FuzzGraph(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		nodes := decodeGraph(data)
		ref := reference(nodes)
		g := newRTGraph(t, nodes)
		c := depend.New()
		g.provide(c)
		verdict := c.Validate()
		checkVerdict(t, nodes, ref, verdict)
		if ref.valid() {
			fuzzValid(t, c, g)
		} else {
			fuzzInvalid(t, c, g, ref)
		}
		if again := c.Validate(); errString(again) != errString(verdict) {
			t.Errorf("Validate changed after sealing:\nbefore: %v\nafter:  %v", verdict, again)
		}
		if err := c.Close(); err != nil {
			t.Errorf("Container.Close: %v", err)
		}
		g.verify(g.single, g.demandedSingles(ref), false)
	})
}

// decodeGraph reads a graph: one byte for the number of nodes (1 to 8), then
// per node one byte (bits 0-1 the lifetime, bits 2-3 the number of
// dependencies, bit 7 a Singleton's context.Context parameter) followed by a
// byte per dependency, the node index modulo n+2: n and n+1 are types that
// nobody provides. Missing bytes read as zero.
func decodeGraph(data []byte) []gnode {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	n := 1 + int(next()%8)
	nodes := make([]gnode, n)
	for i := range nodes {
		b := next()
		life := depend.Lifetime(b % 3)
		nodes[i] = gnode{life: life, ctx: life != depend.Singleton || b&0x80 != 0}
		for range (b >> 2) % 4 {
			nodes[i].deps = append(nodes[i].deps, int(next())%(n+2))
		}
	}
	return nodes
}

// refVerdict is the reference's view of a graph.
type refVerdict struct {
	cycle   bool
	missing int    // edges to a type nobody provides
	captive int    // Singleton edges to a per-request value
	bad     []bool // by node: building it must fail
}

func (r refVerdict) valid() bool { return !r.cycle && r.missing == 0 && r.captive == 0 }

// reference judges a graph the simple way: a node is in a cycle if it can
// reach itself; a Singleton's edge is captive if it leads to context.Context
// or a non-Singleton; a node is bad if it can reach a cycle, a missing type
// or a captive Singleton.
func reference(nodes []gnode) refVerdict {
	n := len(nodes)
	var r refVerdict
	reach := make([][]bool, n) // reach[i][j]: a path of one or more edges from i to j
	broken := make([]bool, n)
	for i, nd := range nodes {
		reach[i] = make([]bool, n)
		if nd.life == depend.Singleton && nd.ctx {
			r.captive++
			broken[i] = true
		}
		for _, d := range nd.deps {
			switch {
			case d >= n:
				r.missing++
				broken[i] = true
			case nd.life == depend.Singleton && nodes[d].life != depend.Singleton:
				r.captive++
				broken[i] = true
				reach[i][d] = true
			default:
				reach[i][d] = true
			}
		}
	}
	for k := range n { // Floyd-Warshall transitive closure
		for i := range n {
			for j := range n {
				reach[i][j] = reach[i][j] || reach[i][k] && reach[k][j]
			}
		}
	}
	for i := range n {
		if reach[i][i] {
			r.cycle, broken[i] = true, true
		}
	}
	r.bad = make([]bool, n)
	for i := range n {
		r.bad[i] = broken[i]
		for j := range n {
			r.bad[i] = r.bad[i] || reach[i][j] && broken[j]
		}
	}
	return r
}

// checkVerdict compares Validate's error with the reference and checks
// that every reported path follows edges of the graph.
func checkVerdict(t *testing.T, nodes []gnode, ref refVerdict, err error) {
	t.Helper()
	if ref.valid() != (err == nil) {
		t.Fatalf("Validate = %v; the reference says valid=%v (%+v)", err, ref.valid(), ref)
	}
	if err == nil {
		return
	}
	var cycles, missing, captive int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ge *depend.GraphError
		if !errors.As(e, &ge) || !strings.HasPrefix(e.Error(), "depend: ") {
			t.Fatalf("Validate joined %T %q, want a GraphError starting with depend:", e, e)
		}
		switch {
		case errors.Is(ge, depend.ErrCycle):
			cycles++
			checkCyclePath(t, nodes, ge.Path)
		case errors.Is(ge, depend.ErrNotProvided):
			missing++
			if last := typeIndex(ge.Path[len(ge.Path)-1]); last < len(nodes) {
				t.Errorf("missing path %v ends at provided node %d", ge.Path, last)
			}
		case errors.Is(ge, depend.ErrCaptive):
			captive++
			checkCaptivePath(t, nodes, ge.Path)
		default:
			t.Errorf("unexpected problem %v", ge)
		}
	}
	if (cycles > 0) != ref.cycle || missing != ref.missing || captive != ref.captive {
		t.Errorf("Validate found %d cycles, %d missing, %d captive; the reference %v, %d, %d\n%v",
			cycles, missing, captive, ref.cycle, ref.missing, ref.captive, err)
	}
}

func checkCyclePath(t *testing.T, nodes []gnode, path []reflect.Type) {
	t.Helper()
	if len(path) < 2 || path[0] != path[len(path)-1] {
		t.Errorf("cycle path %v does not come back to its start", path)
		return
	}
	for k := range len(path) - 1 {
		from, to := typeIndex(path[k]), typeIndex(path[k+1])
		if !slices.Contains(nodes[from].deps, to) {
			t.Errorf("cycle path %v: node %d does not depend on node %d", path, from, to)
		}
	}
}

func checkCaptivePath(t *testing.T, nodes []gnode, path []reflect.Type) {
	t.Helper()
	s := typeIndex(path[0])
	if len(path) != 2 || nodes[s].life != depend.Singleton {
		t.Errorf("captive path %v does not start at a Singleton", path)
		return
	}
	if path[1] == ctxType {
		if !nodes[s].ctx {
			t.Errorf("captive path %v: node %d takes no context", path, s)
		}
		return
	}
	if d := typeIndex(path[1]); !slices.Contains(nodes[s].deps, d) || nodes[d].life == depend.Singleton {
		t.Errorf("captive path %v is not a Singleton's edge to a per-request value", path)
	}
}

// typeIndex returns the node index of a nodeType.
func typeIndex(t reflect.Type) int {
	var i int
	tag := t.Elem().Field(0).Tag.Get("node")
	for _, r := range tag {
		i = i*10 + int(r-'0')
	}
	return i
}

// fuzzValid resolves every node once in a sequential scope and once in a
// concurrent one, and checks the counts of each.
func fuzzValid(t *testing.T, c *depend.Container, g *rtGraph) {
	direct := make([]int, len(g.nodes))
	for i := range direct {
		direct[i] = 1
	}
	want := g.expect(direct)
	for id, concurrent := range []bool{false, true} {
		l := newLedger(int64(id+1), len(g.nodes))
		s := c.NewScope(context.WithValue(context.Background(), ledgerKey{}, l))
		var wg sync.WaitGroup
		for i := range g.nodes {
			call := func() {
				if err := s.Invoke(g.invoker([]int{i}).fn); err != nil {
					t.Errorf("valid graph: node %d: %v", i, err)
				}
			}
			if concurrent {
				wg.Go(call)
			} else {
				call()
			}
		}
		waitTimeout(t, &wg, 10*time.Second, "resolving a valid graph")
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		g.verify(l, want, false)
	}
}

// fuzzInvalid resolves each node of an invalid graph: exactly the bad ones
// fail, their providers never run, and the scope still closes cleanly.
func fuzzInvalid(t *testing.T, c *depend.Container, g *rtGraph, ref refVerdict) {
	l := newLedger(1, len(g.nodes))
	s := c.NewScope(context.WithValue(context.Background(), ledgerKey{}, l))
	for i := range g.nodes {
		err := s.Invoke(g.invoker([]int{i}).fn)
		if (err != nil) != ref.bad[i] {
			t.Errorf("node %d: Invoke = %v; the reference says bad=%v", i, err, ref.bad[i])
		}
		builds := &l.builds[i]
		if g.nodes[i].life == depend.Singleton {
			builds = &g.single.builds[i]
		}
		if err != nil && builds.Load() != 0 {
			t.Errorf("node %d failed (%v) but its provider ran", i, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// Bad nodes stop part way, so only bounds are known: a Scoped node built
	// at most once, and every value built cleaned up once.
	most := make([]int, len(g.nodes))
	for i, n := range g.nodes {
		most[i] = 1
		if n.life == depend.NoCache {
			most[i] = 1 << 30
		}
	}
	g.verify(l, most, true)
}

// demandedSingles is what verify expects of the Singletons' ledger: every
// node is asked for, so each Singleton that can be built is built once.
func (g *rtGraph) demandedSingles(ref refVerdict) []int {
	want := make([]int, len(g.nodes))
	for i, n := range g.nodes {
		if n.life == depend.Singleton && !ref.bad[i] {
			want[i] = 1
		}
	}
	return want
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// fuzzQuery is the non-body half of FuzzInput's inputs: every source but
// the body and the form, and most field kinds and constraints.
type fuzzQuery struct {
	Limit int           `query:"limit" default:"20" minimum:"1" maximum:"100"`
	Ratio float64       `query:"ratio" default:"0.5" exclusiveMinimum:"0" exclusiveMaximum:"1"`
	Sort  string        `query:"sort" default:"id" enum:"id,text"`
	Q     string        `query:"q" default:"" maxLength:"8" pattern:"^[a-z]*$"`
	Small int8          `query:"i8" default:"0"`
	Level uint16        `query:"level" default:"1" enum:"1,2,3"`
	On    bool          `query:"on" default:"false"`
	Wait  time.Duration `query:"wait" default:"1s"`
	From  *time.Time    `query:"from"`
	Addr  *netip.Addr   `query:"addr"`
	Tags  []string      `query:"tag" maxLength:"3"`
	Nums  []float32     `query:"n" minimum:"-1" maximum:"1"`
	ID    uint32        `path:"id" minimum:"1"`
	Token *string       `header:"X-Token" minLength:"4"`
	Sess  string        `cookie:"session" default:"anon" pattern:"^[A-Za-z0-9]+$"`
}

type fuzzNote struct {
	Text  string   `json:"text" minLength:"1" maxLength:"10"`
	Tags  []string `json:"tags" maxLength:"2"`
	Rank  *int     `json:"rank" minimum:"1" maximum:"5"`
	Score float64  `json:"score" exclusiveMinimum:"0"`
	Kind  string   `json:"kind" required:"true" enum:"a,b"`
}

type fuzzBody struct {
	Note *fuzzNote `body:""`
}

type fuzzForm struct {
	Name string `form:"name" minLength:"2" maxLength:"5"`
	Age  int    `form:"age" default:"0" minimum:"0" maximum:"150"`
	Pets []uint `form:"pet" maxLength:"2"`
}

// fuzzLocations are the locations a 422 may name for FuzzInput's inputs.
var fuzzLocations = func() map[string]bool {
	m := map[string]bool{"body": true}
	for _, t := range []reflect.Type{reflect.TypeFor[fuzzQuery](), reflect.TypeFor[fuzzForm]()} {
		for i := range t.NumField() {
			for _, in := range []string{"query", "path", "header", "cookie", "form"} {
				if name, ok := t.Field(i).Tag.Lookup(in); ok {
					m[in+"."+name] = true
				}
			}
		}
	}
	for _, name := range []string{"text", "tags", "rank", "score", "kind"} {
		m["body."+name] = true
	}
	return m
}()

// FuzzInput serves arbitrary requests to Handlers that bind Inputs from
// every source, a JSON body or a form, and checks:
//   - nothing panics and nothing answers 5xx or reports an error;
//   - the answer is a 2xx whose bound values meet their constraints, or a
//     400, 413, 415 or 422 problem+json body that decodes into a
//     depend.Problem with the same status;
//   - a 422 lists at least one failure, each at a declared input.
//
// The seed corpus is in testdata/fuzz/FuzzInput; go test runs it.
func FuzzInput(f *testing.F) {
	f.Fuzz(func(t *testing.T, form bool, query, path, header, cookie, contentType string, body []byte) {
		c := depend.New()
		var reports []error
		var mu sync.Mutex
		c.SetHTTPOptions(depend.HTTPOptions{
			MaxBodyBytes: 256,
			ReportError:  func(_ *http.Request, err error) { mu.Lock(); reports = append(reports, err); mu.Unlock() },
		})
		for _, p := range []depend.Provider{depend.Input[fuzzQuery](), depend.Input[fuzzBody](), depend.Input[fuzzForm]()} {
			if err := c.Provide(p); err != nil {
				t.Fatal(err)
			}
		}
		var h http.Handler
		if form {
			h = c.Handler(func(q fuzzQuery, in fuzzForm) string { checkFuzzQuery(t, q); checkFuzzForm(t, in); return "ok" })
		} else {
			h = c.Handler(func(q fuzzQuery, in fuzzBody) string { checkFuzzQuery(t, q); checkFuzzNote(t, in.Note); return "ok" })
		}

		req := httptest.NewRequest("POST", "/items", bytes.NewReader(body))
		req.URL.RawQuery = query
		req.SetPathValue("id", path)
		for k, v := range map[string]string{"X-Token": header, "Cookie": cookie, "Content-Type": contentType} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		if len(reports) > 0 {
			t.Fatalf("status %d, reported %v", rec.Code, reports)
		}
		switch code := rec.Code; {
		case code >= 200 && code < 300:
			return
		case code == 400 || code == 413 || code == 415 || code == 422:
		default:
			t.Fatalf("status %d: %s", code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("status %d with Content-Type %q: %s", rec.Code, ct, rec.Body)
		}
		var p depend.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("status %d: the problem does not decode: %v\n%s", rec.Code, err, rec.Body)
		}
		if p.Status != rec.Code {
			t.Fatalf("status %d, the problem says %d", rec.Code, p.Status)
		}
		if rec.Code != http.StatusUnprocessableEntity {
			return
		}
		if len(p.Errors) == 0 {
			t.Fatalf("a 422 lists no failed input: %s", rec.Body)
		}
		for _, e := range p.Errors {
			if !fuzzLocations[e.Location] || e.Message == "" {
				t.Errorf("a 422 names %q (%q), not a declared input", e.Location, e.Message)
			}
		}
	})
}

// checkFuzzQuery checks that bound values meet their constraints.
func checkFuzzQuery(t *testing.T, q fuzzQuery) {
	t.Helper()
	ok := q.Limit >= 1 && q.Limit <= 100 && q.Ratio > 0 && q.Ratio < 1 &&
		(q.Sort == "id" || q.Sort == "text") && utf8.RuneCountInString(q.Q) <= 8 &&
		q.Level >= 1 && q.Level <= 3 && len(q.Tags) <= 3 && q.ID >= 1 &&
		(q.Token == nil || utf8.RuneCountInString(*q.Token) >= 4) && q.Sess != ""
	for _, s := range q.Tags {
		ok = ok && utf8.RuneCountInString(s) <= 3
	}
	for _, n := range q.Nums {
		ok = ok && n >= -1 && n <= 1
	}
	if !ok {
		t.Errorf("bound %+v, which breaks a constraint", q)
	}
}

func checkFuzzForm(t *testing.T, in fuzzForm) {
	t.Helper()
	if n := utf8.RuneCountInString(in.Name); n < 2 || n > 5 || in.Age < 0 || in.Age > 150 || len(in.Pets) > 2 {
		t.Errorf("bound %+v, which breaks a constraint", in)
	}
}

func checkFuzzNote(t *testing.T, n *fuzzNote) {
	t.Helper()
	if n == nil { // the JSON null
		return
	}
	l := utf8.RuneCountInString(n.Text)
	if l < 1 || l > 10 || len(n.Tags) > 2 || n.Rank != nil && (*n.Rank < 1 || *n.Rank > 5) ||
		n.Score <= 0 || n.Kind != "a" && n.Kind != "b" {
		t.Errorf("bound %+v, which breaks a constraint", *n)
	}
}
