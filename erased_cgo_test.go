//go:build cgo

package depend_test

// The not-in-heap test needs cgo's Incomplete type, which only a cgo build
// has: a cross-compiled GOARCH=386 run has cgo off.

import (
	"runtime/cgo"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/godepend/depend"
)

// TestNotInHeapPointer checks that a pointer to a not-in-heap type goes
// through Provide, Resolve, a dependent provider and Invoke unchanged.
func TestPointerToANotInHeapTypeIsNotAWord(t *testing.T) {
	want := (*opaque)(unsafe.Pointer(&handle))
	for _, tc := range []struct {
		name string
		fn   any
	}{
		{"plain", func() *opaque { return want }},
		{"with error", func() (*opaque, error) { return want, nil }},
		{"typed", depend.Func0(func() (*opaque, error) { return want, nil })},
		{"with cleanup", func() (*opaque, func()) { return want, func() {} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := depend.New()
			require.NoError(t, c.Provide(tc.fn))
			require.NoError(t, c.Provide(func(h *opaque) *opaqueUser { return &opaqueUser{h} }))
			s := c.NewScope(t.Context())
			defer s.Close()

			got, err := depend.Resolve[*opaque](s)
			require.NoError(t, err)
			require.Equal(t, addr(want), addr(got), "Resolve")

			u, err := depend.Resolve[*opaqueUser](s)
			require.NoError(t, err)
			require.Equal(t, addr(want), addr(u.h), "the dependent provider")

			var invoked *opaque
			require.NoError(t, s.Invoke(func(h *opaque) { invoked = h }))
			require.Equal(t, addr(want), addr(invoked), "Invoke")
		})
	}
}

// opaque is what cgo makes of an incomplete C struct (such as sqlite3's
// *C.sqlite3): a type that is not in the Go heap. A pointer to it is one word,
// but an interface holds it indirectly, so it must not be called or boxed
// shape-erased.
type opaque struct{ _ cgo.Incomplete }

// handle stands for the memory of an opaque C object.
var handle [16]byte

type opaqueUser struct{ h *opaque }

// addr is p as a number: fmt and testify cannot print a not-in-heap pointer.
func addr(p *opaque) uintptr { return uintptr(unsafe.Pointer(p)) }
