package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"tillroll/store"
)

// Outbox is what the relay needs of the store: the jobs that the upload's
// transaction recorded (the transactional outbox) and whether each has
// been published.
type Outbox interface {
	UnpublishedOCRJobs(limit int) ([]store.Job, error)
	MarkOCRJobsPublished([]store.Job) error
	OCRJobs() ([]store.Job, error)
	UnmarkOCRJobPublished(id uint64) error
}

// RelayOptions configures Relay.
type RelayOptions struct {
	// Describe makes the message of a job's next attempt (its DocID and
	// Attempt are set already); store.ErrNotFound skips the job (its
	// document was deleted).
	Describe func(j store.Job, m *JobMessage) error
	// Original is the path of a document's stored file: with a worker
	// listener, the relay puts it in BucketOriginals before it publishes
	// the job, so a remote worker can read it.
	Original func(docID uint64) (string, error)
	// Poll is how often the relay looks for due jobs without a Kick
	// (retries become due with time). Default one second.
	Poll time.Duration
	// Reconcile is how often Reconcile runs besides at start. Default one
	// minute.
	Reconcile time.Duration
}

const relayBatch = 256

// Relay publishes the store's unpublished jobs until ctx ends: when
// kicked, every Poll, and after each Reconcile (every opt.Reconcile).
func (q *Queue) Relay(ctx context.Context, ob Outbox, opt RelayOptions) error {
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.Reconcile <= 0 {
		opt.Reconcile = time.Minute
	}
	reconcile := time.NewTicker(opt.Reconcile)
	defer reconcile.Stop()
	for {
		for {
			n, err := q.relayOnce(ctx, ob, opt)
			if err != nil && ctx.Err() == nil {
				q.log.Error("publish OCR jobs", "err", err)
			}
			if err != nil || n < relayBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case id := <-q.forget:
			q.deleteOriginal(ctx, id)
		case <-q.kick:
		case <-time.After(opt.Poll):
		case <-reconcile.C:
			if n, err := q.Reconcile(ctx, ob); err != nil && ctx.Err() == nil {
				q.log.Error("reconcile OCR jobs", "err", err)
			} else if n > 0 {
				q.log.Warn("OCR jobs missing from the queue publish again", "count", n)
			}
		}
	}
}

// relayOnce publishes one batch and marks what was published; a job
// published but not marked (a crash in between) is published again and
// dropped by JetStream as a duplicate.
func (q *Queue) relayOnce(ctx context.Context, ob Outbox, opt RelayOptions) (int, error) {
	jobs, err := ob.UnpublishedOCRJobs(relayBatch)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	done := jobs[:0:0]
	var perr error
	for _, j := range jobs {
		m := JobMessage{DocID: j.DocID, Attempt: j.Attempts + 1}
		if opt.Describe != nil {
			if err := opt.Describe(j, &m); errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				perr = err
				break
			}
		}
		if q.obs != nil && opt.Original != nil {
			if err := q.putOriginal(ctx, j.DocID, opt.Original); errors.Is(err, os.ErrNotExist) || errors.Is(err, store.ErrNotFound) {
				continue // deleted meanwhile
			} else if err != nil {
				perr = err
				break
			}
		}
		if err := q.Publish(ctx, m); err != nil {
			perr = err
			break
		}
		done = append(done, j)
	}
	if len(done) > 0 {
		if err := ob.MarkOCRJobsPublished(done); err != nil {
			return 0, fmt.Errorf("mark jobs published: %w", err)
		}
	}
	return len(jobs), perr
}

// Reconcile finds the queued jobs that the store says were published but
// the stream does not hold (a JetStream folder lost or restored from an
// older backup) and marks them unpublished, so the relay publishes them
// again: the bbolt file alone rebuilds the queue. It returns how many.
func (q *Queue) Reconcile(ctx context.Context, ob Outbox) (int, error) {
	jobs, err := ob.OCRJobs()
	if err != nil {
		return 0, fmt.Errorf("list jobs: %w", err)
	}
	n := 0
	for _, j := range jobs {
		if j.State != store.JobQueued || j.Published <= j.Attempts {
			continue
		}
		held, err := q.Holds(ctx, j.DocID)
		if err != nil {
			return n, err
		}
		if held {
			continue
		}
		if err := ob.UnmarkOCRJobPublished(j.DocID); err != nil {
			return n, fmt.Errorf("job %d: %w", j.DocID, err)
		}
		n++
	}
	if n > 0 {
		q.Kick()
	}
	if q.obs != nil {
		q.pruneOriginals(ctx, jobs)
	}
	return n, nil
}

// putOriginal copies a document's stored file into BucketOriginals (a
// second put of the same document replaces the first).
func (q *Queue) putOriginal(ctx context.Context, docID uint64, path func(uint64) (string, error)) error {
	p, err := path(docID)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("original of document %d: %w", docID, err)
	}
	defer f.Close()
	if _, err := q.obs.Put(ctx, jetstream.ObjectMeta{Name: objectName(docID)}, f); err != nil {
		return fmt.Errorf("put original of document %d: %w", docID, err)
	}
	return nil
}

// Forget says document id is finished: its original can leave the bucket.
// It never blocks; one missed is removed by the next Reconcile.
func (q *Queue) Forget(id uint64) {
	if q.obs == nil {
		return
	}
	select {
	case q.forget <- id:
	default:
	}
}

func (q *Queue) deleteOriginal(ctx context.Context, id uint64) {
	if err := q.obs.Delete(ctx, objectName(id)); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) && ctx.Err() == nil {
		q.log.Warn("delete original from the bucket", "doc", id, "err", err)
	}
}

// pruneOriginals deletes the originals of documents with no job left.
func (q *Queue) pruneOriginals(ctx context.Context, jobs []store.Job) {
	open := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		open[objectName(j.DocID)] = true
	}
	list, err := q.obs.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return
	}
	if err != nil {
		q.log.Warn("list originals", "err", err)
		return
	}
	for _, o := range list {
		if !open[o.Name] {
			if err := q.obs.Delete(ctx, o.Name); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
				q.log.Warn("delete original from the bucket", "name", o.Name, "err", err)
			}
		}
	}
}

func objectName(id uint64) string { return strconv.FormatUint(id, 10) }
