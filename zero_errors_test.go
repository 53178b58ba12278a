package depend_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/godepend/depend"
)

// TestZeroErrorsHaveMessages checks that the exported error types, made by
// hand with fields left out, describe themselves instead of panicking.
func TestZeroErrorsHaveMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&depend.BuildError{}, "build <nil>"},
		{&depend.GraphError{}, ""},
		{&depend.GraphError{Err: depend.ErrCycle}, "dependency cycle"},
		{&depend.PanicError{}, "panic: <nil>"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			var msg string
			assert.NotPanics(t, func() { msg = tc.err.Error() })
			assert.Equal(t, tc.want, msg)
		})
	}
}
