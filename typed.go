package depend

// Code in this file is a fast path: typed providers are called directly,
// with no reflect.Value.Call, because their parameter types are known at
// compile time. When a typed provider's signature is also erasable
// (erased.go), the shape-erased call serves it instead, which is cheaper
// still; the typed call covers value types. Everything else about them (lifetimes, options, validation,
// errors) is the same as for a plain provider func.

// Provider is a provider func wrapped so that Provide can call it without
// reflection. Make one with Func0 to Func6 and pass it to Provide like a
// func. A Provider is immutable and safe for concurrent use.
type Provider interface {
	funcValue() any
	call(s *Scope, p *provider) (any, error)
}

// arg resolves one parameter of a typed provider.
func arg[A any](s *Scope, d dep) (A, error) {
	v, err := s.resolve(d)
	a, _ := v.(A) // a nil interface value stays the zero A
	return a, err
}

// Func0 wraps a provider with no parameters so that Provide calls it without
// reflection. It is safe for concurrent use.
func Func0[T any](fn func() (T, error)) Provider { return func0[T](fn) }

type func0[T any] func() (T, error)

func (fn func0[T]) funcValue() any { return (func() (T, error))(fn) }

func (fn func0[T]) call(s *Scope, p *provider) (any, error) {
	if err := s.started(p); err != nil {
		return nil, err
	}
	v, err := fn()
	return v, err
}

// Func1 wraps a provider with one parameter so that Provide calls it without
// reflection. It is safe for concurrent use.
func Func1[A, T any](fn func(A) (T, error)) Provider { return func1[A, T](fn) }

type func1[A, T any] func(A) (T, error)

func (fn func1[A, T]) funcValue() any { return (func(A) (T, error))(fn) }

func (fn func1[A, T]) call(s *Scope, p *provider) (any, error) {
	a, err := arg[A](s, p.deps[0])
	if err != nil {
		return nil, err
	}
	if err := s.started(p); err != nil {
		return nil, err
	}
	v, err := fn(a)
	return v, err
}

// Func2 wraps a provider with two parameters so that Provide calls it without
// reflection. It is safe for concurrent use.
func Func2[A, B, T any](fn func(A, B) (T, error)) Provider { return func2[A, B, T](fn) }

type func2[A, B, T any] func(A, B) (T, error)

func (fn func2[A, B, T]) funcValue() any { return (func(A, B) (T, error))(fn) }

func (fn func2[A, B, T]) call(s *Scope, p *provider) (any, error) {
	a, err := arg[A](s, p.deps[0])
	if err != nil {
		return nil, err
	}
	b, err := arg[B](s, p.deps[1])
	if err != nil {
		return nil, err
	}
	if err := s.started(p); err != nil {
		return nil, err
	}
	v, err := fn(a, b)
	return v, err
}

// Func3 wraps a provider with three parameters so that Provide calls it without
// reflection. It is safe for concurrent use.
func Func3[A, B, C, T any](fn func(A, B, C) (T, error)) Provider { return func3[A, B, C, T](fn) }

type func3[A, B, C, T any] func(A, B, C) (T, error)

func (fn func3[A, B, C, T]) funcValue() any { return (func(A, B, C) (T, error))(fn) }

func (fn func3[A, B, C, T]) call(s *Scope, p *provider) (any, error) {
	a, err := arg[A](s, p.deps[0])
	if err != nil {
		return nil, err
	}
	b, err := arg[B](s, p.deps[1])
	if err != nil {
		return nil, err
	}
	c, err := arg[C](s, p.deps[2])
	if err != nil {
		return nil, err
	}
	if err := s.started(p); err != nil {
		return nil, err
	}
	v, err := fn(a, b, c)
	return v, err
}

// Func4 wraps a provider with four parameters so that Provide calls it without
// reflection. It is safe for concurrent use.
func Func4[A, B, C, D, T any](fn func(A, B, C, D) (T, error)) Provider {
	return func4[A, B, C, D, T](fn)
}

type func4[A, B, C, D, T any] func(A, B, C, D) (T, error)

func (fn func4[A, B, C, D, T]) funcValue() any { return (func(A, B, C, D) (T, error))(fn) }

func (fn func4[A, B, C, D, T]) call(s *Scope, p *provider) (any, error) {
	a, err := arg[A](s, p.deps[0])
	if err != nil {
		return nil, err
	}
	b, err := arg[B](s, p.deps[1])
	if err != nil {
		return nil, err
	}
	c, err := arg[C](s, p.deps[2])
	if err != nil {
		return nil, err
	}
	d, err := arg[D](s, p.deps[3])
	if err != nil {
		return nil, err
	}
	if err := s.started(p); err != nil {
		return nil, err
	}
	v, err := fn(a, b, c, d)
	return v, err
}

// Func5 wraps a provider with five parameters so that Provide calls it without
// reflection. It is safe for concurrent use.
func Func5[A, B, C, D, E, T any](fn func(A, B, C, D, E) (T, error)) Provider {
	return func5[A, B, C, D, E, T](fn)
}

type func5[A, B, C, D, E, T any] func(A, B, C, D, E) (T, error)

func (fn func5[A, B, C, D, E, T]) funcValue() any { return (func(A, B, C, D, E) (T, error))(fn) }

func (fn func5[A, B, C, D, E, T]) call(s *Scope, p *provider) (any, error) {
	a, err := arg[A](s, p.deps[0])
	if err != nil {
		return nil, err
	}
	b, err := arg[B](s, p.deps[1])
	if err != nil {
		return nil, err
	}
	c, err := arg[C](s, p.deps[2])
	if err != nil {
		return nil, err
	}
	d, err := arg[D](s, p.deps[3])
	if err != nil {
		return nil, err
	}
	e, err := arg[E](s, p.deps[4])
	if err != nil {
		return nil, err
	}
	if err := s.started(p); err != nil {
		return nil, err
	}
	v, err := fn(a, b, c, d, e)
	return v, err
}

// Func6 wraps a provider with six parameters so that Provide calls it without
// reflection. It is safe for concurrent use.
func Func6[A, B, C, D, E, F, T any](fn func(A, B, C, D, E, F) (T, error)) Provider {
	return func6[A, B, C, D, E, F, T](fn)
}

type func6[A, B, C, D, E, F, T any] func(A, B, C, D, E, F) (T, error)

func (fn func6[A, B, C, D, E, F, T]) funcValue() any { return (func(A, B, C, D, E, F) (T, error))(fn) }

func (fn func6[A, B, C, D, E, F, T]) call(s *Scope, p *provider) (any, error) {
	a, err := arg[A](s, p.deps[0])
	if err != nil {
		return nil, err
	}
	b, err := arg[B](s, p.deps[1])
	if err != nil {
		return nil, err
	}
	c, err := arg[C](s, p.deps[2])
	if err != nil {
		return nil, err
	}
	d, err := arg[D](s, p.deps[3])
	if err != nil {
		return nil, err
	}
	e, err := arg[E](s, p.deps[4])
	if err != nil {
		return nil, err
	}
	f, err := arg[F](s, p.deps[5])
	if err != nil {
		return nil, err
	}
	if err := s.started(p); err != nil {
		return nil, err
	}
	v, err := fn(a, b, c, d, e, f)
	return v, err
}
