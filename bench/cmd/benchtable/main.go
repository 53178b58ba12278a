// Command benchtable prints the medians of raw `go test -bench` output as
// the Markdown tables of docs/performance.md: ns/op, B/op, allocs/op and
// the ratio to the hand-written sibling (the sub-benchmark named
// "handwritten" under the same parent), one table per top-level benchmark.
// It uses only the standard library; benchstat computes the same medians
// with confidence intervals.
//
//	go run ./cmd/benchtable results/bench.txt
package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// benchLine matches a result line and captures the name (without -GOMAXPROCS)
// and the "value unit" pairs.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

type row struct {
	name    string
	metrics map[string][]float64 // unit -> samples
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: benchtable FILE")
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	rows := map[string]*row{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		r := rows[m[1]]
		if r == nil {
			r = &row{name: m[1], metrics: map[string][]float64{}}
			rows[m[1]] = r
			order = append(order, m[1])
		}
		fields := strings.Fields(m[2])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err == nil {
				r.metrics[fields[i+1]] = append(r.metrics[fields[i+1]], v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	top := ""
	for _, name := range order {
		r := rows[name]
		if t := strings.SplitN(name, "/", 2)[0]; t != top {
			top = t
			fmt.Printf("\n%s\n\n| case | ns/op | B/op | allocs/op | × hand-written | n |\n|---|---:|---:|---:|---:|---:|\n", t)
		}
		ns := med(r.metrics["ns/op"])
		ratio := "–"
		if base := rows[path.Join(path.Dir(name), "handwritten")]; base != nil && base != r {
			ratio = fmt.Sprintf("%.2f", ns/med(base.metrics["ns/op"]))
		} else if base == r {
			ratio = "1.00"
		}
		extra := ""
		if rps := r.metrics["req/s"]; rps != nil {
			extra = fmt.Sprintf(" (%.0f req/s)", med(rps))
		}
		fmt.Printf("| %s | %s%s | %s | %s | %s | %d |\n", strings.TrimPrefix(name, top+"/"), num(ns), extra,
			num(med(r.metrics["B/op"])), num(med(r.metrics["allocs/op"])), ratio, len(r.metrics["ns/op"]))
	}
}

// med is the median of xs, or 0 for none.
func med(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func num(x float64) string {
	if x >= 100 || x == float64(int64(x)) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}
