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
//
// # HTTP
//
// [Container.Handler] turns a func into a [net/http.Handler]: the func's
// parameters are resolved in the request's Scope, and its result is written
// as JSON. Handlers and providers may also take *http.Request and
// http.ResponseWriter. An error whose chain has a StatusCode() int method,
// such as [HTTPError] (FastAPI's HTTPException), answers with that status; any
// other error is a 500 whose text the client never sees.
// [Container.SetHTTPOptions] changes how errors are written and reported.
// Handler checks the func's whole graph when it is called and panics on a
// wiring mistake, so the mistake shows when the server starts.
//
// [Container.Middleware] opens the request's Scope around other handlers, so
// middleware and handlers share one cache; [ScopeFrom] finds that Scope in
// the request's context. [Container.Group] with [Require] names types to build
// before every handler of a [Group], as FastAPI's dependencies=[...] does for
// a router: an auth check that answers 401, say.
//
// A cleanup normally runs when the request ends, after the response is
// written. A provider registered with [BeforeResponse] has its cleanup run
// when the handler returns, before anything is written, as FastAPI's
// Depends(scope="function"): a transaction that commits there turns a failed
// commit into a 5xx instead of a 201 for a lost write. [Scope.Finish] runs
// that phase in Scopes opened by hand. Under Middleware, providers built
// while a handler runs see that handler's request and context.
//
// # Request inputs and responses
//
// [Input] makes a provider of a struct whose tagged fields are the
// request's inputs: query, path, header, cookie, form and JSON body, with
// defaults and FastAPI's constraints (minimum, maximum, lengths, pattern,
// enum). A Handler binds every Input its graph reaches before anything
// else runs, and answers all their failures at once with an [InputError]:
// 422, as application/problem+json. A handler sets its status and headers
// by returning a [Response] (or [Created]); errors are problem details
// ([WriteProblem]) unless [HTTPOptions] say otherwise.
//
// # Startup
//
// A Container keeps every registration call that failed, so an ignored
// error is not lost: [Container.Validate] reports those failures with the
// graph's problems, Handler and Middleware refuse to wrap, and the Scopes of
// such a Container fail every resolution. [Container.Start] validates and
// builds the Singletons before serving, reporting each failure with its
// path, so a database that cannot be opened fails the deployment, not the
// first request.
//
// # Testing
//
// [Container.Fork] copies a Container's registrations, and [Container.Replace]
// swaps a provider of the copy for a fake that keeps the replaced provider's
// lifetime and As bindings. That is FastAPI's dependency_overrides without
// global state: parallel tests can each fork the application's Container.
// Package [github.com/godepend/depend/dependtest] forks, replaces, validates
// and resolves in one call, and closes what it opened when the test ends.
// [Container.NewHTTPScope] opens a request's Scope for a given request and
// writer, so a provider that reads the request is tested without routing.
//
// # The graph
//
// [Container.WriteDOT] draws the dependency graph in Graphviz's DOT language:
// each provider with its lifetime, the handlers, and in red the problems
// [Container.Validate] reports. Given funcs, it draws only what they reach,
// such as one handler's subgraph.
//
// # Routes and OpenAPI
//
// [Container.Handle] and [Group.Handle] register a handler with a [Mux]
// (an [net/http.ServeMux], chi) and keep its method and pattern.
// [Container.Routes] describes each [Route] with every provider it reaches,
// and [Container.Nodes] each provider as a [Node], with the [InputField]s
// of an Input and the values of the [Annotation]s given to it with
// [Annotate]. Package [github.com/godepend/depend/openapi] builds an
// OpenAPI 3.1 document from them, as FastAPI does from its dependencies.
//
// # Scopes beyond HTTP
//
// A gRPC call or a job from a queue needs a Scope as a request does. A [Kind],
// declared with [Container.Kind], is a kind of Scope: a name and the inputs
// ([Supplies]) that each of its Scopes is given when it opens ([With]).
// [Kind.Run] runs one unit of work in a Scope of its own and ends it with
// the work's outcome, as [Handler] does for a request; [Kind.NewScope] opens
// one for work that lasts longer, and [Kind.Check] checks at startup that
// what the work needs can be built from what the kind supplies. HTTP is
// the kind [Container.HTTPKind], whose inputs are the request and the
// writer. Modules github.com/godepend/depend/dependgrpc and
// github.com/godepend/depend/dependriver serve gRPC and River with kinds.
//
// # Tracing
//
// [Container.Observe] registers a func that receives an [Event] for each
// provider call and each cache hit: the type, its lifetime, the call's
// duration and error. [SlogObserver] logs the events with log/slog, and
// [ServerTimingObserver] with the [ServerTiming] middleware sends each
// request's provider calls in a Server-Timing header, which browsers'
// developer tools show. A Container without observers allocates nothing for
// them.
//
// # Parallel resolution
//
// A Scope builds one dependency at a time unless it is parallel. In a
// parallel Scope, the Scoped and Singleton dependencies of one call that are
// not cached yet are built concurrently, which pays off when providers block
// on I/O and only adds goroutines when they do not; the caching rules stay
// the same. [Container.SetParallel] turns it on for a Container,
// [WithParallel] for the Scope opened with a context, and [Parallel] for the
// requests of one handler. The first error cancels the Scope's context, so
// that sibling providers watching it stop early.
//
// # Internals
//
// docs/design.md in the repository maps the implementation: the life of a
// request from [Container.Handler] to the cleanups, who owns which lock and
// atomic, and where each promise (single-flight, no start after the context
// ended, stale Scopes, cleanups newest first) is enforced.
package depend
