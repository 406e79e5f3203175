package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JobMessage is a job's message body: what any worker needs to read the
// document besides the original itself.
type JobMessage struct {
	DocID   uint64 `json:"doc_id"`
	Attempt int    `json:"attempt"`
	// Token proves a result was sent by a worker given this job.
	Token string `json:"token"`
	// Digest is the original's SHA-256 in hex: a worker checks what it
	// fetched from BucketOriginals against it.
	Digest string `json:"digest,omitempty"`
	// Want is how to read the document (pipeline.Want, as JSON).
	Want json.RawMessage `json:"want,omitempty"`
}

// JobSubject is the subject of a document's jobs.
func JobSubject(docID uint64) string { return SubjectJobPrefix + strconv.FormatUint(docID, 10) }

// Publish puts a job in the stream, with its token, and waits for
// JetStream to have stored it (fsynced). Publishing the same document and
// attempt again is dropped as a duplicate.
func (q *Queue) Publish(ctx context.Context, m JobMessage) error {
	m.Token = Token(q.secret, m.DocID, m.Attempt)
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("job %d: %w", m.DocID, err)
	}
	if _, err := q.js.Publish(ctx, JobSubject(m.DocID), body, jetstream.WithMsgID(msgID(m.DocID, m.Attempt))); err != nil {
		return fmt.Errorf("publish job %d: %w", m.DocID, err)
	}
	return nil
}

// Holds says whether the stream holds any message of the document's.
func (q *Queue) Holds(ctx context.Context, docID uint64) (bool, error) {
	_, err := q.jobs.GetLastMsgForSubject(ctx, JobSubject(docID))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("look up job %d: %w", docID, err)
	}
}

// Delivery is one job handed to a worker. Ack only once its outcome is
// recorded; InProgress while reading keeps it from being delivered again.
type Delivery struct {
	Job JobMessage
	msg jetstream.Msg
}

// DocID is the delivered job's document.
func (d *Delivery) DocID() uint64 { return d.Job.DocID }

// Redelivered says JetStream handed this job out before without an ack.
func (d *Delivery) Redelivered() bool {
	meta, err := d.msg.Metadata()
	return err == nil && meta.NumDelivered > 1
}

// InProgress tells JetStream the job is still being read.
func (d *Delivery) InProgress() error { return d.msg.InProgress() }

// Ack removes the job from the stream and waits until JetStream confirms
// it (double ack): a job acknowledged is never delivered again.
func (d *Delivery) Ack(ctx context.Context) error { return d.msg.DoubleAck(ctx) }

// Nak hands the job back to be delivered again at once.
func (d *Delivery) Nak() error { return d.msg.Nak() }

// Term drops a job that cannot be read (malformed, or its original gone
// because the document finished): it is not delivered again.
func (d *Delivery) Term() error { return d.msg.Term() }

// Next waits for a job from the ocr consumer until one comes, the wait
// elapses (nil, nil) or ctx ends. A message that is not a job is dropped
// (terminated) with an error logged.
func (q *Queue) Next(ctx context.Context, wait time.Duration) (*Delivery, error) {
	return next(ctx, q.ocr, wait, q.log)
}

// jobFetcher is the consumer a box or a worker machine takes jobs from.
type jobFetcher interface {
	Next(opts ...jetstream.FetchOpt) (jetstream.Msg, error)
}

func next(ctx context.Context, c jobFetcher, wait time.Duration, log interface{ Error(string, ...any) }) (*Delivery, error) {
	fctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	msg, err := c.Next(jetstream.FetchContext(fctx))
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return nil, nil
	default:
		return nil, fmt.Errorf("fetch job: %w", err)
	}
	var m JobMessage
	if err := json.Unmarshal(msg.Data(), &m); err != nil || m.DocID == 0 {
		log.Error("dropped a malformed job message", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return nil, nil
	}
	return &Delivery{Job: m, msg: msg}, nil
}

// Kick wakes the relay: a job was queued.
func (q *Queue) Kick() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}
