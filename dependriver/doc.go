// Package dependriver runs River jobs (github.com/riverqueue/river) in
// depend Scopes: each attempt of a job is one unit of work, run by
// depend's Kind.Run in a Scope of its own that is given the job's
// *rivertype.JobRow, so its providers (a transaction, a logger that names
// the job) are built once per attempt and cleaned up when it ends.
//
// Declare the kind with Kind before the Container is sealed, and wrap each
// worker func with Worker:
//
//	k := dependriver.Kind(c)
//	river.AddWorker(workers, dependriver.Worker[SendArgs](k,
//		func(ctx context.Context, job *river.Job[SendArgs], tx *sql.Tx) error { ... }))
//
// Worker checks the func's dependencies against what the kind supplies
// when it is called, and panics on a wiring mistake, as depend's Handler
// does. The Scope is opened inside the worker's Work method, so River's job
// timeout applies to the Scope's context and to every provider that takes
// it. A BeforeResponse provider's cleanup learns the attempt's outcome
// before River records it: a per-job *sql.Tx commits when the worker
// succeeds and rolls back when it fails or panics, and a commit that fails
// fails the attempt. River's own errors (river.JobSnooze, river.JobCancel)
// reach River unchanged.
package dependriver
