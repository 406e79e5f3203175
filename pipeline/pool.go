package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"tillroll/capture"
	"tillroll/einvoice"
	"tillroll/ocr"
	"tillroll/store"
)

// Queue is what the pool needs of the store.
type Queue interface {
	ClaimOCRJob() (store.Document, store.Job, bool, error)
	ClaimOCRJobID(id uint64) (store.Document, store.Job, bool, error)
	TakeOverOCRJob(id uint64) (store.Document, store.Job, bool, error)
	OCRJob(id uint64) (store.Job, error)
	CompleteOCRJob(id uint64, r capture.Result, textHash string, notify store.Notify) (store.Document, error)
	FailOCRJob(id uint64, reason string, notify store.Notify) (store.Document, error)
	RetryOCRJob(id uint64, notBefore time.Time, lastErr string) error
	RequeueRunning() (int, error)
	Document(id uint64) (store.Document, error)
	FilePath(rel string) (string, error)
}

// Dispatch hands jobs to the workers: the JetStream consumer that local
// and remote workers share (queue.Queue). The store stays the record: a
// worker claims a delivered job in the store, which counts the attempt,
// before reading, and acknowledges the delivery only once the outcome is
// committed.
type Dispatch interface {
	// Next waits up to wait for a job; nil with no error when none came.
	Next(ctx context.Context, wait time.Duration) (Delivery, error)
	// Kick says a job was queued in the store.
	Kick()
}

// Delivery is one job handed out by a Dispatch.
type Delivery interface {
	DocID() uint64
	// Redelivered says the job was handed out before and not acknowledged:
	// its worker went silent, so a running job may be taken over.
	Redelivered() bool
	// InProgress keeps the job from being handed to another worker.
	InProgress() error
	// Ack removes the job for good, confirmed (double ack).
	Ack(ctx context.Context) error
}

// progressEvery is how often a worker says it is still reading a job.
const progressEvery = 15 * time.Second

// Options configures a Pool.
type Options struct {
	Workers int
	// NewWorker makes one worker: a supervised child process (NewChild)
	// in the server. It is called on the goroutine that will use it, after
	// that goroutine's thread was niced. Nil means in-process workers,
	// each with a reader from NewReader.
	NewWorker func(i int) (Worker, error)
	// NewReader makes one in-process worker's OCR engine.
	NewReader func() (Reader, error)
	// Notify builds the notifications of a finished document.
	Notify store.Notify
	// Finished is called after a document's outcome is committed (to wake
	// the senders of its notifications). It must not block.
	Finished func(store.Document)
	// MaxAttempts is how many attempts a document gets: a passing failure,
	// a reader that died on it and a server that stopped while reading it
	// each use one (an attempt is committed before the reading starts). A
	// document claimed once more fails at once, with the last attempt's
	// reason. Default 3.
	MaxAttempts int
	// Dispatch hands out the jobs; nil means each worker claims the
	// oldest due job from the store itself.
	Dispatch Dispatch
	// Metrics is told of queue waits and finished documents; nil for none.
	Metrics Observer
	// Poll is how often idle workers look at the queue without a kick.
	// Default one second.
	Poll   time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Pool is the fixed set of OCR workers.
type Pool struct {
	q    Queue
	opt  Options
	kick chan struct{}

	mu      sync.Mutex
	waiters map[uint64][]chan struct{}

	requeue    sync.Once
	requeueErr error
}

// NewPool makes a pool; Run starts it.
func NewPool(q Queue, opt Options) *Pool {
	if opt.Workers < 1 {
		opt.Workers = 1
	}
	if opt.MaxAttempts < 1 {
		opt.MaxAttempts = 3
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Finished == nil {
		opt.Finished = func(store.Document) {}
	}
	return &Pool{q: q, opt: opt, kick: make(chan struct{}, 1), waiters: map[uint64][]chan struct{}{}}
}

// Kick wakes an idle worker: a new job was queued.
func (p *Pool) Kick() {
	if p.opt.Dispatch != nil {
		p.opt.Dispatch.Kick()
		return
	}
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// Requeue puts the jobs that were running when the process last stopped
// back in the queue, their attempts counted, once: Run does it first, and
// a server calls it before it answers requests, so nobody is shown a
// document "processing" that no worker reads.
func (p *Pool) Requeue() error {
	p.requeue.Do(func() {
		n, err := p.q.RequeueRunning()
		if err != nil {
			p.requeueErr = fmt.Errorf("requeue unfinished jobs: %w", err)
			return
		}
		if n > 0 {
			p.opt.Logger.Info("requeued unfinished OCR jobs", "count", n)
		}
	})
	return p.requeueErr
}

// Run requeues the jobs that were running when the process last stopped,
// then runs the workers until ctx ends. A worker busy with a document
// finishes it first. Run returns when every worker has stopped.
func (p *Pool) Run(ctx context.Context) error {
	if err := p.Requeue(); err != nil {
		return err
	}
	// Each worker starts on its own goroutine (so a child process is
	// started from the niced thread and inherits its priority); Run fails
	// if any cannot start.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	started := make(chan error, p.opt.Workers)
	var wg sync.WaitGroup
	for i := range p.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.work(ctx, i, started)
		}()
	}
	var errs []error
	for range p.opt.Workers {
		if err := <-started; err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		cancel()
		wg.Wait()
		return fmt.Errorf("start OCR engine: %w", errors.Join(errs...))
	}
	p.Kick()
	wg.Wait()
	return nil
}

func (p *Pool) newWorker(i int) (Worker, error) {
	if p.opt.NewWorker != nil {
		return p.opt.NewWorker(i)
	}
	r, err := p.opt.NewReader()
	if err != nil {
		return nil, err
	}
	return NewLocal(r), nil
}

func (p *Pool) work(ctx context.Context, worker int, started chan<- error) {
	log := p.opt.Logger.With("worker", worker)
	if err := background(); err != nil {
		log.Warn("OCR worker runs at normal priority", "err", err)
	}
	w, err := p.newWorker(worker)
	started <- err
	if err != nil {
		return
	}
	defer func() {
		if err := w.Close(); err != nil {
			log.Error("close OCR worker", "err", err)
		}
	}()
	if p.opt.Dispatch != nil {
		p.dispatched(ctx, log, w)
		return
	}
	for ctx.Err() == nil {
		d, j, ok, err := p.q.ClaimOCRJob()
		if err != nil {
			log.Error("claim OCR job", "err", err)
		}
		if !ok {
			select {
			case <-ctx.Done():
			case <-p.kick:
			case <-time.After(p.opt.Poll):
			}
			continue
		}
		p.Kick() // there may be more: let an idle worker look too
		p.run(ctx, log, w, d, j)
	}
}

// dispatched takes jobs from the Dispatch until ctx ends: claim in the
// store (the attempt committed), read, record, then acknowledge. A job the
// store has nothing to read for (finished, deleted, held by another
// worker, or an older attempt's message) is acknowledged at once.
func (p *Pool) dispatched(ctx context.Context, log *slog.Logger, w Worker) {
	for ctx.Err() == nil {
		dl, err := p.opt.Dispatch.Next(ctx, 5*time.Second)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("fetch OCR job", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(p.opt.Poll):
				}
			}
			continue
		}
		if dl == nil {
			continue
		}
		claim := p.q.ClaimOCRJobID
		if dl.Redelivered() {
			claim = p.q.TakeOverOCRJob
		}
		d, j, ok, err := claim(dl.DocID())
		if err != nil {
			// Not acknowledged: delivered again after the ack wait.
			log.Error("claim OCR job", "doc", dl.DocID(), "err", err)
			continue
		}
		recorded := true
		if ok {
			stop := keepAlive(dl, log)
			recorded = p.run(ctx, log, w, d, j)
			stop()
		}
		if !recorded {
			continue
		}
		actx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := dl.Ack(actx); err != nil {
			log.Warn("acknowledge OCR job", "doc", dl.DocID(), "err", err)
		}
		cancel()
	}
}

// keepAlive sends in-progress acks for dl until stop is called.
func keepAlive(dl Delivery, log *slog.Logger) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := dl.InProgress(); err != nil {
					log.Warn("in-progress ack", "doc", dl.DocID(), "err", err)
				}
			}
		}
	}()
	return func() { close(done) }
}

// run processes one claimed job and records its outcome. The attempt was
// committed by ClaimOCRJob; the outcome is a second transaction. It says
// whether an outcome (or a retry) was recorded.
func (p *Pool) run(ctx context.Context, log *slog.Logger, w Worker, d store.Document, j store.Job) bool {
	log = log.With("doc", d.ID, "attempt", j.Attempts)
	start := p.opt.Now()
	if j.Attempts > p.opt.MaxAttempts {
		// Every attempt ended without an outcome: the reader died on the
		// file, or the server stopped while reading it. Not again.
		reason := j.LastError
		if reason == "" {
			reason = "reading this file was interrupted too many times"
		}
		log.Warn("document failed: no attempts left", "reason", reason)
		return p.finished(log, start, d.ID, reason)
	}
	if j.Attempts == 1 && p.opt.Metrics != nil {
		p.opt.Metrics.QueueWait(start.Sub(d.Created))
	}
	o, err := p.process(ctx, w, d)
	if err != nil && ctx.Err() != nil {
		// Shutting down mid-document: queue it again for the next start.
		if err := p.q.RetryOCRJob(d.ID, p.opt.Now(), "interrupted by shutdown"); err != nil {
			log.Error("requeue interrupted job", "err", err)
		}
		return false
	}
	return p.settle(log, start, d, j, o, err)
}

// settle records the outcome of an attempt at d (j as claimed): the result,
// a failure, or a retry when the failure may pass. It says whether that
// was recorded.
func (p *Pool) settle(log *slog.Logger, start time.Time, d store.Document, j store.Job, o Outcome, err error) bool {
	res, textHash := o.Result, o.TextHash
	if o.Boxes != nil {
		res.Boxes = o.Boxes
	}
	var done store.Document
	switch {
	case err == nil:
		done, err = p.q.CompleteOCRJob(d.ID, res, textHash, p.opt.Notify)
		log.Info("document processed", "seconds", p.opt.Now().Sub(start).Seconds(), "pages", res.Pages)
	case permanent(err) || j.Attempts >= p.opt.MaxAttempts:
		log.Warn("document failed", "err", err)
		done, err = p.q.FailOCRJob(d.ID, Reason(err), p.opt.Notify)
	default:
		log.Warn("document will be retried", "err", err)
		next := p.opt.Now().Add(time.Duration(j.Attempts) * 5 * time.Second)
		if err := p.q.RetryOCRJob(d.ID, next, Reason(err)); err != nil {
			log.Error("requeue job", "err", err)
			return false
		}
		return true
	}
	return p.recorded(log, start, done, err)
}

// finished fails a document with reason and tells who waits.
func (p *Pool) finished(log *slog.Logger, start time.Time, id uint64, reason string) bool {
	done, err := p.q.FailOCRJob(id, reason, p.opt.Notify)
	return p.recorded(log, start, done, err)
}

func (p *Pool) recorded(log *slog.Logger, start time.Time, done store.Document, err error) bool {
	if err != nil {
		log.Error("record OCR outcome", "err", err)
		return errors.Is(err, store.ErrExists) // finished already: nothing left to do
	}
	if p.opt.Metrics != nil {
		pages := 0
		if done.Result != nil {
			pages = done.Result.Pages
		}
		p.opt.Metrics.DocumentRead(done.Status == capture.StatusFailed, p.opt.Now().Sub(start), pages)
	}
	p.opt.Finished(done)
	p.wake(done.ID)
	return true
}

// process hands one document to the worker.
func (p *Pool) process(ctx context.Context, w Worker, d store.Document) (Outcome, error) {
	path, err := p.q.FilePath(d.Path)
	if err != nil {
		return Outcome{}, err
	}
	if path, err = filepath.Abs(path); err != nil { // a worker's working directory is its own
		return Outcome{}, fmt.Errorf("stored file: %w", err)
	}
	return w.Read(ctx, Job{DocID: d.ID, Path: path, Want: Want{Created: d.Created, DocType: d.DocType, PageStart: d.PageStart, PageEnd: d.PageEnd, Lang: d.Lang}})
}

var errInternal = errors.New("internal error")

// permanent errors come from the input itself: trying again cannot help.
func permanent(err error) bool {
	if re := (*ReadError)(nil); errors.As(err, &re) {
		return re.Permanent
	}
	for _, target := range []error{ocr.ErrLanguage, ocr.ErrUnsupported, ocr.ErrTooLarge, ocr.ErrCorrupt, ocr.ErrEmpty, os.ErrNotExist, errInternal, store.ErrInvalid, einvoice.ErrMalformed, einvoice.ErrAttachment} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// Reason is the readable reason a document failed, for its Status.
func Reason(err error) string {
	if re := (*ReadError)(nil); errors.As(err, &re) {
		return re.Reason
	}
	// Input errors say what the reader found, never the file's path.
	if r, ok := ocr.Reason(err); ok {
		return r
	}
	if pt := (*PageTimeoutError)(nil); errors.As(err, &pt) {
		return pt.Error() // names the pages
	}
	switch {
	case errors.Is(err, einvoice.ErrMalformed), errors.Is(err, einvoice.ErrAttachment):
		return errText(err)
	case errors.Is(err, ErrCrashed):
		return ErrCrashed.Error()
	case errors.Is(err, ErrOutOfMemory):
		return ErrOutOfMemory.Error()
	case errors.Is(err, ErrTimeout):
		return ErrTimeout.Error()
	case errors.Is(err, os.ErrNotExist):
		return "the stored file is missing"
	case errors.Is(err, errInternal):
		return "internal error while reading the document"
	default:
		return "could not read the document: " + errText(err)
	}
}

func errText(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// Wait blocks until the document is completed or failed, or ctx ends.
func (p *Pool) Wait(ctx context.Context, id uint64) (store.Document, error) {
	ch := make(chan struct{})
	p.mu.Lock()
	p.waiters[id] = append(p.waiters[id], ch)
	p.mu.Unlock()
	defer p.forget(id, ch)
	for {
		d, err := p.q.Document(id)
		if err != nil {
			return store.Document{}, err
		}
		if d.Status == capture.StatusCompleted || d.Status == capture.StatusFailed {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return d, fmt.Errorf("wait for document %d: %w", id, ctx.Err())
		case <-ch:
		case <-time.After(p.opt.Poll):
		}
	}
}

func (p *Pool) wake(id uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ch := range p.waiters[id] {
		close(ch)
	}
	delete(p.waiters, id)
}

func (p *Pool) forget(id uint64, ch chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.waiters[id]
	for i, c := range list {
		if c == ch {
			p.waiters[id] = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(p.waiters[id]) == 0 {
		delete(p.waiters, id)
	}
}
