package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"tillroll/pipeline"
	"tillroll/queue"
	"tillroll/store"
	"tillroll/web"
)

// openQueue starts the box's embedded JetStream in the data directory.
func openQueue(ctx context.Context, cfg serveConfig, log *slog.Logger) (*queue.Queue, error) {
	secret, err := queue.LoadSecret(cfg.data)
	if err != nil {
		return nil, err
	}
	q, err := queue.Open(ctx, queue.Options{
		Dir:         filepath.Join(cfg.data, queue.Dir),
		Secret:      secret,
		AckWait:     queue.AckWait(cfg.workerTimeout),
		MaxAttempts: cfg.ocrAttempts,
		DataDir:     cfg.data,
		Listen:      cfg.natsListen,
		Logger:      log.With("component", "queue"),
	})
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return q, nil
}

// describeJob fills a job message from its document: the original's
// digest and how it is to be read.
func describeJob(st *store.Store) func(store.Job, *queue.JobMessage) error {
	return func(j store.Job, m *queue.JobMessage) error {
		d, err := st.Document(j.DocID)
		if err != nil {
			return err
		}
		want, err := json.Marshal(pipeline.Want{Created: d.Created, DocType: d.DocType, PageStart: d.PageStart, PageEnd: d.PageEnd})
		if err != nil {
			return fmt.Errorf("job %d: %w", j.DocID, err)
		}
		m.Digest, m.Want = d.SHA256, want
		return nil
	}
}

// dispatch is the queue as the pool's Dispatch.
type dispatch struct{ q *queue.Queue }

func (d dispatch) Next(ctx context.Context, wait time.Duration) (pipeline.Delivery, error) {
	dl, err := d.q.Next(ctx, wait)
	if dl == nil || err != nil {
		return nil, err
	}
	return dl, nil
}

func (d dispatch) Kick() { d.q.Kick() }

// originalPath is where a document's original is stored.
func originalPath(st *store.Store) func(uint64) (string, error) {
	return func(id uint64) (string, error) {
		d, err := st.Document(id)
		if err != nil {
			return "", err
		}
		return st.FilePath(d.Path)
	}
}

// applyResult records a worker machine's checked result.
func applyResult(pool *pipeline.Pool) queue.Applier {
	return func(r queue.Result) error {
		if r.Stage == queue.StageStarted {
			return pool.RemoteStarted(r.DocID, r.Worker)
		}
		var res pipeline.RemoteResult
		if err := json.Unmarshal(r.Body, &res); err != nil {
			res = pipeline.RemoteResult{Error: &pipeline.ReadError{Reason: "the worker sent a malformed result", Message: err.Error()}}
		}
		return pool.RemoteDone(r.DocID, r.Worker, res)
	}
}

// queueFigures is the queue's figures as the admin page shows them.
func queueFigures(q *queue.Queue) func() (web.QueueFigures, error) {
	return func() (web.QueueFigures, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err := q.Stats(ctx)
		if err != nil {
			return web.QueueFigures{}, err
		}
		return web.QueueFigures{Workers: st.Workers, Stream: st.Depth, InFlight: st.InFlight}, nil
	}
}
