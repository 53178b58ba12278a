//go:build !gc || purego

package depend

import (
	"reflect"
	"testing"
)

// TestNoErasedCall checks that without the erased call no signature takes
// it, so every func goes the typed or the reflective way.
func TestNoErasedCall(t *testing.T) {
	type T struct{}
	for _, fn := range []any{func() *T { return nil }, func(*T) error { return nil }} {
		if e := newErased(reflect.TypeOf(fn)); e != nil {
			t.Fatalf("newErased(%T) = %+v, want nil", fn, e)
		}
	}
	if funcWord((func())(nil)) != nil || funcWord(func() {}) == nil {
		t.Fatal("funcWord must be nil exactly for a nil func")
	}
}
