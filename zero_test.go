package depend_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// TestZeroContainer checks that a Container declared as a variable, not made
// by New, works instead of panicking on a nil map at the first Provide.
func TestZeroContainer(t *testing.T) {
	var c depend.Container
	require.NoError(t, c.Provide(func() *Tx { return &Tx{} }))
	require.NoError(t, c.Validate())
	s := c.NewScope(t.Context())
	defer s.Close()
	tx, err := depend.Resolve[*Tx](s)
	require.NoError(t, err)
	assert.NotNil(t, tx)
}
