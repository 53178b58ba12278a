package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Load is a bounded load run against a server on the loopback interface:
// Conns clients send GET requests to URL, one after another on a kept-alive
// connection each, until Requests have been sent or Duration has passed,
// whichever comes first.
type Load struct {
	URL      string        // must be http://127.0.0.1:PORT/...
	Conns    int           // concurrent clients
	Requests int64         // upper bound on requests sent
	Duration time.Duration // upper bound on the run's length
}

// LoadResult is what a Load run measured.
type LoadResult struct {
	OK      int64         // requests answered 200
	Failed  int64         // transport errors and other statuses
	Elapsed time.Duration // from the first request to the last answer
}

// RPS is the rate of successful requests.
func (r LoadResult) RPS() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

// errNotLoopback refuses any target but 127.0.0.1: load is only ever sent
// to a server of this process.
var errNotLoopback = errors.New("bench: load targets 127.0.0.1 only")

// Run sends the load and waits for every client. It is safe for concurrent
// use, though concurrent runs measure each other.
func (l Load) Run(ctx context.Context) (LoadResult, error) {
	u, err := url.Parse(l.URL)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
		return LoadResult{}, fmt.Errorf("%w: got %q", errNotLoopback, l.URL)
	}
	if l.Conns < 1 || l.Requests < 1 || l.Duration <= 0 {
		return LoadResult{}, fmt.Errorf("bench: a Load needs Conns, Requests and Duration > 0, got %+v", l)
	}
	ctx, cancel := context.WithTimeout(ctx, l.Duration)
	defer cancel()
	tr := &http.Transport{MaxIdleConns: l.Conns, MaxIdleConnsPerHost: l.Conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var res LoadResult
	var sent atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range l.Conns {
		wg.Go(func() {
			for sent.Add(1) <= l.Requests && ctx.Err() == nil {
				if get(ctx, client, l.URL) {
					atomic.AddInt64(&res.OK, 1)
				} else if ctx.Err() == nil {
					atomic.AddInt64(&res.Failed, 1)
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res, nil
}

// get sends one request and drains the answer so the connection is reused.
func get(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err == nil && resp.StatusCode == http.StatusOK
}
