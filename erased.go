//go:build gc && !purego

package depend

import (
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"unsafe"
)

// Code in this file is the second fast path: a shape-erased direct call for
// funcs (providers, funcs given to Invoke, Handler funcs) whose signatures
// are made of pointer words only, which is what most Go wiring
// looks like: func(*Pool, *Logger) (*Tx, error), func(context.Context) *ID.
//
// Go's calling convention assigns arguments and results by their machine
// shape: a pointer is one pointer word and an interface two, in registers or
// on the stack alike. So a func(*Pool, *Logger) (*Tx, error) has the shape of
// a func(word, word) (word, error), where word is unsafe.Pointer, and can be
// called as one, directly, without reflect.Value.Call and without
// allocating. Every other signature (value parameters, interfaces other than
// context.Context and http.ResponseWriter, Fresh, cleanups, more than
// maxWords words) keeps the typed call (Func0..Func6) or the reflective
// one, which are the safe fallbacks. See docs/performance.md.
//
// The file is built only by the gc toolchain, whose calling convention this
// relies on, and not with the purego tag, which turns the erased call off;
// erased_safe.go stands in for it then, and every func takes the typed or
// the reflective path.
//
// The file also holds the other use of unsafe: closed, the check made
// before every provider that the request's context has not ended, which
// reads a channel's closed flag as the runtime's own non-blocking receive
// does, when a probe at start-up finds the runtime's channel layout as
// expected.

type word = unsafe.Pointer

// maxWords bounds the parameter words of an erased call: it covers up to six
// pointers, or a context and four pointers.
const maxWords = 6

// outShape is the result list of an erased func.
type outShape uint8

const (
	outNone     outShape = iota // func(...)
	outErr                      // func(...) error
	outWord                     // func(...) *T
	outWordErr                  // func(...) (*T, error)
	outUnerased                 // not erasable
)

// erased is the compiled shape of an erasable signature. It is immutable.
type erased struct {
	out  outShape
	typ  word // the type word of the first result, to box it into an any
	args int  // parameter words
}

// newErased returns the shape of fn's type t for c, or nil if t is not
// erasable or c is forced onto the general path.
func (c *Container) newErased(t reflect.Type) *erased {
	if c.general {
		return nil
	}
	return newErased(t)
}

// newErased returns the shape of fn's type t, or nil if t is not erasable.
func newErased(t reflect.Type) *erased {
	e := &erased{out: resultShape(t)}
	if e.out == outUnerased || t.IsVariadic() {
		return nil
	}
	for i := range t.NumIn() {
		n := paramWords(t.In(i))
		if n == 0 {
			return nil
		}
		e.args += n
	}
	if e.args > maxWords {
		return nil
	}
	if e.out == outWord || e.out == outWordErr {
		zero := reflect.Zero(t.Out(0)).Interface()
		e.typ = (*[2]word)(unsafe.Pointer(&zero))[0]
	}
	return e
}

func resultShape(t reflect.Type) outShape {
	switch {
	case t.NumOut() == 0:
		return outNone
	case t.NumOut() == 1 && t.Out(0) == errorType:
		return outErr
	case !pointerWord(t.Out(0)):
	case t.NumOut() == 1:
		return outWord
	case t.NumOut() == 2 && t.Out(1) == errorType:
		return outWordErr
	}
	return outUnerased
}

// paramWords is the number of words of a parameter of type t as the erased
// call passes it, or 0 if it cannot. The interfaces are the builtins whose
// value the Scope holds as that very interface, with its method table.
func paramWords(t reflect.Type) int {
	switch {
	case pointerWord(t):
		return 1
	case t == contextType || t == writerType:
		return 2
	}
	return 0
}

// pointerWord reports whether t is a pointer that an interface holds as
// itself, in its data word. A pointer to a type that is not in the Go heap,
// such as cgo's incomplete C structs (*C.sqlite3), is held indirectly, in a
// cell the data word points to, so it cannot pass as a word: boxing it as
// one would make the interface point at the C object's first bytes.
func pointerWord(t reflect.Type) bool {
	if t.Kind() != reflect.Pointer {
		return false
	}
	zero := reflect.Zero(t).Interface()
	return ifaceWords(&zero)[1] == nil // indirect: it points at a zero cell
}

// typeAddr returns the address of t's descriptor, which identifies t for
// as long as t is alive. t is not nil.
func typeAddr(t reflect.Type) uintptr { return uintptr(ifaceWords(&t)[1]) }

// ifaceWords returns the two words of an interface value.
func ifaceWords[I any](i *I) *[2]word { return (*[2]word)(unsafe.Pointer(i)) }

// words resolves deps into the words of an erased call's arguments, as
// part of the lean resolution r if it is not nil. It returns them by value:
// written through a pointer to the caller's array, each word would pay a
// write barrier while the garbage collector marks, as the compiler cannot
// tell that the array is on the stack. The request's inputs come
// from x for an HTTP handler, which may see another context, request or
// writer than its Scope (a router may have replaced them), and from s when x
// is nil.
func (s *Scope) words(r *resolution, deps []dep, x *exchange) (a [maxWords]word, err error) {
	in := s.inputs()
	n := 0
	for i := range deps {
		d := &deps[i]
		switch d.kind {
		case depContext:
			ctx := &in.ctx
			if x != nil {
				ctx = &x.ctx
			}
			w := ifaceWords(ctx)
			a[n], a[n+1] = w[0], w[1]
			n += 2
		case depInput:
			switch {
			case d.slot == slotWriter: // an interface: its two words
				rw := &in.w
				if x != nil {
					rw = &x.w
				}
				if *rw == nil {
					return a, s.missing(d.typ)
				}
				w := ifaceWords(rw)
				a[n], a[n+1] = w[0], w[1]
				n += 2
				continue
			case d.slot == slotRequest && x != nil:
				a[n] = unsafe.Pointer(x.r)
			default: // a pointer (paramWords), held in the interface itself
				v, err := s.input(in, d)
				if err != nil {
					return a, err
				}
				a[n] = ifaceWords(&v)[1]
			}
			n++
		default: // a provider's value, the Scope, or a missing dependency
			v, err := s.value(r, d)
			if err != nil {
				return a, err
			}
			a[n] = ifaceWords(&v)[1] // a pointer is stored in the interface itself
			n++
		}
	}
	return a, nil
}

// direct reports whether a provider of shape e (nil if not erased) with
// dependencies deps is built by buildDirect: it returns a value, and its
// dependencies are all providers' values, one word each, or the context,
// two.
func (e *erased) direct(deps []dep) bool {
	if e == nil || (e.out != outWord && e.out != outWordErr) {
		return false
	}
	for i := range deps {
		if k := deps[i].kind; k != depProvider && k != depContext {
			return false
		}
	}
	return true
}

// buildDirect resolves the dependencies of p, a direct provider (see
// provider.direct), as part of the lean resolution r, checks that the
// Scope's context has not ended, and calls p. It is words and call in one
// frame, with the call written out by shape and word count: the two calls
// and the argument array returned and passed between them cost about 35 ns
// per request of the reference graph (docs/performance.md).
func (s *Scope) buildDirect(r *resolution, p *provider) (any, error) {
	var a [maxWords]word
	n := 0
	for i := range p.deps {
		d := &p.deps[i]
		if d.kind == depContext {
			w := ifaceWords(&s.inputs().ctx)
			a[n], a[n+1] = w[0], w[1]
			n += 2
			continue
		}
		v, err := s.value(r, d)
		if err != nil {
			return nil, err
		}
		a[n] = ifaceWords(&v)[1] // a pointer is stored in the interface itself
		n++
	}
	if closed(s.inputs().done) { // started, in this frame: p is Scoped
		return nil, s.notStarted()
	}
	fn, e := p.word, p.erased
	if e.out == outWord {
		switch n {
		case 0:
			return e.box(as[func() word](&fn)()), nil
		case 1:
			return e.box(as[func(word) word](&fn)(a[0])), nil
		case 2:
			return e.box(as[func(word, word) word](&fn)(a[0], a[1])), nil
		case 3:
			return e.box(as[func(word, word, word) word](&fn)(a[0], a[1], a[2])), nil
		}
		return e.box(callWord(fn, n, &a)), nil
	}
	var w word
	var err error
	switch n {
	case 0:
		w, err = as[func() (word, error)](&fn)()
	case 1:
		w, err = as[func(word) (word, error)](&fn)(a[0])
	case 2:
		w, err = as[func(word, word) (word, error)](&fn)(a[0], a[1])
	case 3:
		w, err = as[func(word, word, word) (word, error)](&fn)(a[0], a[1], a[2])
	default:
		w, err = callWordErr(fn, n, &a)
	}
	if err != nil {
		return nil, err
	}
	return e.box(w), nil
}

// box makes the any of type e.typ that holds the pointer p.
func (e *erased) box(p word) (v any) {
	*ifaceWords(&v) = [2]word{e.typ, p}
	return v
}

// call calls the func value fn, of e's shape, with args.
func (e *erased) call(fn word, a *[maxWords]word) (any, error) {
	switch e.out {
	case outWord:
		return e.box(callWord(fn, e.args, a)), nil
	case outWordErr:
		p, err := callWordErr(fn, e.args, a)
		if err != nil {
			return nil, err
		}
		return e.box(p), nil
	case outErr:
		return nil, callErr(fn, e.args, a)
	}
	callNone(fn, e.args, a)
	return nil, nil
}

// funcWord returns the func value held by the interface fn.
func funcWord(fn any) word { return ifaceWords(&fn)[1] }

// as reinterprets the func value fn as a func of type F, of the same shape.
func as[F any](fn *word) F { return *(*F)(unsafe.Pointer(fn)) }

func callWord(fn word, n int, a *[maxWords]word) word {
	switch n {
	case 0:
		return as[func() word](&fn)()
	case 1:
		return as[func(word) word](&fn)(a[0])
	case 2:
		return as[func(word, word) word](&fn)(a[0], a[1])
	case 3:
		return as[func(word, word, word) word](&fn)(a[0], a[1], a[2])
	case 4:
		return as[func(word, word, word, word) word](&fn)(a[0], a[1], a[2], a[3])
	case 5:
		return as[func(word, word, word, word, word) word](&fn)(a[0], a[1], a[2], a[3], a[4])
	}
	return as[func(word, word, word, word, word, word) word](&fn)(a[0], a[1], a[2], a[3], a[4], a[5])
}

func callWordErr(fn word, n int, a *[maxWords]word) (word, error) {
	switch n {
	case 0:
		return as[func() (word, error)](&fn)()
	case 1:
		return as[func(word) (word, error)](&fn)(a[0])
	case 2:
		return as[func(word, word) (word, error)](&fn)(a[0], a[1])
	case 3:
		return as[func(word, word, word) (word, error)](&fn)(a[0], a[1], a[2])
	case 4:
		return as[func(word, word, word, word) (word, error)](&fn)(a[0], a[1], a[2], a[3])
	case 5:
		return as[func(word, word, word, word, word) (word, error)](&fn)(a[0], a[1], a[2], a[3], a[4])
	}
	return as[func(word, word, word, word, word, word) (word, error)](&fn)(a[0], a[1], a[2], a[3], a[4], a[5])
}

func callErr(fn word, n int, a *[maxWords]word) error {
	switch n {
	case 0:
		return as[func() error](&fn)()
	case 1:
		return as[func(word) error](&fn)(a[0])
	case 2:
		return as[func(word, word) error](&fn)(a[0], a[1])
	case 3:
		return as[func(word, word, word) error](&fn)(a[0], a[1], a[2])
	case 4:
		return as[func(word, word, word, word) error](&fn)(a[0], a[1], a[2], a[3])
	case 5:
		return as[func(word, word, word, word, word) error](&fn)(a[0], a[1], a[2], a[3], a[4])
	}
	return as[func(word, word, word, word, word, word) error](&fn)(a[0], a[1], a[2], a[3], a[4], a[5])
}

func callNone(fn word, n int, a *[maxWords]word) {
	switch n {
	case 0:
		as[func()](&fn)()
	case 1:
		as[func(word)](&fn)(a[0])
	case 2:
		as[func(word, word)](&fn)(a[0], a[1])
	case 3:
		as[func(word, word, word)](&fn)(a[0], a[1], a[2])
	case 4:
		as[func(word, word, word, word)](&fn)(a[0], a[1], a[2], a[3])
	case 5:
		as[func(word, word, word, word, word)](&fn)(a[0], a[1], a[2], a[3], a[4])
	default:
		as[func(word, word, word, word, word, word)](&fn)(a[0], a[1], a[2], a[3], a[4], a[5])
	}
}

// The layout of the runtime's channel header (runtime.hchan) that closed
// relies on: the offsets of qcount, dataqsiz, elemsize and closed, as in
// Go 1.26 and 1.27, the releases CI runs (TestChanLayoutKnown).
const (
	chanQcount   = 0
	chanDataqsiz = unsafe.Sizeof(uint(0))
	chanElemsize = 2*unsafe.Sizeof(uint(0)) + unsafe.Sizeof(unsafe.Pointer(nil))
	chanClosed   = chanElemsize + 4 // a uint32 after the uint16 elemsize
)

// chanLayoutKnown is whether the runtime is of a release whose channels
// are known to have the layout above, and shows it: found once when the
// package initialises and never changed, a fact about the running binary,
// like a constant. When it is false, closed falls back to a select. A
// newer release is not trusted on the probe alone, which could pass if
// the closed word came to hold other flags too; TestChanLayoutKnown
// fails on it, so that its layout gets checked.
var chanLayoutKnown = testedRelease(runtime.Version()) && probeChanLayout()

// testedRelease reports whether the Go version v (runtime.Version) is one
// of the releases whose runtime.hchan closed was checked against: 1.26
// and 1.27.
func testedRelease(v string) bool {
	minor, ok := strings.CutPrefix(v, "go1.")
	if !ok {
		return false // a development build ("devel ...")
	}
	if i := strings.IndexFunc(minor, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		minor = minor[:i] // "27" of "27.3" or "27rc1"
	}
	return minor == "26" || minor == "27"
}

// closed reports whether done, a channel that is closed and never sent on
// (a context's Done), is closed; a nil done, the Done of a context that
// cannot end, never is. It tells what a select with a default case tells,
// without the runtime calls (selectnbrecv, chanrecv) that made the check
// before each provider cost about 4 ns, about 30 ns of the reference
// request: it reads the closed flag with an atomic load, as chanrecv's own
// non-blocking fast path does for an empty channel.
func closed(done <-chan struct{}) bool {
	if done == nil {
		return false
	}
	if !chanLayoutKnown {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
	return atomic.LoadUint32((*uint32)(unsafe.Add(chanHeader(done), chanClosed))) != 0
}

// chanHeader returns the address of the runtime's header of the channel c,
// which a channel value is.
func chanHeader[C any](c C) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&c)) }

// probeChanLayout reports whether two channels, buffered and not, read at
// the offsets closed relies on, show the counts, sizes and closed flags
// they were made with, before and after close.
func probeChanLayout() bool {
	buffered := make(chan int64, 3)
	buffered <- 1
	buffered <- 2
	unbuffered := make(chan struct{})
	read := func(h unsafe.Pointer) [4]uint {
		return [4]uint{
			*(*uint)(unsafe.Add(h, chanQcount)),
			*(*uint)(unsafe.Add(h, chanDataqsiz)),
			uint(*(*uint16)(unsafe.Add(h, chanElemsize))),
			uint(*(*uint32)(unsafe.Add(h, chanClosed))),
		}
	}
	b, u := chanHeader(buffered), chanHeader(unbuffered)
	ok := read(b) == [4]uint{2, 3, 8, 0} && read(u) == [4]uint{0, 0, 0, 0}
	close(buffered)
	close(unbuffered)
	return ok && read(b) == [4]uint{2, 3, 8, 1} && read(u) == [4]uint{0, 0, 0, 1}
}
