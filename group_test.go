package depend_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

func TestGroupRequirements(t *testing.T) {
	c, _ := newHTTP(t)
	var order txLog
	require.NoError(t, c.Provide(authUser))
	require.NoError(t, c.Provide(func(u *httpUser) authenticated { order.add("authenticated"); return authenticated{} }))
	require.NoError(t, c.Provide(func(u *httpUser) (admin, error) {
		order.add("admin")
		if u.Name != "root" {
			return admin{}, &depend.HTTPError{Status: 403, Message: "admins only"}
		}
		return admin{}, nil
	}))
	api := c.Group(depend.Require[authenticated]())
	adminAPI := api.Group(depend.Require[admin]())
	var ran atomic.Int32
	mux := http.NewServeMux()
	mux.Handle("GET /me", api.Handler(func(u *httpUser) string { ran.Add(1); return u.Name }))
	mux.Handle("GET /admin", adminAPI.Handler(func() string { ran.Add(1); return "hello root" }))
	mux.Handle("GET /files/", adminAPI.Middleware(http.StripPrefix("/files/", http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) { ran.Add(1); io.WriteString(w, "file "+r.URL.Path) }))))

	tests := []struct {
		target, token string
		status        int
		body          string
		order         []string
	}{
		{"/me", "", 401, "missing bearer token\n", nil},
		{"/me", "ada", 200, "\"ada\"\n", []string{"authenticated"}},
		{"/admin", "ada", 403, "admins only\n", []string{"authenticated", "admin"}},
		{"/admin", "root", 200, "\"hello root\"\n", []string{"authenticated", "admin"}},
		{"/files/a.txt", "ada", 403, "admins only\n", []string{"authenticated", "admin"}},
		{"/files/a.txt", "root", 200, "file a.txt", []string{"authenticated", "admin"}},
	}
	wantRan := int32(0)
	for _, tt := range tests {
		t.Run(tt.target+" "+tt.token, func(t *testing.T) {
			order.ended = nil
			var header []string
			if tt.token != "" {
				header = []string{"Authorization", "Bearer " + tt.token}
			}
			rec := serve(mux, "GET", tt.target, header...)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.body, bodyText(rec))
			assert.Equal(t, tt.order, order.ended)
			if tt.status == 200 {
				wantRan++
			}
			assert.Equal(t, wantRan, ran.Load(), "a handler ran although a requirement failed")
		})
	}
}

func TestGroupChecksRequirementsAtWrapTime(t *testing.T) {
	c := depend.New()
	g := c.Group(depend.Require[admin]())
	err := wrapPanic(func() { g.Handler(func() {}) })
	assert.ErrorIs(t, err, depend.ErrNotProvided)
	assert.ErrorContains(t, err, "nothing provides depend_test.admin")
	err = wrapPanic(func() { g.Middleware(http.NotFoundHandler()) })
	assert.ErrorIs(t, err, depend.ErrNotProvided)
	err = wrapPanic(func() { c.Group(depend.Requirement{}).Handler(func() {}) })
	assert.ErrorIs(t, err, depend.ErrBadProvider)
	assert.ErrorContains(t, err, "Require[T]()")
	err = wrapPanic(func() { c.Middleware(nil) })
	assert.ErrorIs(t, err, depend.ErrBadProvider)
}

func ExampleGroup() {
	type loggedIn struct{}
	c := depend.New()
	c.Provide(func(r *http.Request) (loggedIn, error) {
		if r.Header.Get("Authorization") == "" {
			return loggedIn{}, &depend.HTTPError{Status: http.StatusUnauthorized}
		}
		return loggedIn{}, nil
	})
	private := c.Group(depend.Require[loggedIn]()) // FastAPI: dependencies=[Depends(logged_in)]
	h := private.Handler(func() string { return "secret" })

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output: 401 {"type":"about:blank","title":"Unauthorized","status":401}
}

func TestZeroGroupPanicsWithAClearError(t *testing.T) {
	var g depend.Group
	err := wrapPanic(func() { g.Handler(func() {}) })
	assert.ErrorIs(t, err, depend.ErrBadProvider)
	assert.ErrorContains(t, err, "Container.Group")
	err = wrapPanic(func() { g.Middleware(http.NotFoundHandler()) })
	assert.ErrorIs(t, err, depend.ErrBadProvider)
}
