package bench

import (
	"context"
	"strconv"
	"sync/atomic"

	"github.com/godepend/depend"
	"github.com/samber/do/v2"
	"go.uber.org/dig"
)

// A Server serves one request of the reference graph per call. Serve is safe
// for concurrent use.
type Server interface {
	Serve(ctx context.Context) error
}

// must panics on a wiring error: the benchmarks' graphs are fixed, so an
// error here is a bug in this package.
func must(err error) {
	if err != nil {
		panic(err)
	}
}

// DependPlain is depend with the ordinary provider funcs registered by
// Provide, and the handler called by Scope.Invoke.
type DependPlain struct{ C *depend.Container }

// NewDependPlain registers the reference graph with plain Provide.
func NewDependPlain() DependPlain {
	c := depend.New()
	must(c.Provide(NewConfig, depend.Singleton))
	must(c.Provide(NewPool, depend.Singleton))
	for _, fn := range []any{NewRequestID, NewLogger, NewToken, NewUser, NewTx, NewRepo, NewService, NewAudit} {
		must(c.Provide(fn))
	}
	must(c.Validate())
	return DependPlain{c}
}

// Serve opens a Scope, invokes Handle in it and closes it.
func (d DependPlain) Serve(ctx context.Context) error {
	s := d.C.NewScope(ctx)
	err := s.Invoke(Handle)
	return closeScope(s, err)
}

func closeScope(s *depend.Scope, err error) error {
	if cerr := s.CloseWithError(err); err == nil {
		err = cerr
	}
	return err
}

// DependTyped is depend's fastest form: providers registered through the
// typed Func0..Func6 wrappers, which Provide calls without reflection, and
// the handler's parameters taken with Resolve.
type DependTyped struct{ C *depend.Container }

// ok adapts a provider that cannot fail to the (T, error) shape of the typed
// wrappers.
func ok[A, T any](fn func(A) T) func(A) (T, error) {
	return func(a A) (T, error) { return fn(a), nil }
}

// NewDependTyped registers the reference graph with Func0..Func3.
func NewDependTyped() DependTyped {
	c := depend.New()
	must(c.Provide(depend.Func0(func() (*Config, error) { return NewConfig(), nil }), depend.Singleton))
	must(c.Provide(depend.Func1(ok(NewPool)), depend.Singleton))
	must(c.Provide(depend.Func1(ok(NewRequestID))))
	must(c.Provide(depend.Func1(ok(NewLogger))))
	must(c.Provide(depend.Func1(NewToken)))
	must(c.Provide(depend.Func1(NewUser)))
	must(c.Provide(depend.Func2(NewTx)))
	must(c.Provide(depend.Func1(ok(NewRepo))))
	must(c.Provide(depend.Func3(func(r *Repo, u *User, l *Logger) (*Service, error) { return NewService(r, u, l), nil })))
	must(c.Provide(depend.Func2(func(u *User, tx *Tx) (*Audit, error) { return NewAudit(u, tx), nil })))
	must(c.Validate())
	return DependTyped{c}
}

// Serve opens a Scope, resolves Handle's parameters, calls it and closes
// the Scope.
func (d DependTyped) Serve(ctx context.Context) error {
	s := d.C.NewScope(ctx)
	return closeScope(s, serveTyped(s))
}

func serveTyped(s *depend.Scope) error {
	svc, err := depend.Resolve[*Service](s)
	if err != nil {
		return err
	}
	audit, err := depend.Resolve[*Audit](s)
	if err != nil {
		return err
	}
	user, err := depend.Resolve[*User](s)
	if err != nil {
		return err
	}
	return Handle(svc, audit, user)
}

// Dig is go.uber.org/dig. dig has no request lifetime, so each request gets
// a child Scope into which the request-scoped providers are provided, as
// dig's documentation suggests for per-request values.
type Dig struct{ C *dig.Container }

// NewDig provides the singletons to the root Container.
func NewDig() Dig {
	c := dig.New()
	must(c.Provide(NewConfig))
	must(c.Provide(NewPool))
	return Dig{c}
}

// Serve builds a request Scope, provides the request's providers and
// invokes Handle in it.
func (d Dig) Serve(ctx context.Context) error {
	s := d.C.Scope("request")
	must(s.Provide(func() context.Context { return ctx }))
	for _, fn := range []any{NewRequestID, NewLogger, NewToken, NewUser, NewTx, NewRepo, NewService, NewAudit} {
		must(s.Provide(fn))
	}
	return s.Invoke(Handle)
}

// SamberDo is github.com/samber/do/v2 with a child scope per request.
type SamberDo struct {
	Root *do.RootScope
	n    *atomic.Int64 // names scopes: samber/do wants them unique per parent
}

// NewSamberDo provides the singletons, lazily, to the root scope.
func NewSamberDo() SamberDo {
	root := do.New()
	do.Provide(root, func(do.Injector) (*Config, error) { return NewConfig(), nil })
	do.Provide(root, func(i do.Injector) (*Pool, error) {
		cfg, err := do.Invoke[*Config](i)
		if err != nil {
			return nil, err
		}
		return NewPool(cfg), nil
	})
	return SamberDo{Root: root, n: new(atomic.Int64)}
}

// Serve opens a child scope, provides the request's providers, invokes the
// handler's dependencies and shuts the scope down.
func (d SamberDo) Serve(ctx context.Context) error {
	s := d.Root.Scope("request-" + strconv.FormatInt(d.n.Add(1), 10))
	defer s.Shutdown()
	do.ProvideValue(s, ctx)
	provideSamberRequest(s)
	svc, err := do.Invoke[*Service](s)
	if err != nil {
		return err
	}
	audit, err := do.Invoke[*Audit](s)
	if err != nil {
		return err
	}
	user, err := do.Invoke[*User](s)
	if err != nil {
		return err
	}
	return Handle(svc, audit, user)
}

func provideSamberRequest(s do.Injector) {
	do.Provide(s, func(i do.Injector) (*RequestID, error) {
		return NewRequestID(do.MustInvoke[context.Context](i)), nil
	})
	do.Provide(s, func(i do.Injector) (*Logger, error) {
		return NewLogger(do.MustInvoke[*RequestID](i)), nil
	})
	do.Provide(s, func(i do.Injector) (*Token, error) {
		return NewToken(do.MustInvoke[context.Context](i))
	})
	do.Provide(s, func(i do.Injector) (*User, error) {
		tok, err := do.Invoke[*Token](i)
		if err != nil {
			return nil, err
		}
		return NewUser(tok)
	})
	do.Provide(s, func(i do.Injector) (*Tx, error) {
		return NewTx(do.MustInvoke[*Pool](i), do.MustInvoke[*Logger](i))
	})
	do.Provide(s, func(i do.Injector) (*Repo, error) {
		return NewRepo(do.MustInvoke[*Tx](i)), nil
	})
	do.Provide(s, func(i do.Injector) (*Service, error) {
		return NewService(do.MustInvoke[*Repo](i), do.MustInvoke[*User](i), do.MustInvoke[*Logger](i)), nil
	})
	do.Provide(s, func(i do.Injector) (*Audit, error) {
		return NewAudit(do.MustInvoke[*User](i), do.MustInvoke[*Tx](i)), nil
	})
}
