package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADME runs the README's curl lines, in order, against a fresh demo
// and checks that they print what the README says, so the two cannot drift
// apart. Random values are compared by shape.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(readme), "```console\n")
	require.True(t, ok, "the README has no console block")
	block, _, _ = strings.Cut(block, "```")

	d := start(t, filepath.Join(t.TempDir(), "notes.db"))
	steps := parseConsole(block)
	require.NotEmpty(t, steps)
	for _, s := range steps {
		t.Run(s.cmd, func(t *testing.T) {
			got := d.curl(t, shellWords(s.cmd))
			want := s.output
			if strings.Contains(s.cmd, "/randoms") || strings.Contains(s.cmd, "/fresh") {
				got, want = randomShape(got), randomShape(want)
			}
			assert.Equal(t, want, got)
		})
	}
}

type consoleStep struct{ cmd, output string }

// parseConsole splits "$ command" lines from the output that follows each.
func parseConsole(block string) []consoleStep {
	var steps []consoleStep
	for _, line := range strings.SplitAfter(block, "\n") {
		if cmd, ok := strings.CutPrefix(line, "$ "); ok {
			cmd, _, _ = strings.Cut(cmd, " #")
			steps = append(steps, consoleStep{cmd: strings.TrimSpace(cmd)})
		} else if len(steps) > 0 {
			steps[len(steps)-1].output += line
		}
	}
	return steps
}

// shellWords splits a command line on spaces, keeping single-quoted words
// whole, which is all the README uses.
func shellWords(cmd string) []string {
	var words []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range cmd {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
			}
			inWord = false
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// curl does what the README's curl line does, against the test server:
// -s, -H, -d (a POST, sent as curl sends it: a form, unless -H sets the
// Content-Type) and -w '%{http_code}\n'.
func (d *demo) curl(t *testing.T, args []string) string {
	require.Equal(t, "curl", args[0])
	method, body, url, writeCode := "GET", "", "", false
	var header []string
	for i := 1; i < len(args); i++ {
		switch args[i] {
		case "-s":
		case "-H":
			i++
			k, v, _ := strings.Cut(args[i], ": ")
			header = append(header, k, v)
		case "-d":
			i++
			method, body = "POST", args[i]
			header = append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...) // -H wins
		case "-w":
			i++
			require.Equal(t, `%{http_code}\n`, args[i], "only this -w format is supported")
			writeCode = true
		default:
			path, ok := strings.CutPrefix(args[i], "localhost:8080")
			require.True(t, ok, "unknown curl argument %q", args[i])
			url = path
		}
	}
	req, err := http.NewRequest(method, d.url+url, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := string(b)
	if writeCode {
		out += fmt.Sprintf("%d\n", res.StatusCode)
	}
	return out
}

var (
	numbers = regexp.MustCompile(`"(a|b)":\d+`)
	nonces  = regexp.MustCompile(`"[A-Z2-7]{8}"`)
)

func randomShape(s string) string {
	return nonces.ReplaceAllString(numbers.ReplaceAllString(s, `"$1":N`), `"NONCE"`)
}

// TestREADMEOpenAPIClaim checks what the README says of the demo's
// document: /me requires the bearer token and may answer 401, and GET
// /notes lists limit and offset; and that no other route requires the
// token, since none reaches the auth provider.
func TestREADMEOpenAPIClaim(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	require.Contains(t, strings.Join(strings.Fields(string(readme)), " "),
		"in which `/me` requires the bearer token and may answer 401 because the auth provider it reaches says so, and `GET /notes` lists `limit` and `offset`")

	d := start(t, filepath.Join(t.TempDir(), "notes.db"))
	status, body, _ := d.do("GET", "/openapi.json", "")
	require.Equal(t, http.StatusOK, status)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name string } `json:"parameters"`
			Responses  map[string]any          `json:"responses"`
			Security   []map[string][]string   `json:"security"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	assert.Equal(t, []map[string][]string{{"bearer": {}}}, doc.Paths["/me"]["get"].Security)
	assert.Contains(t, doc.Paths["/me"]["get"].Responses, "401")
	var params []string
	for _, p := range doc.Paths["/notes"]["get"].Parameters {
		params = append(params, p.Name)
	}
	assert.Equal(t, []string{"limit", "offset"}, params)
	for path, item := range doc.Paths {
		for method, op := range item {
			if path != "/me" {
				assert.Empty(t, op.Security, "%s %s reaches no auth provider", method, path)
			}
		}
	}
}
