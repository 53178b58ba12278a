package depend

import (
	"testing"
	"unsafe"
)

// TestScopeSize keeps a Scope in the 128-byte size class: it is the one
// allocation that every NewScope makes, and the kinds work measured a
// Scope of 160 bytes (the Kind and its inputs' values held in it) as a
// slower request, by about 15% for an empty Scope (docs/performance.md).
// What only a Scope of a Kind needs lives behind Scope.given.
func TestScopeSize(t *testing.T) {
	if size := unsafe.Sizeof(Scope{}); size > 128 {
		t.Fatalf("a Scope is %d bytes, over the 128-byte size class", size)
	}
}
