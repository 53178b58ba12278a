package depend_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

type (
	stDB     struct{}
	stCache  struct{}
	stRepo   struct{}
	stMailer struct{}
	stReq    struct{}
)

// stApp registers Singletons *stDB, *stCache and *stMailer, a Singleton
// *stRepo on *stDB and *stCache, and a Scoped *stReq on *stRepo; each
// counts its calls, and dbErr and mailErr make *stDB and *stMailer fail.
func stApp(t *testing.T, calls map[string]*atomic.Int32, dbErr, mailErr error) *depend.Container {
	t.Helper()
	for _, n := range []string{"db", "cache", "repo", "mailer", "req"} {
		calls[n] = new(atomic.Int32)
	}
	c := depend.New()
	provide(t, c, func() (*stDB, error) { calls["db"].Add(1); return &stDB{}, dbErr }, depend.Singleton)
	provide(t, c, func() *stCache { calls["cache"].Add(1); return &stCache{} }, depend.Singleton)
	provide(t, c, func(*stDB, *stCache) *stRepo { calls["repo"].Add(1); return &stRepo{} }, depend.Singleton)
	provide(t, c, func() (*stMailer, error) { calls["mailer"].Add(1); return &stMailer{}, mailErr }, depend.Singleton)
	provide(t, c, func(*stRepo) *stReq { calls["req"].Add(1); return &stReq{} })
	return c
}

func counts(calls map[string]*atomic.Int32) map[string]int32 {
	out := map[string]int32{}
	for n, c := range calls {
		out[n] = c.Load()
	}
	return out
}

// Start builds the Singletons before any request, each once, so that a
// request finds them ready.
func TestStartBuildsSingletonsOnce(t *testing.T) {
	calls := map[string]*atomic.Int32{}
	c := stApp(t, calls, nil, nil)
	require.NoError(t, c.Start(context.Background()))
	assert.Equal(t, map[string]int32{"db": 1, "cache": 1, "repo": 1, "mailer": 1, "req": 0}, counts(calls))
	_, err := depend.Resolve[*stReq](scope(t, c))
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"db": 1, "cache": 1, "repo": 1, "mailer": 1, "req": 1}, counts(calls))
	require.NoError(t, c.Start(context.Background()), "a second Start found them built")
	assert.Equal(t, int32(1), calls["db"].Load())
}

// Start reports every failure, each once, with the path from the Singleton
// that needed it; what depends on a failure is not called.
func TestStartReportsEveryFailureWithItsPath(t *testing.T) {
	calls := map[string]*atomic.Int32{}
	errDB, errMail := errors.New("unable to open database file"), errors.New("smtp refused")
	c := stApp(t, calls, errDB, errMail)
	err := c.Start(context.Background())
	require.ErrorIs(t, err, errDB)
	require.ErrorIs(t, err, errMail)
	lines := strings.Split(err.Error(), "\n")
	assert.ElementsMatch(t, []string{
		"depend: Start: build *depend_test.stRepo: build *depend_test.stDB: unable to open database file",
		"depend: Start: build *depend_test.stMailer: smtp refused",
	}, lines)
	assert.Equal(t, map[string]int32{"db": 1, "cache": 1, "repo": 0, "mailer": 1, "req": 0}, counts(calls))
}

// With roots, Start builds only the Singletons they reach, through Scoped
// providers too.
func TestStartWithRoots(t *testing.T) {
	calls := map[string]*atomic.Int32{}
	c := stApp(t, calls, nil, errors.New("smtp refused"))
	require.NoError(t, c.Start(context.Background(), func(*stReq) {}), "the failing mailer is not reached")
	assert.Equal(t, map[string]int32{"db": 1, "cache": 1, "repo": 1, "mailer": 0, "req": 0}, counts(calls))

	err := depend.New().Start(context.Background(), 42)
	require.ErrorIs(t, err, depend.ErrBadProvider)
	require.ErrorContains(t, err, "root 0 is int")
}

// Start reports the wiring problems and failed registrations that Validate
// reports, and builds nothing then; and a cancelled context starts nothing.
func TestStartRefuses(t *testing.T) {
	t.Run("a broken graph", func(t *testing.T) {
		c := depend.New()
		var calls atomic.Int32
		provide(t, c, func() *stDB { calls.Add(1); return &stDB{} }, depend.Singleton)
		provide(t, c, func(*stCache) *stRepo { return &stRepo{} }, depend.Singleton)
		c.Provide(42)
		err := c.Start(context.Background())
		require.ErrorIs(t, err, depend.ErrNotProvided)
		require.ErrorIs(t, err, depend.ErrBadProvider)
		require.Zero(t, calls.Load())
	})
	t.Run("a cancelled context", func(t *testing.T) {
		calls := map[string]*atomic.Int32{}
		c := stApp(t, calls, nil, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := c.Start(ctx)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorContains(t, err, "not started")
		assert.Equal(t, map[string]int32{"db": 0, "cache": 0, "repo": 0, "mailer": 0, "req": 0}, counts(calls))
	})
	t.Run("a closed Container", func(t *testing.T) {
		c := depend.New()
		require.NoError(t, c.Close())
		require.ErrorIs(t, c.Start(context.Background()), depend.ErrContainerClosed)
	})
}

// Start checks what its roots reach, as Handler does.
func TestStartChecksItsRoots(t *testing.T) {
	calls := map[string]*atomic.Int32{}
	c := stApp(t, calls, nil, nil)
	type unknown struct{}
	err := c.Start(context.Background(), func(*stReq, *unknown) {})
	require.ErrorIs(t, err, depend.ErrNotProvided)
	require.ErrorContains(t, err, "Start: root 0")
	assert.Zero(t, calls["db"].Load(), "Start built Singletons for a root it refused")
}
