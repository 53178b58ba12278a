package depend_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// TestNilScope checks that a nil *Scope, such as the one ScopeFrom returns
// outside Middleware when its ok is ignored (as in the guide's logging
// middleware), gives errors instead of crashing.
func TestNilScope(t *testing.T) {
	s, ok := depend.ScopeFrom(context.Background())
	require.False(t, ok)
	_, err := depend.Resolve[*Tx](s)
	require.ErrorIs(t, err, depend.ErrScopeClosed)
	assert.Contains(t, err.Error(), "nil *Scope")
	err = s.Invoke(func(*Tx) {})
	require.ErrorIs(t, err, depend.ErrScopeClosed)
	assert.Contains(t, err.Error(), "nil *Scope")
	assert.NoError(t, s.Close(), "there is nothing to close")
	assert.NoError(t, s.CloseWithError(context.Canceled))
}
