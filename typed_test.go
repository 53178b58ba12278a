package depend_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// tValue is a value type, so that its typed providers take the typed call,
// not the shape-erased one.
type tValue struct{}

// No typed provider starts after the Scope's context ended, whatever its
// arity: the promise every other call path keeps.
func TestTypedProvidersDoNotStartAfterTheContextEnded(t *testing.T) {
	tests := []struct {
		name    string
		provide func(c *depend.Container, calls *atomic.Int32) error
	}{
		{"Func0", func(c *depend.Container, calls *atomic.Int32) error {
			return c.Provide(depend.Func0(func() (tValue, error) { calls.Add(1); return tValue{}, nil }))
		}},
		{"Func1", func(c *depend.Container, calls *atomic.Int32) error {
			return c.Provide(depend.Func1(func(context.Context) (tValue, error) { calls.Add(1); return tValue{}, nil }))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := depend.New()
			var calls atomic.Int32
			require.NoError(t, tt.provide(c, &calls))
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			s := c.NewScope(ctx)
			defer s.Close()
			_, err := depend.Resolve[tValue](s)
			require.ErrorIs(t, err, context.Canceled)
			require.ErrorContains(t, err, "not started")
			require.Zero(t, calls.Load(), "the provider ran after the context ended")
		})
	}
}
