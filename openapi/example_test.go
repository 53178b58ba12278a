package openapi_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"

	"github.com/godepend/depend"
	"github.com/godepend/depend/openapi"
)

// snippet openapi-types
// Page is a reusable query: any Input that embeds it reads limit and offset.
type Page struct {
	Limit  int `query:"limit" default:"20" minimum:"1" maximum:"100" description:"How many notes"`
	Offset int `query:"offset" default:"0" minimum:"0"`
}

// Account is the caller. Its provider reads the Authorization header.
type Account struct{ Name string }

// end snippet

type exampleNote struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

type exampleList struct {
	Page
}

func exampleAccount(r *http.Request) (*Account, error) {
	if r.Header.Get("Authorization") == "" {
		return nil, &depend.HTTPError{Status: http.StatusUnauthorized, Err: errors.New("no token")}
	}
	return &Account{Name: "ada"}, nil
}

func exampleListNotes(exampleList, *Account) ([]exampleNote, error) { return nil, nil }

// ExampleNew documents one route whose inputs and security come from its
// dependencies: the query from an Input, the bearer scheme and the 401 from
// the provider of *Account, which the handler takes.
func ExampleNew() {
	c := depend.New()
	// snippet openapi-provide
	c.Provide(exampleAccount,
		openapi.Security("bearer", openapi.Bearer()),
		openapi.Fails(http.StatusUnauthorized, "no or unknown bearer token"))
	c.Provide(depend.Input[exampleList]())
	// end snippet

	// snippet openapi-handle
	mux := http.NewServeMux()
	c.Handle(mux, "GET /notes", exampleListNotes, openapi.Tags("notes"))

	doc, err := openapi.New(c, openapi.Info{Title: "Notes", Version: "1.0.0"})
	if err != nil {
		log.Fatal(err) // a route that cannot be described, with its pattern
	}
	spec, err := doc.Handler()
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("GET /openapi.json", spec)
	mux.Handle("GET /docs", openapi.Docs("/openapi.json", openapi.DocsOptions{Title: "Notes"}))
	// end snippet

	op := doc.Paths["/notes"]["get"]
	fmt.Println(op.OperationID, "-", op.Summary)
	for _, p := range op.Parameters {
		fmt.Printf("%s %s: minimum %s, default %v, %q\n", p.In, p.Name, p.Schema.Minimum, p.Schema.Default, p.Description)
	}
	for _, code := range []string{"200", "401", "422"} {
		fmt.Println(code, op.Responses[code].Description)
	}
	fmt.Println(op.Security)
	// Output:
	// exampleListNotes - Example list notes
	// query limit: minimum 1, default 20, "How many notes"
	// query offset: minimum 0, default 0, ""
	// 200 OK
	// 401 no or unknown bearer token
	// 422 The request's inputs are invalid; errors lists each one
	// [map[bearer:[]]]
}
