package depend

// Code in this file is how a request is answered: HTTPError and the
// HTTPOptions that render and report errors, the JSON encoding of a
// handler's value, and the writer that knows whether the response has
// started, so that no second status is ever written.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"sync"
)

// HTTPError is an error with an HTTP status: FastAPI's HTTPException. When a
// provider or a handler returns it, Handler answers with Status and Message,
// and the handler (or whatever needed the provider) does not run.
//
// Any error whose chain has a StatusCode() int method is treated the same
// way; HTTPError is the ready-made one. A nil *HTTPError returned as an
// error reads as a 500. An HTTPError is safe for concurrent use as long as
// nobody modifies it.
type HTTPError struct {
	Status  int         // the response status, 300 to 599
	Message string      // the response body; clients see it, so keep secrets out. Empty: the status text
	Header  http.Header // added to the response, e.g. WWW-Authenticate for a 401
	Err     error       // the cause, for logs and errors.Is; never sent to the client
}

// Error returns the message the client sees. It is safe for concurrent use.
func (e *HTTPError) Error() string {
	if e == nil { // a typed nil returned as an error: nothing says what failed
		return http.StatusText(http.StatusInternalServerError)
	}
	if e.Message != "" {
		return e.Message
	}
	return http.StatusText(e.Status)
}

// StatusCode returns the response status. It is safe for concurrent use.
func (e *HTTPError) StatusCode() int {
	if e == nil {
		return http.StatusInternalServerError
	}
	return e.Status
}

// Unwrap returns the cause. It is safe for concurrent use.
func (e *HTTPError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// HTTPOptions configures how Handler and Middleware answer a request that
// failed. Set it with Container.SetHTTPOptions before serving. The zero value
// means the defaults. HTTPOptions is a plain value; the funcs it holds must
// be safe for concurrent use.
type HTTPOptions struct {
	// WriteError writes the response for a failed request, for example as
	// application/problem+json (RFC 9457). status and message are what the
	// client may see: the StatusCode() and message of the first error in the
	// chain that has a StatusCode() int method, or 500 and "Internal Server
	// Error" for any other error. err is the whole error, to choose a problem
	// type with errors.Is or errors.As; never send its text, it can hold
	// secrets. The headers of an HTTPError are already set. WriteError is not
	// called once the response has started. Nil means WriteProblem: an
	// application/problem+json body.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, message string, err error)

	// ReportError receives the errors the client does not see in full: those
	// answered with a 5xx status, an error that came after the response had
	// started, and the errors of cleanups. Nil means logging them with
	// slog.Default() at level ERROR.
	ReportError func(r *http.Request, err error)

	// PathValue returns a path parameter for the path:"name" fields of an
	// Input, such as chi.URLParam. Nil means r.PathValue, which
	// http.ServeMux patterns fill.
	PathValue func(r *http.Request, name string) string

	// MaxBodyBytes bounds a body that an Input reads; a larger one answers
	// 413. Zero means 1 MiB.
	MaxBodyBytes int64
}

// SetHTTPOptions sets how Handler and Middleware answer failed requests. It
// is safe for concurrent use, but configure it before serving: a request
// that is already failing may use the previous options.
func (c *Container) SetHTTPOptions(o HTTPOptions) { c.http.Store(&o) }

var defaultHTTPOptions HTTPOptions

func (c *Container) httpOptions() *HTTPOptions {
	if o := c.http.Load(); o != nil {
		return o
	}
	return &defaultHTTPOptions
}

func (o *HTTPOptions) report(r *http.Request, err error) {
	if o.ReportError != nil {
		o.ReportError(r, err)
		return
	}
	slog.Default().ErrorContext(r.Context(), "request failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
}

func (o *HTTPOptions) writeError(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if o.WriteError != nil {
		o.WriteError(w, r, status, msg, err)
		return
	}
	WriteProblem(w, r, status, msg, err)
}

// Problem is an RFC 9457 problem details object, as WriteProblem writes it.
// An InputError adds its Errors.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
}

// WriteProblem is the default HTTPOptions.WriteError: it answers with an
// application/problem+json body (RFC 9457) whose title is the status text
// and whose detail is message, the text the client may see; an
// *InputError in err's chain adds its list of failed inputs as "errors".
// A custom WriteError can call it for the cases it leaves alone. It is safe
// for concurrent use.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, message string, err error) {
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: message}
	var ie *InputError
	if errors.As(err, &ie) {
		p.Detail, p.Errors = "the request's inputs are invalid", ie.Errors
	}
	if p.Detail == p.Title {
		p.Detail = ""
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p) // an error means the client went away
}

type statusCoder interface{ StatusCode() int }

// publicStatus returns the status and the message the client may see for err.
func publicStatus(err error) (int, string) {
	var sc statusCoder
	if errors.As(err, &sc) {
		if code := sc.StatusCode(); code >= 300 && code <= 599 {
			if e, ok := sc.(error); ok {
				return code, e.Error()
			}
		}
	}
	return http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError)
}

// encode encodes fn's result v as the JSON response to send.
func (h *handler) encode(x *exchange, v any) (*jsonBuffer, error) {
	if x.tw != nil && x.tw.wrote {
		return nil, fmt.Errorf("depend: %s wrote the response and also returned a value; do one or the other", h.name)
	}
	return x.s.c.encodeJSON(v)
}

// jsonBuffer holds an encoded response, so that a value that cannot be
// encoded is answered with a 500 rather than a truncated 200, and nothing
// is written before the BeforeResponse cleanups have run.
// Buffers are pooled per Container.
type jsonBuffer struct {
	bytes.Buffer
	enc    *json.Encoder
	status int
	header http.Header // a Response's own headers
	pool   *sync.Pool  // where free returns it
}

func (c *Container) encodeJSON(v any) (*jsonBuffer, error) {
	b, _ := c.jsonBuffers.Get().(*jsonBuffer)
	if b == nil {
		b = &jsonBuffer{pool: &c.jsonBuffers}
		b.enc = json.NewEncoder(&b.Buffer)
	}
	b.status, b.header = http.StatusOK, nil
	if r, ok := v.(responder); ok {
		b.status, b.header, v = r.response()
	} else if sc, ok := v.(statusCoder); ok {
		if code := sc.StatusCode(); code >= 200 && code <= 599 {
			b.status = code
		}
	}
	if !bodyAllowed(b.status) {
		return b, nil
	}
	if err := b.enc.Encode(v); err != nil {
		b.free()
		return nil, fmt.Errorf("depend: encode the handler's %T result as JSON: %w", v, err)
	}
	return b, nil
}

// send writes the response and frees b.
func (b *jsonBuffer) send(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if _, own := b.header["Content-Type"]; bodyAllowed(b.status) && !own {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	if b.status != http.StatusOK { // Write sends 200 by itself
		w.WriteHeader(b.status)
	}
	w.Write(b.Bytes()) // an error means the client went away: nothing to tell it
	b.free()
}

// bodyAllowed reports whether a response of the status may have a body.
func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified
}

// Response is a handler's result with a status and headers of its own,
// without a wrapper type or the http.ResponseWriter: return Response[T]
// instead of T. Body is written as JSON, except for 204 and 304, which
// have none. Created makes the common 201. A Response is a plain value,
// safe for concurrent use as far as T is.
type Response[T any] struct {
	Status int         // the response status, 200 to 599; 0 means 200
	Header http.Header // added to the response, such as Location
	Body   T           // written as JSON
}

// Created returns a 201 Created Response with a Location header, the URL of
// what was created. It is safe for concurrent use.
func Created[T any](location string, body T) Response[T] {
	return Response[T]{Status: http.StatusCreated, Header: http.Header{"Location": {location}}, Body: body}
}

// responder is implemented by every Response[T].
type responder interface {
	response() (status int, header http.Header, body any)
	bodyType() reflect.Type
}

func (Response[T]) bodyType() reflect.Type { return reflect.TypeFor[T]() }

func (r Response[T]) response() (int, http.Header, any) {
	status := r.Status
	if status < 200 || status > 599 {
		status = http.StatusOK
	}
	return status, r.Header, r.Body
}

func (b *jsonBuffer) free() {
	if b.Cap() <= 64<<10 { // let the GC have the rare huge one
		b.Reset()
		b.pool.Put(b)
	}
}

// fail records err as how the request ended and answers it, unless the
// response has already started.
func (x *exchange) fail(err error) {
	x.s.setCause(err)
	o := x.s.c.httpOptions()
	r := x.request()
	if x.tw != nil && x.tw.wrote {
		o.report(r, fmt.Errorf("depend: %s %s: the response had started, so this error was not sent: %w", r.Method, r.URL.Path, err))
		return
	}
	status, msg := publicStatus(err)
	if status >= 500 {
		o.report(r, err)
	}
	var he *HTTPError
	if errors.As(err, &he) && he != nil {
		for k, v := range he.Header {
			x.w.Header()[k] = v
		}
	}
	o.writeError(x.w, r, status, msg, err)
}

// trackWriter remembers whether the response has started, so that an error
// after that is not answered with a second status. It passes Flush, Hijack
// and ReadFrom through, and http.ResponseController finds the writer it wraps
// with Unwrap.
type trackWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *trackWriter) WriteHeader(code int) {
	if code < 100 || code > 199 || code == http.StatusSwitchingProtocols { // 1xx, but 101, are informational
		w.wrote = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *trackWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *trackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *trackWriter) Flush() {
	w.wrote = true
	_ = http.NewResponseController(w.ResponseWriter).Flush() // http.Flusher has no way to report it
}

func (w *trackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.wrote = true
	}
	return conn, rw, err
}

func (w *trackWriter) ReadFrom(r io.Reader) (int64, error) {
	w.wrote = true
	return io.Copy(w.ResponseWriter, r)
}
