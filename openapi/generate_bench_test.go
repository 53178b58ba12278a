package openapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/godepend/depend"
	"github.com/godepend/depend/openapi"
)

// BenchmarkNew100Routes measures New for 100 routes over the notes
// graph: what an application pays once, at startup.
func BenchmarkNew100Routes(b *testing.B) {
	c := depend.New()
	for _, err := range []error{
		c.Provide(authenticate, openapi.Security("bearer", openapi.Bearer()), openapi.Fails(401, "no token")),
		c.Provide(tenantOf),
		c.Provide(depend.Input[ListNotes]()),
		c.Provide(depend.Input[NewNote]()),
		c.Provide(depend.Input[NoteID]()),
		c.Provide(depend.Input[Tenant]()),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	for i := range 25 {
		c.Handle(mux, fmt.Sprintf("GET /r%d/notes", i), listNotes)
		c.Handle(mux, fmt.Sprintf("POST /r%d/notes", i), addNote, openapi.Status(201))
		c.Handle(mux, fmt.Sprintf("GET /r%d/notes/{id}", i), getNote)
		c.Handle(mux, fmt.Sprintf("DELETE /r%d/notes/{id}", i), deleteNote)
	}
	info := openapi.Info{Title: "bench", Version: "1"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := openapi.New(c, info); err != nil {
			b.Fatal(err)
		}
	}
}
