package depend

// Code in this file describes a Container's graph to code outside the
// package, such as the OpenAPI generator or a custom drawing: what each
// provider provides and needs, the inputs an Input binds, and the values
// given to Annotate. Describing reads the sealed graph; it never touches a
// request.

import (
	"reflect"
	"slices"
)

// Annotation is a value that depend keeps but does not interpret, attached
// to a provider (pass it to Provide, like any Option) or to a route (pass it
// to Handle). Nodes and Routes report it, so that tools can read it: the
// openapi package's Summary, Fails and Security return Annotations. Make
// one with Annotate. An Annotation is immutable and safe for concurrent use.
type Annotation struct{ v any }

// Annotate returns an Annotation holding v. It is safe for concurrent use.
func Annotate(v any) Annotation { return Annotation{v} }

// Value returns the value given to Annotate. It is safe for concurrent use.
func (a Annotation) Value() any { return a.v }

func (a Annotation) apply(o *options) error {
	o.notes = append(o.notes, a.v)
	return nil
}

// Node describes one provider of a Container. It is a snapshot: changing it
// changes nothing in the Container.
type Node struct {
	Type     reflect.Type   // the type it provides
	As       []reflect.Type // the interfaces it also provides, from As
	Name     string         // its func and where it is declared, or Input[T]
	Lifetime Lifetime
	Teardown Teardown
	// Deps are its parameters as declared, Fresh[T] included, and the
	// types the Scope supplies (context.Context, *http.Request, ...).
	Deps []reflect.Type
	// Inputs are the fields of a provider made by Input, in the struct's
	// order; nil for other providers.
	Inputs []InputField
	// Notes are the values of the Annotations given to Provide, in order.
	Notes []any
}

// InputField describes one field of an Input struct: where its value comes
// from, and the Go field, whose tags hold its constraints and default (they
// were checked when the provider was registered).
type InputField struct {
	// In is "query", "path", "header", "cookie", "form" or "body".
	In string
	// Name is the input's name as the request carries it; "" for the body.
	Name string
	// Required reports that a request without the input is rejected.
	Required bool
	// Field is the struct field, reached from the Input's type by
	// Field.Index.
	Field reflect.StructField
}

// Nodes describes every provider registered in c, in the order of
// registration. It is safe for concurrent use, and does not seal c.
func (c *Container) Nodes() []Node {
	c.mu.Lock()
	providers := slices.Clone(c.providers)
	c.mu.Unlock()
	nodes := make([]Node, len(providers))
	for i, p := range providers {
		nodes[i] = p.node()
	}
	return nodes
}

func (p *provider) node() Node {
	return Node{
		Type: p.out, As: slices.Clone(p.as), Name: p.name,
		Lifetime: p.life, Teardown: p.teardown,
		Deps: slices.Clone(p.in), Inputs: p.input.describe(p.out),
		Notes: slices.Clone(p.notes),
	}
}

// describe lists the fields of the Input type t that p binds.
func (p *inputPlan) describe(t reflect.Type) []InputField {
	if p == nil {
		return nil
	}
	var out []InputField
	for _, f := range p.fields {
		out = append(out, InputField{In: f.in, Name: f.name, Required: f.required, Field: t.FieldByIndex(f.index)})
	}
	if p.body != nil {
		out = append(out, InputField{In: "body", Required: true, Field: t.FieldByIndex(p.body.index)})
	}
	slices.SortStableFunc(out, func(a, b InputField) int { return slices.Compare(a.Field.Index, b.Field.Index) })
	return out
}

// reachNodes describes the providers that deps lead to, each once, in the
// order first reached, depth first.
func reachNodes(deps []dep) []Node {
	var out []Node
	seen := make(map[*provider]bool)
	var walk func([]dep)
	walk = func(deps []dep) {
		for _, d := range deps {
			if d.p == nil || seen[d.p] {
				continue
			}
			seen[d.p] = true
			out = append(out, d.p.node())
			walk(d.p.deps)
		}
	}
	walk(deps)
	return out
}
