//go:build gc && !purego

package depend

import (
	"context"
	"net/http"
	"reflect"
	"testing"
)

// TestNewErased checks which signatures the shape-erased call takes: only
// pointer words and the builtin interfaces, with erasable results.
func TestNewErased(t *testing.T) {
	type T struct{}
	for _, tc := range []struct {
		fn   any
		want *erased // nil: falls back to reflection
	}{
		{func() *T { return nil }, &erased{out: outWord}},
		{func(*T, *int) (*T, error) { return nil, nil }, &erased{out: outWordErr, args: 2}},
		{func(context.Context, http.ResponseWriter, *http.Request) error { return nil }, &erased{out: outErr, args: 5}},
		{func(*T) {}, &erased{out: outNone, args: 1}},
		{func(T) *T { return nil }, nil},                    // value parameter
		{func(any) *T { return nil }, nil},                  // interface other than a builtin
		{func(Fresh[*T]) *T { return nil }, nil},            // Fresh is a struct
		{func() T { return T{} }, nil},                      // value result
		{func() (*T, func()) { return nil, nil }, nil},      // cleanup
		{func(...*T) *T { return nil }, nil},                // variadic
		{func(*T, *T, *T, *T, *T, context.Context) {}, nil}, // seven words
	} {
		typ := reflect.TypeOf(tc.fn)
		t.Run(typ.String(), func(t *testing.T) {
			got := newErased(typ)
			if (got == nil) != (tc.want == nil) {
				t.Fatalf("newErased(%v) = %+v, want %+v", typ, got, tc.want)
			}
			if got != nil && (got.out != tc.want.out || got.args != tc.want.args) {
				t.Fatalf("newErased(%v) = %+v, want %+v", typ, got, tc.want)
			}
			if got != nil && (got.out == outWord || got.out == outWordErr) && got.typ == nil {
				t.Fatalf("newErased(%v): no type word to box the result with", typ)
			}
		})
	}
}
