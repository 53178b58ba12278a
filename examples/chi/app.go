// Package chiexample is the chi recipe of the guide: depend's Middleware,
// Handler and Group on a github.com/go-chi/chi/v5 router. Its tests prove
// what the recipe claims, with a real chi router and httptest.
package chiexample

import (
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/godepend/depend"
)

// Trace is one request's record. Its provider is Scoped, so a request builds
// it once; middleware code and the handler share it.
type Trace struct {
	Seq int64 // which build this is: the provider's call count
}

// TaskID is the {id} of /tasks/{id}, parsed: a positive integer.
type TaskID int

// Task is one task of the Store.
type Task struct {
	ID    TaskID `json:"id"`
	Title string `json:"title"`
}

// Store holds the tasks. It is a Singleton, safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	tasks map[TaskID]Task
}

// User is the caller, from the bearer token.
type User struct {
	Name string `json:"name"`
}

// Options configure the app.
type Options struct {
	Tokens map[string]string // bearer token -> user name
	Tasks  []Task            // the Store's first tasks
	Files  fs.FS             // served under /files/ to authenticated callers
}

// App is the chi router and the Container behind it.
type App struct {
	http.Handler
	c *depend.Container

	traces    atomic.Int64 // Trace provider calls
	protected atomic.Int64 // runs of the handlers behind the auth Group
}

// Close releases the Container's Singletons.
func (a *App) Close() error { return a.c.Close() }

// NewApp wires the providers and the chi routes. A wiring mistake panics
// here, at startup, as chi does for a bad pattern.
func NewApp(o Options) (*App, error) {
	a := &App{c: depend.New()}
	c := a.c
	st := &Store{tasks: make(map[TaskID]Task)}
	for _, t := range o.Tasks {
		st.tasks[t.ID] = t
	}
	for _, p := range []struct {
		fn   any
		opts []depend.Option
	}{
		{func() *Store { return st }, []depend.Option{depend.Singleton}},
		{func() *Trace { return &Trace{Seq: a.traces.Add(1)} }, nil},
		{taskIDFromURL, nil},
		{loadTask, nil},
		{authenticate(o.Tokens), nil},
		{depend.Input[TaskRef](), nil},
	} {
		if err := c.Provide(p.fn, p.opts...); err != nil {
			return nil, err
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	// The path:"..." fields of an Input read chi's URL parameters.
	c.SetHTTPOptions(depend.HTTPOptions{PathValue: chi.URLParam})
	// snippet chi-router
	api := c.Group(depend.Require[*User]()) // every route of api needs a caller

	r := chi.NewRouter()
	r.Use(c.Middleware)         // first: one Scope for the whole request
	r.Use(middleware.RequestID) // chi's middlewares after it, inside that Scope
	r.Use(traceHeader)          // resolves *Trace; the handler gets the same one

	// A per-route chi middleware with r.With; the route is public.
	r.With(middleware.SetHeader("Cache-Control", "max-age=60")).
		Method(http.MethodGet, "/tasks/{id}", c.Handler(getTask))

	// The auth Group: a request without a valid token gets 401 and no
	// handler below runs.
	r.Group(func(r chi.Router) {
		r.Use(api.Middleware)
		r.Method(http.MethodGet, "/me", c.Handler(a.me))
		r.Method(http.MethodDelete, "/tasks/{id}", c.Handler(a.deleteTask))
	})

	// Group.Middleware protects handlers that know nothing of depend.
	files := http.StripPrefix("/files/", http.FileServerFS(o.Files))
	r.With(api.Middleware).Handle("/files/*", files)
	r.With(api.Middleware).Get("/stats", a.stats)
	// end snippet

	// The same task, its id bound by an Input instead of taskIDFromURL.
	r.Method(http.MethodGet, "/v2/tasks/{id}", c.Handler(getTaskByRef))

	a.Handler = r
	return a, nil
}

// snippet chi-scopefrom-middleware
// traceHeader is chi middleware code that uses the request's Scope: it
// finds it with ScopeFrom, so it must run inside c.Middleware.
func traceHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := depend.ScopeFrom(r.Context())
		if !ok {
			http.Error(w, "traceHeader must run inside c.Middleware", http.StatusInternalServerError)
			return
		}
		t, err := depend.Resolve[*Trace](s)
		if err != nil {
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		w.Header().Set("X-Trace", strconv.FormatInt(t.Seq, 10))
		next.ServeHTTP(w, r)
	})
}

// end snippet

// snippet chi-urlparam-provider
// taskIDFromURL reads chi's {id}. Under a Handler, r is the handler's own
// request, so chi.URLParam sees the route chi matched.
func taskIDFromURL(r *http.Request) (TaskID, error) {
	id, err := strconv.Atoi(chi.URLParam(r, "id"))
	if err != nil || id <= 0 {
		return 0, &depend.HTTPError{Status: http.StatusBadRequest, Message: "task id must be a positive integer"}
	}
	return TaskID(id), nil
}

// loadTask answers 404 for an id the Store does not hold.
func loadTask(id TaskID, st *Store) (Task, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	t, ok := st.tasks[id]
	if !ok {
		return Task{}, &depend.HTTPError{Status: http.StatusNotFound, Message: fmt.Sprintf("no task %d", id)}
	}
	return t, nil
}

// end snippet

// TaskRef is the {id} of /v2/tasks/{id}, as a depend.Input: depend parses
// and checks it before any provider runs, and a bad id is a 422 whose
// errors name path.id. It reads chi's {id} through HTTPOptions.PathValue,
// set to chi.URLParam in NewApp. (chi v5.5.0 also copies its parameters
// into r.PathValue, the default, but URLParam is chi's own accessor.)
type TaskRef struct {
	ID TaskID `path:"id" minimum:"1"`
}

// getTaskByRef answers GET /v2/tasks/{id}: 404 for an id the Store does
// not hold.
func getTaskByRef(ref TaskRef, st *Store, tr *Trace) (TaskView, error) {
	t, err := loadTask(ref.ID, st)
	if err != nil {
		return TaskView{}, err
	}
	return TaskView{Task: t, Trace: tr.Seq}, nil
}

// authenticate returns the provider of the caller: a 401 with
// WWW-Authenticate unless the bearer token is known.
func authenticate(tokens map[string]string) func(*http.Request) (*User, error) {
	return func(r *http.Request) (*User, error) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		name, known := tokens[token]
		if !ok || !known {
			return nil, &depend.HTTPError{
				Status: http.StatusUnauthorized,
				Header: http.Header{"Www-Authenticate": {`Bearer realm="tasks"`}},
			}
		}
		return &User{Name: name}, nil
	}
}

// TaskView is what GET /tasks/{id} answers: the task and the request's
// trace, to show which Trace the handler got.
type TaskView struct {
	Task
	Trace int64 `json:"trace"`
}

func getTask(t Task, tr *Trace) TaskView { return TaskView{Task: t, Trace: tr.Seq} }

func (a *App) me(u *User, tr *Trace) map[string]any {
	a.protected.Add(1)
	return map[string]any{"name": u.Name, "trace": tr.Seq}
}

func (a *App) deleteTask(w http.ResponseWriter, id TaskID, st *Store) error {
	a.protected.Add(1)
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.tasks[id]; !ok {
		return &depend.HTTPError{Status: http.StatusNotFound, Message: fmt.Sprintf("no task %d", id)}
	}
	delete(st.tasks, id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// stats is a plain chi handler: it knows nothing of depend.
func (a *App) stats(w http.ResponseWriter, r *http.Request) {
	a.protected.Add(1)
	fmt.Fprintf(w, "traces %d\n", a.traces.Load())
}
