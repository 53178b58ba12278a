// The test of docs/guide.md's "A full handler test", shown whole.

// snippet guide-users-test
package users

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/godepend/depend/dependtest"
)

// app is built once; every test forks it.
var app = NewContainer()

type fakeStore map[string]*User

func (f fakeStore) User(_ context.Context, id string) (*User, error) { return f[id], nil }

// TestWiring fails CI, not the first request, on a wiring mistake.
func TestWiring(t *testing.T) {
	if err := app.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestGetUser(t *testing.T) {
	tests := []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{"/users/1", http.StatusOK, `{"id":"1","name":"Ada"}`},
		{"/users/2", http.StatusNotFound, `{"type":"about:blank","title":"Not Found","status":404,"detail":"no such user"}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			c := dependtest.Container(t, app, func() Store {
				return fakeStore{"1": {ID: "1", Name: "Ada"}}
			})
			rec := httptest.NewRecorder()
			Routes(c).ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))

			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := strings.TrimSpace(rec.Body.String()); got != tt.wantBody {
				t.Errorf("body %q, want %q", got, tt.wantBody)
			}
		})
	}
}

// end snippet
