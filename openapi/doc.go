// Package openapi describes the routes of a depend Container as an OpenAPI
// 3.1 document, from their dependency graphs, as FastAPI does: an
// operation's parameters are the inputs of every Input its handler reaches,
// through providers included, and a dependency declares the errors it may
// answer with and the security it checks.
//
// # Routes
//
// Register handlers with [depend.Container.Handle] or [depend.Group.Handle]
// rather than mux.Handle(pattern, c.Handler(fn)), so that the Container
// keeps their methods and patterns; then [New] builds the [Document] once, at
// startup, from [depend.Container.Routes]:
//
//	c.Handle(mux, "GET /notes", listNotes, openapi.Summary("List notes"))
//	doc, err := openapi.New(c, openapi.Info{Title: "Notes", Version: "1.0.0"})
//
// # What comes from where
//
//   - parameters: every query, path, header and cookie field of the Inputs
//     the route reaches, deduplicated by where they are and their name (a
//     required one wins), with the constraint tags of [depend.Input] as JSON
//     Schema keywords, and a description:"..." tag as their description;
//   - the request body: the Input's body field (application/json) or its
//     form fields (application/x-www-form-urlencoded);
//   - the success response: the handler's result type, 200 for a value and
//     204 for none; [Status] sets it where the handler decides it at run
//     time, as a [depend.Response] does. A handler that writes the response
//     itself (it takes the http.ResponseWriter or the *depend.Scope and
//     returns no value) documents a body of any media type, */*;
//   - 422 with the [depend.Problem] schema when the route has inputs, and
//     the responses that [Fails] declares, on the route or on any provider
//     it reaches;
//   - security: the schemes that [Security] declares on providers the route
//     reaches, all of them required together;
//   - identity: [OperationID], [Summary], [Description], [Tags] and
//     [Deprecated]. Without them the operation's id and summary come from
//     the handler func's name (listNotes: "listNotes", "List notes").
//
// # Schemas
//
// Go types become JSON Schema (draft 2020-12) as encoding/json encodes
// them: structs by their json names, pointers as nullable, slices as arrays,
// maps as objects, time.Time as a date-time string; named struct, slice and
// map types become components, referenced with $ref, recursive types
// included.
//
// # Serving
//
// [Document.Handler] serves the document as JSON; [Docs] serves a page that
// renders it with Swagger UI, loaded from a CDN unless [DocsOptions] name a
// copy of your own, which a page served offline needs.
package openapi
