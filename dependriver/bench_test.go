package dependriver_test

import (
	"context"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/godepend/depend"
	"github.com/godepend/depend/dependriver"
)

type jobID int64

// BenchmarkWork measures what a Worker adds to an attempt, River aside:
// opening and closing the Scope, resolving a value built from the JobRow,
// and calling fn with the job, against Kind.Run and Invoke by hand.
func BenchmarkWork(b *testing.B) {
	c := depend.New()
	k := dependriver.Kind(c)
	if err := c.Provide(func(row *rivertype.JobRow) jobID { return jobID(row.ID) }); err != nil {
		b.Fatal(err)
	}
	job := &river.Job[Plain]{JobRow: &rivertype.JobRow{ID: 1}, Args: Plain{N: 1}}
	ctx := context.Background()
	b.Run("Worker, fn takes the job", func(b *testing.B) {
		w := dependriver.Worker[Plain](k, func(ctx context.Context, job *river.Job[Plain], id jobID) error { return nil })
		b.ReportAllocs()
		for b.Loop() {
			if err := w.Work(ctx, job); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Worker, fn takes no job", func(b *testing.B) {
		w := dependriver.Worker[Plain](k, func(ctx context.Context, id jobID) error { return nil })
		b.ReportAllocs()
		for b.Loop() {
			if err := w.Work(ctx, job); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Kind.Run and Invoke by hand", func(b *testing.B) {
		fn := func(ctx context.Context, id jobID) error { return nil }
		b.ReportAllocs()
		for b.Loop() {
			err := k.Run(ctx, func(ctx context.Context) error {
				s, _ := depend.ScopeFrom(ctx)
				return s.Invoke(fn)
			}, depend.With(job.JobRow))
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
