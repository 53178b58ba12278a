package depend_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/godepend/depend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReplaceCannotBindAKindInput: a type that a Kind supplies cannot have a
// provider, so Provide refuses an As binding to it. Replace, in a Fork that
// now inherits the Kinds, must refuse it as well: otherwise Resolve of the
// input type builds the fake (Resolve looks providers up first) while every
// parameter of that type gets the Scope's input, and the fork's Validate
// says nothing.
func TestReplaceCannotBindAKindInput(t *testing.T) {
	app := depend.New()
	k := jobKind(t, app)
	require.NoError(t, app.Provide(func() *bytes.Buffer { return new(bytes.Buffer) }))
	other := depend.New()
	jobKind(t, other)
	require.ErrorIs(t, other.Provide(func() *bytes.Reader { return nil }, depend.As[io.Reader]()), depend.ErrBadProvider,
		"Provide refuses a binding to a Kind's input")

	f := app.Fork()
	err := f.Replace(func() *bytes.Buffer { return bytes.NewBufferString("fake") }, depend.As[io.Reader]())
	if err == nil {
		// Show the inconsistency the binding causes.
		var direct, param io.Reader
		require.NoError(t, k.In(f).Run(context.Background(), func(ctx context.Context) error {
			s, _ := depend.ScopeFrom(ctx)
			direct, _ = depend.Resolve[io.Reader](s)
			return s.Invoke(func(r io.Reader) { param = r })
		}, depend.With[io.Reader](bytes.NewBufferString("input"))))
		t.Fatalf("Replace bound a Kind's input type: Resolve[io.Reader] gives %v, a parameter gives %v", direct, param)
	}
	assert.ErrorIs(t, err, depend.ErrBadProvider)
	assert.Contains(t, err.Error(), "input")
}

// TestErrNotSuppliedDoesNotTakeNewScopeForHTTP: a Scope that NewScope opens
// on the context of another Scope (a job's, or a request's, to run
// background work with a cache of its own) is given no inputs; the error
// must say so, not that it is a Scope of kind http because its context is
// another Scope's.
func TestErrNotSuppliedDoesNotTakeNewScopeForHTTP(t *testing.T) {
	c := depend.New()
	require.NoError(t, c.Provide(func(j *Job) *jobTx { return &jobTx{job: j} }))
	k := jobKind(t, c)
	require.NoError(t, k.Run(context.Background(), func(ctx context.Context) error {
		s := c.NewScope(ctx)
		defer s.Close()
		_, err := depend.Resolve[*jobTx](s)
		assert.ErrorIs(t, err, depend.ErrNotSupplied)
		assert.ErrorContains(t, err, "not of a Scope opened by NewScope, which is given no inputs")
		assert.NotContains(t, err.Error(), "kind http")
		return nil
	}, depend.With(&Job{ID: 1})))
}
