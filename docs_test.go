package depend_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every ```go block of the docs is the text of a region of Go code that the
// tests compile, and most of them run, so the docs cannot show code that no
// longer compiles or does something else than they say.
//
// The convention: in markdown, the line just before the ```go fence is
//
//	<!-- snippet NAME -->
//
// and a Go file holds the same lines between two comment lines
//
//	// snippet NAME
//	// end snippet
//
// indented as the code around them needs: the region's common leading tabs
// are removed before comparing, and so are its empty last lines. NAME is
// lowercase words joined by "-". Two docs that show the same code (the
// guide and fastapi.md, the README and the guide) show one region.

// snippetDocs are the documents whose ```go blocks must be tested code.
var snippetDocs = []string{"README.md", "docs/guide.md", "docs/fastapi.md"}

// snippetSources returns the Go files that may define snippets. Root test
// files, dependtest, the tests of openapi and of the dependgrpc and
// dependriver modules, and the examples module cover
// everything the docs show; the library's own source is deliberately not
// scanned, so that docs never pin its implementation.
func snippetSources() ([]string, error) {
	var files []string
	for _, pattern := range []string{"*_test.go", "dependtest/*.go", "openapi/*_test.go", "dependgrpc/*_test.go", "dependriver/*_test.go"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	err := filepath.WalkDir("examples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return err
	})
	sort.Strings(files)
	return files, err
}

var (
	docMarker   = regexp.MustCompile(`^<!-- snippet ([a-z0-9]+(?:-[a-z0-9]+)*) -->$`)
	regionStart = regexp.MustCompile(`^// snippet ([a-z0-9]+(?:-[a-z0-9]+)*)$`)
)

const regionEnd = "// end snippet"

// snippet is a piece of code found in a document or in a Go file. line is
// where its first line of code is, to point at a differing line.
type snippet struct {
	name  string
	file  string
	line  int // the 1-based line of the marker
	lines []string
}

func (s snippet) pos() string { return fmt.Sprintf("%s:%d", s.file, s.line) }

// parseDoc returns the document's marked ```go blocks. A ```go block
// without a marker is a problem: it would be untested code.
func parseDoc(file, text string) (blocks []snippet, problems []string) {
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		if m := docMarker.FindStringSubmatch(strings.TrimSpace(lines[i])); m != nil {
			if _, lang, _ := openingFence(lineAfter(lines, i)); lang != "go" {
				problems = append(problems, fmt.Sprintf("%s:%d: snippet %s: the marker is not followed by a ```go fence", file, i+1, m[1]))
			}
		}
		indent, lang, ok := openingFence(lines[i])
		if !ok {
			continue
		}
		start := i
		var body []string
		for i++; i < len(lines) && !isClosingFence(lines[i]); i++ {
			// The block's text starts at the fence's indentation, as in
			// a list item; that much indentation is not part of the code.
			body = append(body, trimIndent(lines[i], indent))
		}
		if lang != "go" {
			continue
		}
		var marker []string
		if start > 0 {
			marker = docMarker.FindStringSubmatch(strings.TrimSpace(lines[start-1]))
		}
		if marker == nil {
			problems = append(problems, fmt.Sprintf("%s:%d: a ```go block without a <!-- snippet NAME --> line before it; test its code and mark it, or use another fence language if it is not Go code", file, start+1))
			continue
		}
		blocks = append(blocks, snippet{name: marker[1], file: file, line: start, lines: body})
	}
	return blocks, problems
}

// openingFence reports whether line opens a fenced code block, with the
// fence's indentation and language.
func openingFence(line string) (indent int, lang string, ok bool) {
	trimmed := strings.TrimLeft(line, " ")
	if !strings.HasPrefix(trimmed, "```") {
		return 0, "", false
	}
	return len(line) - len(trimmed), strings.TrimSpace(strings.TrimLeft(trimmed, "`")), true
}

func lineAfter(lines []string, i int) string {
	if i+1 < len(lines) {
		return lines[i+1]
	}
	return ""
}

func isClosingFence(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "```") && strings.Trim(t, "`") == ""
}

func trimIndent(line string, n int) string {
	for ; n > 0 && strings.HasPrefix(line, " "); n-- {
		line = line[1:]
	}
	return line
}

// parseRegions returns the snippet regions of one Go file, dedented.
func parseRegions(file, text string) (regions []snippet, problems []string) {
	var open *snippet
	for i, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if m := regionStart.FindStringSubmatch(t); m != nil {
			if open != nil {
				problems = append(problems, fmt.Sprintf("%s:%d: snippet %s starts inside snippet %s, which has no %q yet", file, i+1, m[1], open.name, regionEnd))
			}
			open = &snippet{name: m[1], file: file, line: i + 1}
			continue
		}
		if t == regionEnd {
			if open == nil {
				problems = append(problems, fmt.Sprintf("%s:%d: %q without a // snippet NAME before it", file, i+1, regionEnd))
				continue
			}
			open.lines = dedent(trimTrailingEmpty(open.lines))
			regions = append(regions, *open)
			open = nil
			continue
		}
		if open != nil {
			open.lines = append(open.lines, line)
		}
	}
	if open != nil {
		problems = append(problems, fmt.Sprintf("%s: snippet %s has no %q", open.pos(), open.name, regionEnd))
	}
	return regions, problems
}

// trimTrailingEmpty drops the empty lines at the end of a region: gofmt
// puts one between a top-level declaration and the "// end snippet" after
// it, and a markdown block does not end with one.
func trimTrailingEmpty(lines []string) []string {
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// dedent removes the leading tabs that all non-empty lines share: a region
// inside a function is indented, its markdown block is not.
func dedent(lines []string) []string {
	common := -1
	for _, l := range lines {
		if l == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if common < 0 || n < common {
			common = n
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if l != "" {
			l = l[common:]
		}
		out[i] = l
	}
	return out
}

// checkSnippets compares the docs' blocks with the Go regions, and reports
// what would let them drift: a block without code, code in two places,
// differing text, and regions no doc shows (dead code that looks tested).
// A region may be shown by several blocks; each must match it.
func checkSnippets(blocks, regions []snippet) []string {
	var problems []string
	byName := map[string]snippet{}
	for _, r := range regions {
		if first, dup := byName[r.name]; dup {
			problems = append(problems, fmt.Sprintf("%s: snippet %s is also defined at %s; define each once", r.pos(), r.name, first.pos()))
			continue
		}
		byName[r.name] = r
	}
	used := map[string]bool{}
	for _, b := range blocks {
		used[b.name] = true
		r, ok := byName[b.name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: snippet %s: no Go file defines it; put its code between \"// snippet %s\" and %q in a test", b.pos(), b.name, b.name, regionEnd))
			continue
		}
		if d := firstDifference(b, r); d != "" {
			problems = append(problems, d)
		}
	}
	for _, r := range regions {
		if _, ok := used[r.name]; !ok {
			problems = append(problems, fmt.Sprintf("%s: snippet %s is shown by no doc; remove its markers or show it with <!-- snippet %s -->", r.pos(), r.name, r.name))
		}
	}
	return problems
}

// firstDifference describes the first line where the doc's block and the
// Go region differ, with both positions, or returns "".
func firstDifference(doc, code snippet) string {
	for i := 0; i < len(doc.lines) || i < len(code.lines); i++ {
		d, c := lineAt(doc.lines, i), lineAt(code.lines, i)
		if d != c {
			return fmt.Sprintf("%s:%d: snippet %s differs from %s:%d:\n\tdoc: %s\n\tgo:  %s",
				doc.file, doc.line+2+i, doc.name, code.file, code.line+1+i, d, c)
		}
	}
	return ""
}

// lineAt quotes line i, so that whitespace differences are visible.
func lineAt(lines []string, i int) string {
	if i >= len(lines) {
		return "(end of snippet)"
	}
	return fmt.Sprintf("%q", lines[i])
}

func TestDocSnippets(t *testing.T) {
	var blocks, regions []snippet
	var problems []string
	for _, file := range snippetDocs {
		text, err := os.ReadFile(file)
		require.NoError(t, err)
		b, p := parseDoc(file, string(text))
		blocks, problems = append(blocks, b...), append(problems, p...)
	}
	files, err := snippetSources()
	require.NoError(t, err)
	for _, file := range files {
		text, err := os.ReadFile(file)
		require.NoError(t, err)
		r, p := parseRegions(file, string(text))
		regions, problems = append(regions, r...), append(problems, p...)
	}
	require.NotEmpty(t, blocks, "no snippets found: is the working directory the repository root?")
	problems = append(problems, checkSnippets(blocks, regions)...)
	for _, p := range problems {
		t.Error(p)
	}
}

// The checker's own parsing, on inline inputs. The Go source is built from
// quoted lines so that this file's text holds no region of its own.
func TestDocSnippetsParser(t *testing.T) {
	doc := strings.Join([]string{
		"# title",
		"<!-- snippet demo -->",
		"```go",
		"x := 1",
		"if x > 0 {",
		"\tfmt.Println(x)",
		"}",
		"```",
		"- item:",
		"",
		"  ```text",
		"  not go",
		"  ```",
		"```go",
		"unmarked()",
		"```",
		"<!-- snippet orphan -->",
		"",
	}, "\n")
	src := strings.Join([]string{
		"func Example() {",
		"\t// snippet demo",
		"\tx := 1",
		"\tif x > 0 {",
		"\t\tfmt.Println(x)",
		"\t}",
		"\t// end snippet",
		"}",
		"",
		"// snippet top-level",
		"func f() {}",
		"",
		"// end snippet",
	}, "\n")

	blocks, problems := parseDoc("doc.md", doc)
	require.Len(t, blocks, 1)
	assert.Equal(t, snippet{name: "demo", file: "doc.md", line: 2, lines: []string{"x := 1", "if x > 0 {", "\tfmt.Println(x)", "}"}}, blocks[0])
	assert.Equal(t, []string{
		"doc.md:14: a ```go block without a <!-- snippet NAME --> line before it; test its code and mark it, or use another fence language if it is not Go code",
		"doc.md:17: snippet orphan: the marker is not followed by a ```go fence",
	}, problems)

	regions, problems := parseRegions("x_test.go", src)
	assert.Empty(t, problems)
	require.Len(t, regions, 2)
	assert.Equal(t, blocks[0].lines, regions[0].lines, "the region is dedented to the block's text")
	assert.Equal(t, []string{"func f() {}"}, regions[1].lines, "gofmt's empty line before the end marker is not part of the snippet")
	assert.Empty(t, checkSnippets(blocks, regions[:1]))

	tests := []struct {
		name    string
		blocks  []snippet
		regions []snippet
		want    []string
	}{
		{
			name:    "differing line",
			blocks:  []snippet{{name: "a", file: "d.md", line: 4, lines: []string{"x := 1", "y := 2"}}},
			regions: []snippet{{name: "a", file: "a.go", line: 10, lines: []string{"x := 1", "y := 3"}}},
			want:    []string{"d.md:7: snippet a differs from a.go:12:\n\tdoc: \"y := 2\"\n\tgo:  \"y := 3\""},
		},
		{
			name:    "shorter region",
			blocks:  []snippet{{name: "a", file: "d.md", line: 4, lines: []string{"x := 1", "y := 2"}}},
			regions: []snippet{{name: "a", file: "a.go", line: 10, lines: []string{"x := 1"}}},
			want:    []string{"d.md:7: snippet a differs from a.go:12:\n\tdoc: \"y := 2\"\n\tgo:  (end of snippet)"},
		},
		{
			name:   "undefined",
			blocks: []snippet{{name: "a", file: "d.md", line: 4}},
			want:   []string{"d.md:4: snippet a: no Go file defines it; put its code between \"// snippet a\" and \"// end snippet\" in a test"},
		},
		{
			name:    "defined twice and unused",
			regions: []snippet{{name: "a", file: "a.go", line: 1}, {name: "a", file: "b.go", line: 2}},
			want: []string{
				"b.go:2: snippet a is also defined at a.go:1; define each once",
				"a.go:1: snippet a is shown by no doc; remove its markers or show it with <!-- snippet a -->",
				"b.go:2: snippet a is shown by no doc; remove its markers or show it with <!-- snippet a -->",
			},
		},
		{
			name: "shown by two docs, one of them stale",
			blocks: []snippet{
				{name: "a", file: "d.md", line: 4, lines: []string{"x := 1"}},
				{name: "a", file: "e.md", line: 9, lines: []string{"x := 2"}},
			},
			regions: []snippet{{name: "a", file: "a.go", line: 1, lines: []string{"x := 1"}}},
			want:    []string{"e.md:11: snippet a differs from a.go:2:\n\tdoc: \"x := 2\"\n\tgo:  \"x := 1\""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, checkSnippets(tt.blocks, tt.regions))
		})
	}

	_, problems = parseRegions("y.go", "// snippet a\n// snippet b\n// end snippet\n// end snippet\n// snippet c")
	assert.Equal(t, []string{
		"y.go:2: snippet b starts inside snippet a, which has no \"// end snippet\" yet",
		"y.go:4: \"// end snippet\" without a // snippet NAME before it",
		"y.go:5: snippet c has no \"// end snippet\"",
	}, problems)
}

// The design page names the functions, types and fields that keep each
// promise; every such name must exist in the package, so that the page
// cannot drift from the code. A backquoted name is checked when it is an
// identifier (a declaration, field or method name of the package) or when
// it starts with one of the package's types (Type.Method, Type.field);
// other dotted names, such as reflect.Value.Call or runtime.Goexit, belong
// to other packages and are skipped.
func TestDesignNamesExist(t *testing.T) {
	decls, members := packageNames(t)
	text, err := os.ReadFile("docs/design.md")
	require.NoError(t, err)
	ident := regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$`)
	checked := 0
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(string(text), -1) {
		name := strings.TrimSuffix(m[1], "()")
		if !ident.MatchString(name) || strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".md") {
			continue // not a name, or a file
		}
		typ, member, dotted := strings.Cut(name, ".")
		switch {
		case !dotted:
			if !decls[name] && !members[name] {
				t.Errorf("docs/design.md names %s, which the package does not declare", name)
			}
		case decls[typ]:
			if !members[typ+"."+member] {
				t.Errorf("docs/design.md names %s, but %s has no method or field %s", name, typ, member)
			}
		default:
			continue // another package's name
		}
		checked++
	}
	require.Greater(t, checked, 50, "the design page names too few of the package's functions to be checked")
}

// packageNames parses the package's non-test files and returns its
// top-level names and its members: methods and struct fields, both bare
// and as Type.name.
func packageNames(t *testing.T) (decls, members map[string]bool) {
	t.Helper()
	decls, members = map[string]bool{}, map[string]bool{}
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					decls[d.Name.Name] = true
					continue
				}
				recv := receiverType(d.Recv.List[0].Type)
				members[d.Name.Name], members[recv+"."+d.Name.Name] = true, true
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						decls[s.Name.Name] = true
						addFields(members, s)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							decls[n.Name] = true
						}
					}
				}
			}
		}
	}
	return decls, members
}

func receiverType(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

func addFields(members map[string]bool, s *ast.TypeSpec) {
	var fields *ast.FieldList
	switch t := s.Type.(type) {
	case *ast.StructType:
		fields = t.Fields
	case *ast.InterfaceType:
		fields = t.Methods
	default:
		return
	}
	for _, f := range fields.List {
		for _, n := range f.Names {
			members[n.Name], members[s.Name.Name+"."+n.Name] = true, true
		}
		if len(f.Names) == 0 { // embedded: the field is named after its type
			if name := receiverType(f.Type); name != "" {
				members[name], members[s.Name.Name+"."+name] = true, true
			}
		}
	}
}
