//go:build !gc || purego

package depend

import "reflect"

// Code in this file stands in for erased.go where the shape-erased call is
// off: with a compiler other than gc, whose calling convention it does not
// rely on, or with the purego tag. newErased accepts no signature, so
// providers, Invoke funcs and handlers take the typed or the reflective
// path, and the rest of this file is never called.

// word is the func value of an erased call; here it only says whether the
// func is nil.
type word = any

// maxWords sizes the argument arrays of the erased call, unused here.
const maxWords = 1

// erased is never made here.
type erased struct{}

// newErased accepts no signature without the erased call.
func newErased(reflect.Type) *erased { return nil }

// newErased accepts no signature without the erased call.
func (*Container) newErased(reflect.Type) *erased { return nil }

// funcWord returns fn if it holds a non-nil func, or nil.
func funcWord(fn any) word {
	if v := reflect.ValueOf(fn); v.Kind() != reflect.Func || v.IsNil() {
		return nil
	}
	return fn
}

// typeAddr returns the address of t's descriptor, which identifies t for
// as long as t is alive. t is not nil.
func typeAddr(t reflect.Type) uintptr { return reflect.ValueOf(t).Pointer() }

func (*erased) call(word, *[maxWords]word) (any, error) {
	panic("depend: the shape-erased call is not built in")
}

func (*Scope) words(*resolution, []dep, *exchange) ([maxWords]word, error) {
	panic("depend: the shape-erased call is not built in")
}

// direct is false: no provider is erased.
func (*erased) direct([]dep) bool { return false }

func (*Scope) buildDirect(*resolution, *provider) (any, error) {
	panic("depend: the shape-erased call is not built in")
}

// closed reports whether done, a channel that is closed and never sent on
// (a context's Done), is closed; a nil done never is.
func closed(done <-chan struct{}) bool {
	select { // a nil channel is never ready
	case <-done:
		return true
	default:
		return false
	}
}
