package bench

import (
	"io"
	"net/http"
)

// The HTTP contenders serve the reference request over net/http: the
// request's context carries the request id and the token, as set by
// withRequestValues, and the handler answers "ok".

// withRequestValues is the middleware both HTTP contenders share: it puts
// the request id and the token into the request's context.
func withRequestValues(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(RequestContext(r.Context())))
	})
}

// NewHandHTTP is the hand-wired http.HandlerFunc: it builds the graph by
// hand for each request.
func NewHandHTTP() http.Handler {
	app := NewApp()
	return withRequestValues(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc, audit, user, err := app.Build(r.Context())
		if err == nil {
			err = Handle(svc, audit, user)
		}
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	}))
}

// NewDependHTTP is the same handler served by depend's Container.Handler,
// with the providers registered by plain Provide.
func NewDependHTTP() http.Handler {
	d := NewDependPlain()
	return withRequestValues(d.C.Handler(func(w http.ResponseWriter, svc *Service, audit *Audit, user *User) error {
		if err := Handle(svc, audit, user); err != nil {
			return err
		}
		_, err := io.WriteString(w, "ok\n")
		return err
	}))
}
