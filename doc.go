// Package depend is dependency injection for request handling, in the manner
// of FastAPI's Depends: providers are plain funcs whose parameters are their
// dependencies, and a request-scoped cache makes a provider asked for twice in
// one request run once.
//
// # Providers
//
// A provider is a func such as
//
//	func NewRepo(tx *Tx, log *slog.Logger) (*Repo, error)
//
// registered with [Container.Provide]. It provides the type of its first
// result. It may also return a cleanup (func(), func() error, func(error) or
// func(error) error) that runs when the request ends, which is what FastAPI
// does with yield dependencies. [Func0] to [Func6] wrap a provider so that it
// is called without reflection.
//
// # Lifetimes
//
// A provider's [Lifetime] decides how often it runs:
//
//   - [Scoped], the default: at most once per [Scope], that is per request.
//   - [NoCache]: at every use; the value is never shared.
//   - [Singleton]: at most once per [Container], shared by every Scope. A
//     Singleton may depend only on Singletons; [Container.Validate] reports a
//     Singleton that would capture per-request data.
//
// A parameter of type [Fresh] asks for a new value at that use site only,
// like FastAPI's Depends(f, use_cache=False).
//
// # Requests
//
// [Container.NewScope] opens one request's cache; [Resolve] and
// [Scope.Invoke] build values in it; [Scope.Close] runs the cleanups, newest
// first. A Scope is safe for concurrent use: a Scoped provider runs exactly
// once per Scope however many goroutines ask for it. context.Context and
// *Scope are resolvable without a provider.
//
// # Errors
//
// A provider's error is cached for the rest of the Scope and returned to
// every use, wrapped in a [BuildError] per step of the path, so the message
// reads "depend: build *Service: build *Tx: connection refused" and
// [errors.Is] and [errors.As] reach the provider's own error. A panic becomes
// a [PanicError]. Wiring mistakes are [GraphError] values matching
// [ErrNotProvided], [ErrCycle] or [ErrCaptive]; call [Container.Validate] at
// startup to find all of them at once.
package depend
