package depend

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type reqUser struct{}
type plainConfig struct{}

// A request derives a new *http.Request and tracks the writer only when its
// graph reaches them.
func TestHandlerDerivesOnlyWhatItsGraphUses(t *testing.T) {
	c := New()
	require.NoError(t, c.Provide(func(r *http.Request) reqUser { return reqUser{} }))
	require.NoError(t, c.Provide(func() plainConfig { return plainConfig{} }))
	tests := []struct {
		name       string
		fn         any
		req, write bool
	}{
		{"nothing", func(plainConfig) {}, false, false},
		{"request through a provider", func(reqUser) {}, true, false},
		{"writer", func(http.ResponseWriter, plainConfig) {}, false, true},
		{"scope reaches everything", func(*Scope) {}, true, true},
		{"fast path", func(http.ResponseWriter, *http.Request) {}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := c.Group().compile(tt.fn)
			require.NoError(t, err)
			assert.Equal(t, tt.req, h.needReq, "needReq")
			assert.Equal(t, tt.write, h.needW, "needW")

			r := httptest.NewRequest("GET", "/", nil)
			w := httptest.NewRecorder()
			var x exchange
			h.begin(&x, w, r)
			defer x.end()
			assert.Equal(t, tt.req, x.r != r, "derived a request")
			assert.Equal(t, tt.write, x.tw != nil, "tracked the writer")
			s, ok := ScopeFrom(x.ctx)
			assert.True(t, ok)
			assert.Same(t, x.s, s)
		})
	}
}
