// This package is the application of docs/guide.md's "A full handler
// test", and users_test.go is its test: the guide shows both files whole,
// between the snippet markers, and TestDocSnippets keeps them equal.

// snippet guide-users-app
package users

import (
	"context"
	"errors"
	"net/http"

	"github.com/godepend/depend"
)

type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Store is what handlers need from the database.
type Store interface {
	User(ctx context.Context, id string) (*User, error)
}

// PgStore is the real Store; it would hold a *sql.DB.
type PgStore struct{}

func OpenPgStore() (*PgStore, func() error, error) {
	return nil, nil, errors.New("no database in this example")
}

func (*PgStore) User(ctx context.Context, id string) (*User, error) { return nil, nil }

// NewContainer registers the application's providers.
func NewContainer() *depend.Container {
	c := depend.New()
	c.Provide(OpenPgStore, depend.Singleton, depend.As[Store]())
	return c
}

func GetUser(r *http.Request, st Store) (*User, error) {
	u, err := st.User(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, &depend.HTTPError{Status: http.StatusNotFound, Message: "no such user"}
	}
	return u, nil
}

// Routes builds the application's handlers on c; tests pass a fork.
func Routes(c *depend.Container) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", c.Handler(GetUser))
	return mux
}

// end snippet
