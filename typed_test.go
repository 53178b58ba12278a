package depend_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
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

func TestTypedProviders(t *testing.T) {
	type (
		T0 struct{}
		T1 struct{ a *T0 }
		T2 struct{ b *T1 }
		T3 struct{ c *T2 }
		T4 struct{ d *T3 }
		T5 struct{ e *T4 }
		T6 struct{ f *T5 }
	)
	c := depend.New()
	provide(t, c, depend.Func0(func() (*T0, error) { return &T0{}, nil }))
	provide(t, c, depend.Func1(func(a *T0) (*T1, error) { return &T1{a}, nil }))
	provide(t, c, depend.Func2(func(a *T0, b *T1) (*T2, error) { return &T2{b}, nil }))
	provide(t, c, depend.Func3(func(a *T0, b *T1, c *T2) (*T3, error) { return &T3{c}, nil }))
	provide(t, c, depend.Func4(func(a *T0, b *T1, c *T2, d *T3) (*T4, error) { return &T4{d}, nil }))
	provide(t, c, depend.Func5(func(a *T0, b *T1, c *T2, d *T3, e *T4) (*T5, error) { return &T5{e}, nil }))
	provide(t, c, depend.Func6(func(a *T0, b *T1, c *T2, d *T3, e *T4, f *T5) (*T6, error) { return &T6{f}, nil }))
	require.NoError(t, c.Validate())
	s := scope(t, c)
	t6, err := depend.Resolve[*T6](s)
	require.NoError(t, err)
	t0, err := depend.Resolve[*T0](s)
	require.NoError(t, err)
	assert.Same(t, t0, t6.f.e.d.c.b.a)
}

func TestTypedProviderErrorsAndFresh(t *testing.T) {
	errDown := errors.New("down")
	var calls atomic.Int32
	c := depend.New()
	provide(t, c, depend.Func0(func() (*Tx, error) { calls.Add(1); return &Tx{}, nil }))
	provide(t, c, depend.Func2(func(tx *Tx, f depend.Fresh[*Tx]) (*Repo, error) {
		if tx == f.Value {
			return nil, errors.New("fresh value came from the cache")
		}
		return &Repo{Tx: tx}, nil
	}))
	provide(t, c, depend.Func1(func(*Repo) (*User, error) { return nil, errDown }))
	provide(t, c, depend.Func1(func(*User) (*Audit, error) { return &Audit{}, nil }))
	provide(t, c, depend.Func1(func(g Greeter) (*Service, error) { return &Service{}, nil }))
	s := scope(t, c)
	_, err := depend.Resolve[*Audit](s)
	require.ErrorIs(t, err, errDown)
	assert.Equal(t, "depend: build *depend_test.Audit: build *depend_test.User: down", err.Error())
	assert.Equal(t, int32(2), calls.Load())
	_, err = depend.Resolve[*Service](s)
	require.ErrorIs(t, err, depend.ErrNotProvided)
}
