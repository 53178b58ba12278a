package depend_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

func TestErrorWrapsTheProvidersErrorAlongThePath(t *testing.T) {
	c := depend.New()
	provide(t, c, func() (*Tx, error) { return nil, &codeError{503} })
	provide(t, c, func(tx *Tx) *Repo { return &Repo{Tx: tx} })
	provide(t, c, func(r *Repo) *Service { return &Service{} })
	_, err := depend.Resolve[*Service](scope(t, c))
	require.Error(t, err)
	assert.Equal(t, "depend: build *depend_test.Service: build *depend_test.Repo: build *depend_test.Tx: code 503", err.Error())

	var ce *codeError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 503, ce.code)
	var be *depend.BuildError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, reflect.TypeFor[*Service](), be.Type, "the outermost step is the value asked for")
}

func TestPanicErrorUnwrapsAnErrorValue(t *testing.T) {
	errBoom := errors.New("boom")
	c := depend.New()
	provide(t, c, func() *Tx { panic(errBoom) })
	_, err := depend.Resolve[*Tx](scope(t, c))
	require.ErrorIs(t, err, errBoom)
	require.ErrorIs(t, err, depend.ErrPanic)
}

// TestZeroErrorsHaveMessages checks that the exported error types, made by
// hand with fields left out, describe themselves instead of panicking.
func TestHandMadeErrorsDescribeThemselves(t *testing.T) {
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
