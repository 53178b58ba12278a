package depend

import "fmt"

// Code in this file decides when a cleanup runs: at the end of the request
// (the default), or when the handler has returned and before the response
// is written, so that a commit that fails can still fail the response.

// Teardown says when the cleanup of a provider's value runs. A Teardown is
// an Option: pass BeforeResponse to Provide. Teardowns are constants and safe
// for concurrent use.
type Teardown uint8

const (
	// AfterResponse is the default: the cleanup runs when the Scope
	// closes, for an HTTP request after the response has been written. Its
	// error is reported, never sent. FastAPI's Depends(scope="request").
	AfterResponse Teardown = iota
	// BeforeResponse runs the cleanup as soon as the handler has returned
	// (with its group's requirements), before anything is written: FastAPI's
	// Depends(scope="function"). The cleanup learns the handler's error,
	// and an error it returns becomes the response, with its StatusCode()
	// or a 500, and the cause that the cleanups run later learn. A
	// transaction that commits in such a cleanup therefore never answers
	// 2xx for a commit that failed. If the handler wrote the response
	// itself, the status cannot change: the error is reported instead.
	// Outside Handler and Middleware, Scope.Finish runs these cleanups, or
	// Close does, newest first with the others.
	BeforeResponse
)

// String returns the teardown's name as used in messages. It is safe for
// concurrent use.
func (t Teardown) String() string {
	switch t {
	case AfterResponse:
		return "after-response"
	case BeforeResponse:
		return "before-response"
	}
	return fmt.Sprintf("Teardown(%d)", uint8(t))
}

func (t Teardown) apply(o *options) error {
	if t > BeforeResponse {
		return fmt.Errorf("%v is not a teardown; pass AfterResponse or BeforeResponse: %w", t, ErrBadProvider)
	}
	return setOnce(&o.teardown, &o.teardownSet, t, "teardown")
}

// checkTeardown refuses a BeforeResponse that could never run before a
// response.
func (p *provider) checkTeardown() error {
	if p.teardown != BeforeResponse {
		return nil
	}
	switch {
	case p.cleanup == nil:
		return fmt.Errorf("BeforeResponse: the provider returns no cleanup, so nothing would run before the response; return one, such as func(error) error, or drop the option: %w", ErrBadProvider)
	case p.life == Singleton:
		return fmt.Errorf("BeforeResponse: a Singleton's cleanup runs at Container.Close, not per request; drop one of the two options: %w", ErrBadProvider)
	}
	return nil
}

// Finish ends the handler's part of a request: it runs the cleanups of the
// BeforeResponse values built so far in s, newest first, and returns their
// errors joined. A non-nil cause becomes the Scope's cause, as with
// CloseWithError, whether or not there are BeforeResponse values; cleanups
// that take an error receive the Scope's cause. An error among them becomes
// the cause unless one was recorded already, so the cleanups that Close
// runs learn it and a later transaction rolls back.
//
// Handler and Middleware call Finish when the handler returns, before the
// response is written. Call it yourself in a Scope you opened, where the
// outcome is decided and before it is reported: before acknowledging a job,
// before a gRPC handler returns. Each cleanup runs once: a second Finish
// runs only the BeforeResponse values built since, and Close runs those
// Finish did not, after waiting for a Finish in flight. Finish is safe for
// concurrent use; on a closed or nil Scope it returns ErrScopeClosed.
func (s *Scope) Finish(cause error) error {
	if err := s.enter(); err != nil {
		return publicError(err)
	}
	defer s.leave()
	return s.finish(cause)
}

// finish is Finish for a caller that has entered s. A Scope without
// BeforeResponse values pays one atomic load.
func (s *Scope) finish(cause error) error {
	if cause != nil { // recorded whether or not a BeforeResponse value exists
		s.mu.Lock()
		s.cause = cause
		s.mu.Unlock()
	}
	if s.table.early.Load() == 0 {
		return nil
	}
	s.mu.Lock()
	due, done := s.takeEarly()
	cause = s.cause
	s.mu.Unlock()
	if done == nil {
		return nil
	}
	var err error
	returned := false
	defer func() { // also when a cleanup calls runtime.Goexit
		if !returned {
			err = errCleanupGoexit
		}
		s.mu.Lock()
		if err != nil && s.cause == nil {
			s.cause = err
		}
		s.table.finishing = nil
		s.mu.Unlock()
		close(done) // Close may run the older cleanups now
	}()
	err = runCleanups(due, cause)
	returned = true
	return err
}

// takeEarly takes the BeforeResponse cleanups not run yet, once no other
// Finish is running its own, and marks s as finishing until the caller
// closes done. It returns a nil done when there is nothing to run or the
// Scope is closed. The caller holds s.mu; takeEarly may release it while
// it waits.
func (s *Scope) takeEarly() (due []cleanup, done chan struct{}) {
	for s.table.finishing != nil { // one Finish at a time, so that newest first holds
		wait := s.table.finishing
		s.mu.Unlock()
		<-wait
		s.mu.Lock()
	}
	if s.closing() { // Close has taken every cleanup
		return nil, nil
	}
	t := s.table
	for i := range t.cleanups {
		if cl := &t.cleanups[i]; cl.early && cl.fn != nil {
			due = append(due, *cl)
			cl.fn = nil // taken: Close skips it
		}
	}
	if due == nil {
		return nil, nil
	}
	t.early.Add(-int32(len(due)))
	t.finishing = make(chan struct{})
	return due, t.finishing
}
