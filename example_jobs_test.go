package depend_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/godepend/depend"
)

// Email is a job of the example's hand-written queue: its Scopes are given
// it, as HTTP's are given the request.
type Email struct {
	ID int64
	To string
}

// Outbox collects a job's mail; its cleanup sends it or drops it as the job
// ended, like a transaction.
type Outbox struct{ mail []string }

// Kind.Run is the unit of work of any queue or worker loop: one Scope per
// job, given the job, ended with the job's outcome.
func ExampleKind_Run_workerLoop() {
	ctx := context.Background()
	// snippet jobs-kind-run
	c := depend.New()
	k := c.Kind("email", depend.Supplies[*Email]())
	// One Outbox per job: sent if the job succeeds, dropped if it fails or
	// panics, before Run returns the outcome.
	c.Provide(func(job *Email) (*Outbox, func(error) error) {
		o := &Outbox{}
		return o, func(cause error) error {
			if cause != nil {
				fmt.Printf("job %d: outbox dropped\n", job.ID)
				return nil
			}
			fmt.Printf("job %d: outbox sent %q\n", job.ID, o.mail)
			return nil
		}
	}, depend.BeforeResponse)

	send := func(job *Email, o *Outbox) error {
		switch job.To {
		case "":
			return errors.New("no address")
		case "crash":
			panic("mailer crashed")
		}
		o.mail = append(o.mail, "receipt to "+job.To)
		return nil
	}
	// At startup: send's dependencies, checked against what jobs supply.
	if err := k.Check(send); err != nil {
		log.Fatal(err)
	}

	queue := []*Email{{ID: 1, To: "ada@example.com"}, {ID: 2}, {ID: 3, To: "crash"}}
	for _, job := range queue {
		err := k.Run(ctx, func(ctx context.Context) error {
			s, _ := depend.ScopeFrom(ctx)
			return s.Invoke(send)
		}, depend.With(job))
		fmt.Printf("job %d: %v\n", job.ID, err) // ack, retry or dead-letter it
	}
	// end snippet

	// Output:
	// job 1: outbox sent ["receipt to ada@example.com"]
	// job 1: <nil>
	// job 2: outbox dropped
	// job 2: no address
	// job 3: outbox dropped
	// job 3: depend: panic: mailer crashed
}
