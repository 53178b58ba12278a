package depend_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

func TestValidateReportsEveryProblem(t *testing.T) {
	type (
		A struct{}
		B struct{}
		C struct{}
		D struct{}
	)
	c := depend.New()
	provide(t, c, func(*B) *A { return nil })
	provide(t, c, func(*A, *D) *B { return nil }) // cycle A -> B -> A; B also misses D
	provide(t, c, func(*Repo) *Service { return nil })
	provide(t, c, func(*Pool) *Repo { return nil }) // Service -> Repo -> Pool is missing
	provide(t, c, func(*User) *C { return nil }, depend.Singleton)
	provide(t, c, func() *User { return nil })
	provide(t, c, func(context.Context) *Tx { return nil }, depend.Singleton)
	provide(t, c, func(depend.Fresh[*C]) *Audit { return nil }, depend.Singleton)
	provide(t, c, func() *Pool2 { return nil }, depend.NoCache)
	provide(t, c, func(*Pool2) *Config { return nil }, depend.Singleton)

	err := c.Validate()
	require.Error(t, err)
	require.ErrorIs(t, err, depend.ErrCycle)
	require.ErrorIs(t, err, depend.ErrNotProvided)
	require.ErrorIs(t, err, depend.ErrCaptive)
	lines := strings.Split(err.Error(), "\n")
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, "depend: "), l)
	}
	want := []string{
		"depend: dependency cycle: *depend_test.A -> *depend_test.B -> *depend_test.A",
		"depend: not provided: *depend_test.A -> *depend_test.B -> *depend_test.D",
		"depend: not provided: *depend_test.Service -> *depend_test.Repo -> *depend_test.Pool",
		"depend: captive dependency: *depend_test.C -> *depend_test.User: Singleton *depend_test.C depends on *depend_test.User, which is scoped",
		"depend: captive dependency: *depend_test.Tx -> context.Context: Singleton *depend_test.Tx depends on the per-request input context.Context",
		"depend: captive dependency: *depend_test.Audit -> *depend_test.C: Singleton *depend_test.Audit depends on Fresh[*depend_test.C]",
		"depend: captive dependency: *depend_test.Config -> *depend_test.Pool2: Singleton *depend_test.Config depends on *depend_test.Pool2, which is nocache",
	}
	require.Len(t, lines, len(want), err.Error())
	for _, w := range want {
		assert.True(t, containsPrefix(lines, w), "missing %q in\n%s", w, err)
	}

	// Problems are found at startup; at request time they fail cleanly
	// instead of deadlocking or capturing a request's value.
	s := scope(t, c)
	_, err = depend.Resolve[*A](s)
	require.ErrorIs(t, err, depend.ErrCycle)
	_, err = depend.Resolve[*C](s)
	require.ErrorIs(t, err, depend.ErrCaptive)
}

func TestValidateAcceptsAValidGraph(t *testing.T) {
	c := graph(t, newCounter())
	provide(t, c, func() *Pool { return nil }, depend.Singleton)
	provide(t, c, func(*Pool) *Config { return nil }, depend.Singleton)
	require.NoError(t, c.Validate())
}

func TestValidateWhileServing(t *testing.T) {
	c := graph(t, newCounter())
	s := scope(t, c)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			assert.NoError(t, c.Validate())
			_, err := depend.Resolve[*Service](s)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
}
