package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Result is a remote worker's message about one attempt, checked: its
// token matches its document and attempt, and its worker is on the list.
type Result struct {
	Worker  string
	DocID   uint64
	Attempt int
	Stage   string // StageStarted or StageDone
	Body    []byte // StageDone: pipeline.RemoteResult as JSON
}

// ErrForged is why a result is dropped: no valid token for its document
// and attempt, an unknown worker, or a malformed subject.
var ErrForged = errors.New("result not from a worker given this job")

// checkResult checks one message of RESULTS. The token must come in its
// header: a worker can make the server send a job or an original as a
// reply to a result subject, and such a message never has that header.
// The worker's name in the subject is its sender's, as its permissions
// allow it to publish under its own name only; it must also still be a
// worker of the list (known).
func checkResult(secret []byte, subject string, h nats.Header, known func(string) bool) (Result, error) {
	rest, ok := strings.CutPrefix(subject, SubjectResultPrefix)
	worker, doc, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || worker == "" {
		return Result{}, fmt.Errorf("subject %q: %w", subject, ErrForged)
	}
	id, err := strconv.ParseUint(doc, 10, 64)
	if err != nil || id == 0 {
		return Result{}, fmt.Errorf("subject %q: %w", subject, ErrForged)
	}
	attempt, err := strconv.Atoi(h.Get(HeaderAttempt))
	if err != nil || attempt < 1 {
		return Result{}, fmt.Errorf("document %d from %s: no attempt: %w", id, worker, ErrForged)
	}
	if !validToken(secret, id, attempt, h.Get(HeaderToken)) {
		return Result{}, fmt.Errorf("document %d attempt %d from %s: wrong token: %w", id, attempt, worker, ErrForged)
	}
	if !known(worker) {
		return Result{}, fmt.Errorf("document %d from %s: not a worker of this box: %w", id, worker, ErrForged)
	}
	stage := h.Get(HeaderStage)
	if stage != StageStarted && stage != StageDone {
		return Result{}, fmt.Errorf("document %d from %s: stage %q: %w", id, worker, stage, ErrForged)
	}
	return Result{Worker: worker, DocID: id, Attempt: attempt, Stage: stage}, nil
}

// Applier records checked results in the store; an error leaves the
// message to be delivered again.
type Applier func(Result) error

// ConsumeResults applies the remote workers' results in order until ctx
// ends, and acknowledges each once applied. A message that fails the
// checks is dropped and logged: it changes nothing.
func (q *Queue) ConsumeResults(ctx context.Context, apply Applier) error {
	if q.results == nil {
		<-ctx.Done()
		return nil
	}
	for ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		msg, err := q.results.Next(jetstream.FetchContext(fctx))
		cancel()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
				q.log.Error("fetch result", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		r, err := checkResult(q.secret, msg.Subject(), msg.Headers(), q.knownWorker)
		if err != nil {
			q.log.Warn("result rejected", "err", err)
			q.rejected.Add(1)
			_ = msg.Term()
			continue
		}
		r.Body = msg.Data()
		if err := apply(r); err != nil {
			q.log.Error("apply result", "doc", r.DocID, "worker", r.Worker, "err", err)
			_ = msg.NakWithDelay(time.Second)
			continue
		}
		if err := msg.DoubleAck(ctx); err != nil && ctx.Err() == nil {
			q.log.Warn("acknowledge result", "doc", r.DocID, "err", err)
		}
	}
	return nil
}

// Rejected counts the results dropped by the checks since start.
func (q *Queue) Rejected() int64 { return q.rejected.Load() }

func (q *Queue) knownWorker(name string) bool {
	ws, err := Workers(q.dataDir)
	if err != nil {
		q.log.Error("read worker list", "err", err)
		return false
	}
	return slices.ContainsFunc(ws, func(w Worker) bool { return w.Name == name })
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
