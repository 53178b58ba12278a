package depend_test

import (
	"context"
	"testing"

	"github.com/godepend/depend"
	"github.com/stretchr/testify/require"
)

type panicNilDep struct{}

// TestLeanPanicNilIsNotASuccess: under GODEBUG=panicnil=1 (allowed by the
// go.mod of an application that needs the old behaviour), panic(nil) is
// recovered as a nil value, like runtime.Goexit. Scope.build then fails the
// build ("provider called runtime.Goexit"); the lean path failed the slot
// too but returned no error from Resolve, so the caller got a nil value and
// a nil error.
func TestLeanPanicNilIsNotASuccess(t *testing.T) {
	t.Setenv("GODEBUG", "panicnil=1")
	c := depend.New()
	require.NoError(t, c.Provide(func() *panicNilDep { panic(nil) }))
	s := c.NewScope(context.Background())
	defer s.Close()
	v, err := depend.Resolve[*panicNilDep](s)
	require.Error(t, err, "got %v", v)
	_, err2 := depend.Resolve[*panicNilDep](s)
	require.Error(t, err2, "the slot is failed")
	require.Equal(t, err.Error(), err2.Error())
	require.Error(t, s.Invoke(func(*panicNilDep) {}))
}
