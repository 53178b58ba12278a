package depend_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/godepend/depend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type geA struct{}
type geB struct{}

// TestRunClosesItsScopeWhenACleanupCallsGoexit: a BeforeResponse cleanup
// that calls runtime.Goexit (require in a test's commit, say) left Run's
// deferred func in the middle: the Scope stayed entered, so it was never
// closed and its other cleanups never ran. The HTTP layer closes it in
// that case; Run now does too, with an error as the cause.
func TestRunClosesItsScopeWhenACleanupCallsGoexit(t *testing.T) {
	c := depend.New()
	var cause atomic.Pointer[error]
	require.NoError(t, c.Provide(func() (*geA, func(error)) {
		return &geA{}, func(err error) { cause.Store(&err) }
	}))
	require.NoError(t, c.Provide(func(*geA) (*geB, func(error)) { return &geB{}, func(error) { runtime.Goexit() } }, depend.BeforeResponse))
	k := c.Kind("job")
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = k.Run(context.Background(), func(ctx context.Context) error {
			s, _ := depend.ScopeFrom(ctx)
			_, err := depend.Resolve[*geB](s)
			return err
		})
		t.Error("Run returned: the Goexit must go on")
	}()
	<-done
	got := cause.Load()
	require.NotNil(t, got, "the after-response cleanup never ran")
	assert.ErrorContains(t, *got, "Goexit", "it must not learn success")
}
