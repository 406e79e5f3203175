package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Member is a worker machine's connection to a box's queue: it takes jobs
// from the shared consumer, reads originals from the bucket and publishes
// results, with nothing but a worker's permissions.
type Member struct {
	Name string
	nc   *nats.Conn
	js   jetstream.JetStream
	ocr  jetstream.Consumer
	log  *slog.Logger
	// closed is closed when the connection is given up for good.
	closed chan struct{}
}

// Join connects to the box at joinURL (c.URL when empty) as worker c.
func Join(ctx context.Context, c Creds, joinURL string, log *slog.Logger) (*Member, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	closed := make(chan struct{})
	nc, err := connectRetrying(ctx, c, joinURL, log, nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		// Reconnects go on forever, except when the box refuses the
		// worker's key twice in a row (it was revoked): then the
		// connection closes and the worker must stop, not poll a closed
		// connection.
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected from the box", "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("reconnected to the box") }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Error("queue error", "err", err)
		}))
	if err != nil {
		return nil, err
	}
	m := &Member{Name: c.Name, nc: nc, log: log, closed: closed}
	if m.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if m.ocr, err = m.js.Consumer(ctx, StreamJobs, ConsumerOCR); err != nil {
		nc.Close()
		return nil, fmt.Errorf("the box's job consumer: %w", err)
	}
	return m, nil
}

// refusedFor is how long a worker keeps trying when the box refuses its
// credentials at the first connection. The box reads its worker list every
// two seconds (WatchWorkers), so a worker started at once after
// `tillroll worker-creds create` would otherwise be refused and stop.
var refusedFor = 10 * time.Second

// connectRetrying connects as c, trying again once a second while the box
// refuses the credentials, for at most refusedFor. Any other error, and a
// refusal that lasts, is returned as it is.
func connectRetrying(ctx context.Context, c Creds, joinURL string, log *slog.Logger, opts ...nats.Option) (*nats.Conn, error) {
	give := time.Now().Add(refusedFor)
	for {
		nc, err := c.Connect(joinURL, opts...)
		if !errors.Is(err, ErrRefused) || time.Now().After(give) {
			return nc, err
		}
		log.Warn("the box refused this worker; trying again while it reads its worker list", "err", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", err, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// Close disconnects.
func (m *Member) Close() { m.nc.Close() }

// Closed is closed when the connection is closed for good: by Close, or by
// the box refusing this worker's credentials on a reconnect (revoked).
func (m *Member) Closed() <-chan struct{} { return m.closed }

// Err is why the connection was last lost or closed (nil if never).
func (m *Member) Err() error { return m.nc.LastError() }

// Next waits up to wait for a job (nil, nil when none came).
func (m *Member) Next(ctx context.Context, wait time.Duration) (*Delivery, error) {
	return next(ctx, m.ocr, wait, m.log)
}

// Original copies the delivered job's original into w and checks it
// against the job's digest as well as the bucket's.
func (m *Member) Original(ctx context.Context, dl *Delivery, w io.Writer) error {
	sum := sha256.New()
	if _, err := ReadOriginal(ctx, m.js, objectName(dl.Job.DocID), io.MultiWriter(w, sum)); err != nil {
		return err
	}
	if got := hex.EncodeToString(sum.Sum(nil)); dl.Job.Digest != "" && got != dl.Job.Digest {
		return fmt.Errorf("original %d: SHA-256 %s, the job says %s: %w", dl.Job.DocID, got, dl.Job.Digest, ErrDigest)
	}
	return nil
}

// Started tells the box (through RESULTS, stored before it returns) that
// this worker begins reading: the box counts the attempt.
func (m *Member) Started(ctx context.Context, dl *Delivery) error {
	return m.send(ctx, dl, StageStarted, nil)
}

// Done publishes the job's result (pipeline.RemoteResult as JSON); ack the
// delivery only after it returned.
func (m *Member) Done(ctx context.Context, dl *Delivery, body []byte) error {
	return m.send(ctx, dl, StageDone, body)
}

func (m *Member) send(ctx context.Context, dl *Delivery, stage string, body []byte) error {
	subject := SubjectResultPrefix + m.Name + "." + objectName(dl.Job.DocID)
	msg := nats.NewMsg(subject)
	msg.Header.Set(HeaderToken, dl.Job.Token)
	msg.Header.Set(HeaderAttempt, strconv.Itoa(dl.Job.Attempt))
	msg.Header.Set(HeaderStage, stage)
	msg.Data = body
	id := m.Name + "-" + msgID(dl.Job.DocID, dl.Job.Attempt) + "-" + stage
	if meta, err := dl.msg.Metadata(); err == nil {
		id += "-" + strconv.FormatUint(meta.NumDelivered, 10)
	}
	if _, err := m.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("publish %s of document %d: %w", stage, dl.Job.DocID, err)
	}
	return nil
}
