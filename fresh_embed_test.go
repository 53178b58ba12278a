package depend_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// embedsFresh has Fresh's methods by embedding, but is a type of its own.
type embedsFresh struct {
	depend.Fresh[*Tx]
	n int
}

// embedsFreshPointer has Fresh's methods through a pointer, nil in its zero
// value.
type embedsFreshPointer struct{ *depend.Fresh[*Tx] }

// TestStructEmbeddingFreshIsItsOwnType checks that a struct that embeds a
// Fresh is provided and resolved like any type, not taken for a Fresh
// parameter (which made reflect.Value.Call panic in Invoke).
func TestStructEmbeddingFreshIsItsOwnType(t *testing.T) {
	t.Run("provided", func(t *testing.T) {
		c := depend.New()
		provide(t, c, func() *Tx { return &Tx{} })
		require.NoError(t, c.Provide(func() embedsFresh { return embedsFresh{n: 7} }))
		s := scope(t, c)
		v, err := depend.Resolve[embedsFresh](s)
		require.NoError(t, err)
		assert.Equal(t, 7, v.n)
		var got embedsFresh
		require.NoError(t, s.Invoke(func(e embedsFresh) { got = e }))
		assert.Equal(t, 7, got.n)
	})
	t.Run("missing", func(t *testing.T) {
		c := depend.New()
		provide(t, c, func() *Tx { return &Tx{} })
		s := scope(t, c)
		_, err := depend.Resolve[embedsFresh](s)
		require.ErrorIs(t, err, depend.ErrNotProvided)
		require.ErrorIs(t, s.Invoke(func(embedsFresh) {}), depend.ErrNotProvided)
		require.ErrorIs(t, s.Invoke(func(embedsFreshPointer) {}), depend.ErrNotProvided)
	})
}
