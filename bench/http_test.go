package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func httpContenders() []struct {
	name string
	h    http.Handler
} {
	return []struct {
		name string
		h    http.Handler
	}{
		{"handwritten", NewHandHTTP()},
		{"depend", NewDependHTTP()},
	}
}

// TestHTTPContenders checks that both HTTP contenders answer "ok", in
// process and under a short, bounded loopback load.
func TestHTTPContenders(t *testing.T) {
	for _, c := range httpContenders() {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			if w.Code != http.StatusOK || w.Body.String() != "ok\n" {
				t.Fatalf("got %d %q, want 200 \"ok\\n\"", w.Code, w.Body.String())
			}
			srv := httptest.NewServer(c.h)
			defer srv.Close()
			res, err := Load{URL: srv.URL + "/", Conns: 2, Requests: 50, Duration: 10 * time.Second}.Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if res.OK != 50 || res.Failed != 0 {
				t.Fatalf("loopback load: %d ok, %d failed, want 50 ok", res.OK, res.Failed)
			}
		})
	}
}

// TestLoadRefusesOtherHosts checks that the load generator only ever
// targets 127.0.0.1.
func TestLoadRefusesOtherHosts(t *testing.T) {
	for _, u := range []string{"http://localhost:1/", "http://10.0.0.1/", "https://127.0.0.1/", "http://[::1]:80/"} {
		if _, err := (Load{URL: u, Conns: 1, Requests: 1, Duration: time.Second}).Run(t.Context()); err == nil {
			t.Errorf("Load to %s: got nil error", u)
		}
	}
}

// BenchmarkHTTP serves the reference request through net/http: in process
// with httptest (one op is one ServeHTTP), and over loopback TCP under load
// from Load, where ns/op is the inverse of the throughput and req/s is
// reported too. The loopback run sends exactly b.N requests from 4
// clients, so it uses b.N rather than b.Loop, and stops after 30 s
// whatever b.N is.
func BenchmarkHTTP(b *testing.B) {
	b.Run("httptest", func(b *testing.B) {
		for _, c := range httpContenders() {
			b.Run(c.name, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					c.h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("status %d", w.Code)
					}
				}
			})
		}
	})
	b.Run("loopback", func(b *testing.B) {
		for _, c := range httpContenders() {
			b.Run(c.name, func(b *testing.B) {
				srv := httptest.NewServer(c.h)
				defer srv.Close()
				b.ResetTimer()
				res, err := Load{URL: srv.URL + "/", Conns: 4, Requests: int64(b.N), Duration: 30 * time.Second}.Run(b.Context())
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if res.Failed != 0 {
					b.Fatalf("%d requests failed", res.Failed)
				}
				b.ReportMetric(res.RPS(), "req/s")
			})
		}
	})
}
