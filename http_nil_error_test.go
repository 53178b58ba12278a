package depend_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/godepend/depend"
)

// TestHandlerTypedNilHTTPError checks that a handler returning a nil
// *HTTPError as a non-nil error, Go's typed-nil mistake, is answered with a
// 500 instead of panicking in the error path.
func TestHandlerTypedNilHTTPError(t *testing.T) {
	c := depend.New()
	c.SetHTTPOptions(depend.HTTPOptions{ReportError: func(*http.Request, error) {}})
	h := c.Handler(func() error {
		var he *depend.HTTPError
		return he
	})
	var rec *httptest.ResponseRecorder
	assert.NotPanics(t, func() { rec = serve(h, "GET", "/") })
	if rec != nil {
		assert.Equal(t, http.StatusInternalServerError, rec.Result().StatusCode)
	}
}
