package depend_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// ctxImpl is a context.Context of a provider's own, which As could
// register under an interface the Scope supplies.
type ctxImpl struct{ context.Context }

// writerImpl is an http.ResponseWriter of a provider's own.
type writerImpl struct{ http.ResponseWriter }

// TestProvideRejectsAsBuiltin checks that As cannot bind a type the Scope
// supplies itself: parameters would get the Scope's value and Resolve the
// provider's, two answers for one type.
func TestProvideRejectsAsBuiltin(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   any
		opt  depend.Option
		want string
	}{
		{"context", func() *ctxImpl { return &ctxImpl{context.Background()} }, depend.As[context.Context](), "context.Context is supplied by the Scope"},
		{"writer", func() *writerImpl { return &writerImpl{} }, depend.As[http.ResponseWriter](), "http.ResponseWriter is supplied by the Scope"},
		{"error", func() *depend.HTTPError { return &depend.HTTPError{} }, depend.As[error](), "cannot provide error itself"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := depend.New().Provide(tc.fn, tc.opt)
			require.ErrorIs(t, err, depend.ErrBadProvider)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
