package dependriver

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"

	"github.com/godepend/depend"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// kindName names the kind in depend's messages.
const kindName = "river"

// Kind declares on c the kind of Scope "river", in which each attempt of a
// job runs: its Scopes are given the job's *rivertype.JobRow, so providers
// can take it (to log the job's ID, or to key work by its attempt). opts
// add to the declaration, such as depend.ReportTo for the errors of the
// cleanups that run after the attempt's outcome is decided; Worker gives
// its Scopes the JobRow and nothing else, so do not pass depend.Supplies.
//
// Call Kind once per Container, before it is sealed (before the first
// NewScope, Handler or Check), as Provide is called. A failed declaration
// is kept: Validate reports it, and every Worker of the Kind panics with
// it. Kind is safe for concurrent use.
func Kind(c *depend.Container, opts ...depend.KindOption) *depend.Kind {
	return c.Kind(kindName, append([]depend.KindOption{depend.Supplies[*rivertype.JobRow]()}, opts...)...)
}

// Worker returns the river.Worker[T] that runs fn for each attempt of a job
// of type T, in a new Scope of kind k (made by Kind) opened by k.Run inside
// the worker's Work, so that River's job timeout applies to the Scope's
// context. fn returns an error and takes any parameters: each of type
// *river.Job[T] is given the job, and the others are resolved in the Scope
// like a handler's, context.Context being the Scope's context.
//
// The attempt's outcome is fn's error, returned to River unchanged, so
// river.JobSnooze and river.JobCancel work as in a plain worker. Before it
// is returned, the cleanups of the BeforeResponse values learn it: a
// per-job transaction commits on success and rolls back on failure, and a
// failed commit fails the attempt. A panic in fn or a provider fails the
// attempt with a *depend.PanicError, which keeps the stack (River records
// it as an error, without a trace; errors.As finds it in River's
// ErrorHandler). Each attempt,
// retries included, gets a fresh Scope.
//
// Worker checks fn when it is called, as depend's Handler checks a handler:
// it panics with an error naming fn if fn is not such a func or if its
// dependencies are wrong (a missing provider, a cycle, or an input that the
// kind does not supply, such as *http.Request: depend.ErrNotSupplied, with
// the path to it). It seals k's Container. Worker is safe for concurrent
// use, and so is the worker it returns. To give the worker River's options
// (Timeout, NextRetry), embed it in a struct that defines them.
func Worker[T river.JobArgs](k *depend.Kind, fn any) river.Worker[T] {
	w, err := newWorker[T](k, fn)
	if err != nil {
		panic(err)
	}
	return w
}

// worker is a compiled Worker.
type worker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	k     *depend.Kind
	fn    reflect.Value
	deps  reflect.Type // fn without its *river.Job[T] parameters: what the Scope resolves
	jobAt []bool       // which of fn's parameters is the job
	plain bool         // fn takes no job, so the Scope invokes fn itself
}

func newWorker[T river.JobArgs](k *depend.Kind, fn any) (*worker[T], error) {
	jobType := reflect.TypeFor[*river.Job[T]]()
	name := fmt.Sprintf("dependriver.Worker[%v]", reflect.TypeFor[T]())
	if k == nil {
		return nil, fmt.Errorf("%s: nil *depend.Kind; make it with dependriver.Kind: %w", name, depend.ErrBadProvider)
	}
	v := reflect.ValueOf(fn)
	t := reflect.TypeOf(fn)
	if t == nil || t.Kind() != reflect.Func || v.IsNil() {
		return nil, fmt.Errorf("%s: fn is %T, want a func(context.Context, %v, dependencies...) error: %w", name, fn, jobType, depend.ErrBadProvider)
	}
	name += " " + funcName(v)
	if t.IsVariadic() || t.NumOut() != 1 || t.Out(0) != reflect.TypeFor[error]() {
		return nil, fmt.Errorf("%s: fn is %v, want a func that returns just an error (the attempt's outcome), and is not variadic: %w", name, t, depend.ErrBadProvider)
	}
	w := &worker[T]{k: k, fn: v, jobAt: make([]bool, t.NumIn())}
	var in []reflect.Type
	for i := range t.NumIn() {
		if t.In(i) == jobType {
			w.jobAt[i] = true
			continue
		}
		in = append(in, t.In(i))
	}
	w.plain = len(in) == t.NumIn()
	w.deps = reflect.FuncOf(in, []reflect.Type{t.Out(0)}, false)
	// Check what the Scope resolves: fn's parameters but the job. Check
	// reads only the root's type, and names fn by it; the prefix names fn.
	if err := k.Check(reflect.Zero(w.deps).Interface()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return w, nil
}

// Work runs one attempt of job in a new Scope given job.JobRow.
func (w *worker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	var row *rivertype.JobRow
	if job != nil {
		row = job.JobRow
	}
	return w.k.Run(ctx, func(ctx context.Context) error {
		s, ok := depend.ScopeFrom(ctx)
		if !ok { // Run's context always carries its Scope
			return errNoScope
		}
		if w.plain {
			return s.Invoke(w.fn.Interface())
		}
		return s.Invoke(w.bind(job).Interface())
	}, depend.With(row))
}

var errNoScope = errors.New("dependriver: the unit of work's context carries no Scope")

// bind returns fn with job given, as a func of the dependencies alone.
func (w *worker[T]) bind(job *river.Job[T]) reflect.Value {
	jv := reflect.ValueOf(job)
	return reflect.MakeFunc(w.deps, func(deps []reflect.Value) []reflect.Value {
		args := make([]reflect.Value, len(w.jobAt))
		for i, isJob := range w.jobAt {
			if isJob {
				args[i] = jv
				continue
			}
			args[i], deps = deps[0], deps[1:]
		}
		return w.fn.Call(args)
	})
}

// funcName names a func for messages: its name and where it is declared.
func funcName(fn reflect.Value) string {
	f := runtime.FuncForPC(fn.Pointer())
	if f == nil {
		return fn.Type().String()
	}
	file, line := f.FileLine(fn.Pointer())
	return fmt.Sprintf("%s (%s:%d)", f.Name(), file, line)
}
