// Command benchchart draws the per-request cost of each BenchmarkRequest
// contender as an SVG bar chart, on a log scale since the contenders span
// three orders of magnitude. It reads raw `go test -bench` output (any
// -count) and plots the median ns/op of each sub-benchmark, so it needs
// nothing but the standard library.
//
//	go run ./cmd/benchchart -in results/request.txt -out ../docs/performance.svg
package main

import (
	"bufio"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	in := flag.String("in", "results/request.txt", "go test -bench output to read")
	out := flag.String("out", "../docs/performance.svg", "SVG file to write")
	prefix := flag.String("bench", "BenchmarkRequest/", "plot the sub-benchmarks of this benchmark")
	base := flag.String("base", "handwritten", "the contender the ratios are relative to")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	bars, err := medians(f, *prefix)
	if err != nil {
		log.Fatal(err)
	}
	if len(bars) == 0 {
		log.Fatalf("no %s results in %s", *prefix, *in)
	}
	if err := os.WriteFile(*out, []byte(chart(bars, *base)), 0o644); err != nil {
		log.Fatal(err)
	}
}

// bar is one contender's median cost per request.
type bar struct {
	name string
	ns   float64
}

// benchLine matches "BenchmarkRequest/dig-2   10000   131711 ns/op ...".
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)

// medians returns the median ns/op of every benchmark named prefix+name, in
// the order the names first appear.
func medians(r io.Reader, prefix string) ([]bar, error) {
	samples := map[string][]float64{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil || !strings.HasPrefix(m[1], prefix) {
			continue
		}
		ns, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(m[1], prefix)
		if samples[name] == nil {
			order = append(order, name)
		}
		samples[name] = append(samples[name], ns)
	}
	bars := make([]bar, len(order))
	for i, name := range order {
		bars[i] = bar{name, median(samples[name])}
	}
	return bars, sc.Err()
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

const (
	width   = 760
	left    = 130 // room for the names
	right   = 150 // room for the values
	rowH    = 34
	top     = 50
	bottom  = 40
	barH    = 20
	minDecs = 1.0
)

// chart renders bars as a horizontal log-scale bar chart.
func chart(bars []bar, base string) string {
	baseNS := 0.0
	for _, b := range bars {
		if b.name == base {
			baseNS = b.ns
		}
	}
	lo := math.Pow(10, math.Floor(math.Log10(minOf(bars))))
	hi := math.Pow(10, math.Ceil(math.Log10(maxOf(bars))))
	if math.Log10(hi/lo) < minDecs {
		hi = lo * 10
	}
	plotW := float64(width - left - right)
	x := func(ns float64) float64 { return left + plotW*math.Log10(ns/lo)/math.Log10(hi/lo) }
	height := top + rowH*len(bars) + bottom
	var sb strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&sb, format, a...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n", width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p(`<text x="%d" y="24" font-size="15" font-weight="bold">Cost of one request of the reference graph (median ns/op, log scale)</text>`+"\n", 10)
	for d := lo; d <= hi*1.0001; d *= 10 {
		gx := x(d)
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", gx, top-6, gx, height-bottom+4)
		p(`<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", gx, height-bottom+20, duration(d))
	}
	for i, b := range bars {
		y := top + i*rowH
		color := "#4878a8"
		if b.name == base {
			color = "#6a9f58"
		}
		p(`<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+barH-5, html.EscapeString(b.name))
		p(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y, math.Max(x(b.ns)-left, 1), barH, color)
		label := duration(b.ns)
		if baseNS > 0 {
			label += "  (" + ratio(b.ns/baseNS) + ")"
		}
		p(`<text x="%.1f" y="%d">%s</text>`+"\n", x(b.ns)+6, y+barH-5, label)
	}
	p("</svg>\n")
	return sb.String()
}

func minOf(bars []bar) float64 {
	m := math.Inf(1)
	for _, b := range bars {
		m = math.Min(m, b.ns)
	}
	return m
}

func maxOf(bars []bar) float64 {
	m := 0.0
	for _, b := range bars {
		m = math.Max(m, b.ns)
	}
	return m
}

// ratio formats a ratio with the digits that mean something.
func ratio(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.1f×", r)
}

// duration formats nanoseconds for an axis or a label.
func duration(ns float64) string {
	switch {
	case ns >= 1e6:
		return strconv.FormatFloat(ns/1e6, 'g', 3, 64) + " ms"
	case ns >= 1e3:
		return strconv.FormatFloat(ns/1e3, 'g', 3, 64) + " µs"
	}
	return strconv.FormatFloat(ns, 'g', 3, 64) + " ns"
}
