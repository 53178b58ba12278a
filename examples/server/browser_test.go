package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBrowserReadsServerTiming loads GET /timing in headless Chromium and
// checks what the page's script read from
// performance.getEntriesByType('navigation')[0].serverTiming: the demo's
// provider calls, as a user sees them in the developer tools. The page is
// served from 127.0.0.1, a secure context, so the browser exposes the
// entries. The test installs Chromium with apt-get when it is missing, and
// skips only if it cannot.
func TestBrowserReadsServerTiming(t *testing.T) {
	bin := chromium(t)
	srv := startTimed(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", srv.URL+"/timing")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium failed: %s", tail(stderr.Bytes()))

	m := regexp.MustCompile(`(?s)SERVER-TIMING (.*?)</pre>`).FindSubmatch(stdout.Bytes())
	require.NotNil(t, m, "the page did not report its entries; DOM:\n%s", stdout.String())
	var entries []struct {
		Name        string  `json:"name"`
		Duration    float64 `json:"duration"`
		Description string  `json:"description"`
	}
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &entries), string(m[1]))

	t.Logf("the page read %d Server-Timing entries: %+v", len(entries), entries)
	got := map[string]string{}
	for _, e := range entries {
		assert.GreaterOrEqual(t, e.Duration, 0.0, e.Name)
		got[e.Name] = e.Description
	}
	// No Singleton: NewApp built *slog.Logger and *sql.DB at startup, so
	// even the first request only finds them.
	assert.Equal(t, map[string]string{
		"*main.Trace":    "*main.Trace scoped",
		"main.AccessLog": "main.AccessLog scoped",
		"*sql.Tx":        "*sql.Tx scoped",
		"*main.Config":   "*main.Config scoped",
		"main.Nonce":     "main.Nonce scoped",
	}, got)
}

// chromium returns the path of a Chromium binary, installing the Debian
// package when none is found. It skips the test only where that cannot be
// done.
func chromium(t *testing.T) string {
	t.Helper()
	if bin := findChromium(); bin != "" {
		return bin
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("Chromium is not installed and there is no apt-get to install it: install Chromium to run this test")
	}
	if os.Geteuid() != 0 {
		t.Skip("Chromium is not installed and installing it needs root: run `apt-get install -y chromium` as root to run this test")
	}
	t.Log("Chromium is missing: installing it with apt-get (a few minutes)")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c",
		"apt-get update && apt-get install -y -o DPkg::Lock::Timeout=300 --no-install-recommends chromium")
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("Chromium is not installed and `apt-get install chromium` failed (%v), so the browser test cannot run:\n%s", err, tail(out))
	}
	bin := findChromium()
	if bin == "" {
		t.Skip("apt-get installed chromium but no chromium binary is on PATH")
	}
	return bin
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if bin, err := exec.LookPath(name); err == nil {
			return bin
		}
	}
	return ""
}

// tail returns the end of a command's output, enough to see why it failed.
func tail(b []byte) string {
	const n = 2000
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
