package pipeline

import (
	"errors"
	"fmt"

	"tillroll/capture"
	"tillroll/store"
)

// RemoteResult is what a worker on another machine sends back for one
// attempt: the outcome, or why it could not read the file.
type RemoteResult struct {
	Outcome *Outcome   `json:"outcome,omitempty"`
	Error   *ReadError `json:"error,omitempty"`
}

// ResultOf is what a worker on another machine sends back for an attempt
// that ended with o, or err.
func ResultOf(o Outcome, err error) RemoteResult {
	if err != nil {
		return RemoteResult{Error: remoteError(err)}
	}
	return RemoteResult{Outcome: &o}
}

// RemoteStarted records that a worker on another machine began an attempt
// at document id: the attempt is counted and committed, as a local
// worker's claim counts it, so a file that kills every worker still runs
// out of attempts. One past the limit fails the document at once.
func (p *Pool) RemoteStarted(id uint64, worker string) error {
	d, j, ok, err := p.q.TakeOverOCRJob(id)
	if err != nil || !ok {
		return err
	}
	log := p.opt.Logger.With("doc", id, "attempt", j.Attempts, "worker", worker)
	if j.Attempts > p.opt.MaxAttempts {
		reason := j.LastError
		if reason == "" {
			reason = "reading this file was interrupted too many times"
		}
		log.Warn("document failed: no attempts left", "reason", reason)
		p.finished(log, p.opt.Now(), d.ID, reason)
		return nil
	}
	if j.Attempts == 1 && p.opt.Metrics != nil {
		p.opt.Metrics.QueueWait(p.opt.Now().Sub(d.Created))
	}
	log.Info("remote worker started a document")
	return nil
}

// RemoteDone records a remote worker's result for document id. Delivery
// is at least once and a job may have been read twice: the first outcome
// recorded wins, and a result for a finished document changes nothing. A
// failure counts only while the job is running (a later attempt may be
// queued already).
func (p *Pool) RemoteDone(id uint64, worker string, r RemoteResult) error {
	log := p.opt.Logger.With("doc", id, "worker", worker)
	j, err := p.q.OCRJob(id)
	if errors.Is(err, store.ErrNotFound) {
		log.Info("result for a finished document ignored")
		return nil
	}
	if err != nil {
		return err
	}
	d, err := p.q.Document(id)
	if err != nil {
		return fmt.Errorf("document %d: %w", id, err)
	}
	if d.Status == capture.StatusCompleted || d.Status == capture.StatusFailed {
		return nil
	}
	var rerr error
	switch {
	case r.Outcome != nil:
	case r.Error != nil:
		if j.State != store.JobRunning {
			return nil
		}
		rerr = r.Error
	default:
		rerr = &ReadError{Reason: "the worker sent an empty result", Message: "empty remote result"}
	}
	var o Outcome
	if r.Outcome != nil {
		o = *r.Outcome
	}
	if !p.settle(log, p.opt.Now(), d, j, o, rerr) {
		return fmt.Errorf("record the result of document %d", id)
	}
	return nil
}
