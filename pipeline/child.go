package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"tillroll/capture"
)

// ChildOptions configures a supervised child worker.
type ChildOptions struct {
	// Command is the worker program and its arguments, e.g. the tillroll
	// binary itself and "ocr-worker" with its limits. The program must run
	// ServeChild with fd 3 as its input and fd 4 as its output.
	Command []string
	// Env is added to this process's environment for the child.
	Env []string
	// Dir is the child's working directory, its scratch space: made, and
	// emptied at every start.
	Dir string
	// Timeout is the wall-clock time one document may take, start to
	// answer; the child is killed past it. Default 2 minutes.
	Timeout time.Duration
	// PageTimeout is the wall-clock time one page may take; past it the
	// child is killed and the document read again without the page.
	// 0: no limit but Timeout.
	PageTimeout time.Duration
	// Grace is how long a document in hand may still take once the
	// shutdown began. Default 20 seconds.
	Grace time.Duration
	// MaxJobs restarts the child after that many documents; 0 never.
	MaxJobs int
	// Stderr receives the child's stdout and stderr (Tesseract's
	// warnings, a crash's trace); nil discards them. The last few
	// kilobytes are kept either way to tell an out-of-memory death.
	Stderr io.Writer
	Logger *slog.Logger
}

// Child is a Worker that reads in a child process it supervises: it starts
// the child, hands it one job at a time over a pipe and, when the child
// dies (a crash, the memory limit, the kernel's OOM killer) or outlives
// the job's time, kills its process group, fails that attempt with the
// cause and starts a new child for the next job. Whatever a file does to
// the reader, this process only ever sees an error.
type Child struct {
	opt ChildOptions

	proc *childProc // nil until started, and after a death
}

// childProc is one running child.
type childProc struct {
	cmd     *exec.Cmd
	jobs    *os.File // write end of the child's fd 3
	answers *os.File // read end of the child's fd 4
	tail    *tailWriter
	pid     int
	served  int
	done    chan struct{} // closed when the child has been waited for
	waitErr error
}

// NewChild makes a child worker and starts its process, so that a reader
// that cannot start at all (missing language data, say) is an error now.
func NewChild(opt ChildOptions) (*Child, error) {
	if len(opt.Command) == 0 {
		return nil, errors.New("child worker: no command")
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 2 * time.Minute
	}
	if opt.Grace <= 0 {
		opt.Grace = 20 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Child{opt: opt}
	if err := c.start(); err != nil {
		return nil, err
	}
	return c, nil
}

// startTimeout bounds a child's start, up to its hello.
const startTimeout = time.Minute

func (c *Child) start() error {
	if c.opt.Dir != "" {
		if err := os.RemoveAll(c.opt.Dir); err != nil {
			return fmt.Errorf("clear worker scratch: %w", err)
		}
		if err := os.MkdirAll(c.opt.Dir, 0o700); err != nil {
			return fmt.Errorf("worker scratch: %w", err)
		}
	}
	jobsR, jobsW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("worker pipe: %w", err)
	}
	ansR, ansW, err := os.Pipe()
	if err != nil {
		_ = jobsR.Close()
		_ = jobsW.Close()
		return fmt.Errorf("worker pipe: %w", err)
	}
	tail := &tailWriter{w: c.opt.Stderr}
	cmd := exec.Command(c.opt.Command[0], c.opt.Command[1:]...)
	cmd.Env = append(childEnviron(), c.opt.Env...)
	cmd.Dir = c.opt.Dir
	cmd.Stdout, cmd.Stderr = tail, tail
	cmd.ExtraFiles = []*os.File{jobsR, ansW}
	cmd.SysProcAttr = childAttr()
	err = cmd.Start()
	_ = jobsR.Close()
	_ = ansW.Close()
	if err != nil {
		_ = jobsW.Close()
		_ = ansR.Close()
		return fmt.Errorf("start worker: %w", err)
	}
	p := &childProc{cmd: cmd, jobs: jobsW, answers: ansR, tail: tail, pid: cmd.Process.Pid, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	_ = ansR.SetReadDeadline(time.Now().Add(startTimeout))
	var h hello
	if err := readFrame(ansR, &h); err != nil || !h.Ready {
		cause := h.Error
		if err != nil {
			cause = fmt.Sprintf("%v (%s)", err, strings.TrimSpace(tail.String()))
		}
		p.kill()
		return fmt.Errorf("start worker: %s", cause)
	}
	c.proc = p
	c.opt.Logger.Debug("OCR worker process started", "pid", p.pid)
	return nil
}

// Read hands the job to the child and waits for its answer, at most the
// document's time limit (and, once ctx ends, at most Grace more). A page
// that takes longer than PageTimeout is given up: the child is killed (a
// page of Tesseract cannot be interrupted), and a new child reads the
// document again without that page, within the same document time. The
// outcome names the pages given up (Result.Skipped_Pages); a document
// with no page left fails with a PageTimeoutError.
func (c *Child) Read(ctx context.Context, j Job) (Outcome, error) {
	deadline := time.Now().Add(c.opt.Timeout)
	var skipped []capture.SkippedPage
	for {
		o, slow, err := c.readOnce(ctx, j, deadline)
		if slow.page == 0 {
			if err != nil {
				return Outcome{}, err
			}
			if len(skipped) > 0 {
				o.Result.Skipped_Pages = skipped
			}
			return o, nil
		}
		skipped = append(skipped, capture.SkippedPage{Page: slow.page,
			Reason: fmt.Sprintf("not read: the page took longer than %s", c.opt.PageTimeout)})
		j.Want.SkipPages = append(slices.Clone(j.Want.SkipPages), slow.page)
		c.opt.Logger.Warn("OCR worker process killed: a page took too long", "doc", j.DocID, "page", slow.page, "limit", c.opt.PageTimeout)
		if len(skipped) >= slow.pages {
			pages := make([]int, len(skipped))
			for i, sp := range skipped {
				pages[i] = sp.Page
			}
			return Outcome{}, &PageTimeoutError{Pages: pages, Limit: c.opt.PageTimeout}
		}
	}
}

// slowPage is a page that outlived PageTimeout, of pages to be read.
type slowPage struct{ page, pages int }

// readOnce is one exchange of Read: the job to the child, its pages'
// starts, its answer. slow is set, and the child gone, when a page took
// too long.
func (c *Child) readOnce(ctx context.Context, j Job, deadline time.Time) (Outcome, slowPage, error) {
	if c.proc == nil {
		if err := c.start(); err != nil {
			return Outcome{}, slowPage{}, err
		}
	}
	p := c.proc
	if err := writeFrame(p.jobs, j); err != nil {
		return Outcome{}, slowPage{}, c.died(p, false, err)
	}
	// The answer is due by the document's deadline, by the page's while
	// a page is read, and by the grace's once ctx ended.
	var mu sync.Mutex
	var pageEnd, graceEnd time.Time
	arm := func() {
		mu.Lock()
		defer mu.Unlock()
		d := deadline
		for _, t := range []time.Time{pageEnd, graceEnd} {
			if !t.IsZero() && t.Before(d) {
				d = t
			}
		}
		_ = p.answers.SetReadDeadline(d)
	}
	arm()
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		graceEnd = time.Now().Add(c.opt.Grace)
		mu.Unlock()
		arm()
	})
	defer stop()
	var cur slowPage
	for {
		var a answer
		err := readFrame(p.answers, &a)
		if err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				return Outcome{}, slowPage{}, c.died(p, false, err)
			}
			switch {
			case ctx.Err() != nil:
				err = c.died(p, true, err)
				return Outcome{}, slowPage{}, fmt.Errorf("interrupted: %w", ctx.Err())
			case !time.Now().Before(deadline) || cur.page == 0:
				return Outcome{}, slowPage{}, c.died(p, true, err)
			default: // the page's own time is up
				c.proc = nil
				p.kill()
				return Outcome{}, cur, nil
			}
		}
		if a.DocID == j.DocID && a.progress() {
			cur = slowPage{page: a.Page, pages: a.Pages}
			if c.opt.PageTimeout > 0 {
				mu.Lock()
				pageEnd = time.Now().Add(c.opt.PageTimeout)
				mu.Unlock()
				arm()
			}
			continue
		}
		if a.DocID != j.DocID || (a.Outcome == nil) == (a.Error == nil) {
			return Outcome{}, slowPage{}, c.died(p, false, fmt.Errorf("%w: answer for document %d to job %d", errFrame, a.DocID, j.DocID))
		}
		p.served++
		if c.opt.MaxJobs > 0 && p.served >= c.opt.MaxJobs {
			c.stop(p)
		}
		if a.Error != nil {
			return Outcome{}, slowPage{}, a.Error
		}
		a.Outcome.Result.Boxes = a.Outcome.Boxes
		return *a.Outcome, slowPage{}, nil
	}
}

// PageTimeoutError is a document none of whose pages could be read within
// the time limit of a page. It matches ErrTimeout.
type PageTimeoutError struct {
	Pages []int // given up, in the order they were
	Limit time.Duration
}

func (e *PageTimeoutError) Error() string {
	if len(e.Pages) == 1 {
		return fmt.Sprintf("reading page %d took longer than %s", e.Pages[0], e.Limit)
	}
	s := make([]string, len(e.Pages))
	for i, p := range e.Pages {
		s[i] = strconv.Itoa(p)
	}
	return fmt.Sprintf("reading each of pages %s took longer than %s", strings.Join(s, ", "), e.Limit)
}

func (e *PageTimeoutError) Unwrap() error { return ErrTimeout }

// died ends the child after a failed exchange and tells why it failed:
// ErrTimeout when it was killed for taking too long, else from how it
// ended. The next Read starts a new child.
func (c *Child) died(p *childProc, timedOut bool, cause error) error {
	c.proc = nil
	if timedOut {
		p.kill()
		c.opt.Logger.Warn("OCR worker process killed: the document took too long", "pid", p.pid, "limit", c.opt.Timeout)
		return fmt.Errorf("%w (over %s)", ErrTimeout, c.opt.Timeout)
	}
	// The pipe broke: the child is dying or dead. Give it a moment to be
	// reaped, so its exit status tells the cause; then make sure.
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
	p.kill()
	err := deathCause(p.waitErr, p.tail.oom())
	c.opt.Logger.Warn("OCR worker process died", "pid", p.pid, "exit", fmt.Sprint(p.waitErr), "cause", err, "io", cause)
	return err
}

// deathCause names what ended a child from its exit status and whether
// its output told of memory running out.
func deathCause(waitErr error, oom bool) error {
	var ee *exec.ExitError
	if !errors.As(waitErr, &ee) {
		if oom {
			return ErrOutOfMemory
		}
		return fmt.Errorf("%w (%v)", ErrCrashed, waitErr)
	}
	ws, _ := ee.Sys().(syscall.WaitStatus)
	switch {
	case oom:
		return fmt.Errorf("%w (%s)", ErrOutOfMemory, ee)
	case ws.Signaled() && ws.Signal() == syscall.SIGKILL:
		// Nobody here sent it: the kernel's OOM killer is the usual sender.
		return fmt.Errorf("%w (killed by the system: %s)", ErrOutOfMemory, ee)
	case ws.Signaled() && ws.Signal() == syscall.SIGXCPU, ws.Exited() && ws.ExitStatus() == exitCPU:
		return fmt.Errorf("%w (CPU time limit: %s)", ErrTimeout, ee)
	default:
		return fmt.Errorf("%w (%s)", ErrCrashed, ee)
	}
}

// stop ends a child that did nothing wrong: its input closes and it exits.
func (c *Child) stop(p *childProc) {
	c.proc = nil
	_ = p.jobs.Close()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
	p.kill()
}

// Close stops the child.
func (c *Child) Close() error {
	if c.proc != nil {
		c.stop(c.proc)
	}
	return nil
}

// PID is the running child's process id, 0 when none runs (for tests and
// the log).
func (c *Child) PID() int {
	if c.proc == nil {
		return 0
	}
	return c.proc.pid
}

// kill ends the child's whole process group and waits for it.
func (p *childProc) kill() {
	select {
	case <-p.done: // reaped already: its pid may be another's by now
	default:
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		<-p.done
	}
	_ = p.jobs.Close()
	_ = p.answers.Close()
}

// tailWriter passes output on, keeps its last tailSize bytes and notes
// whether it ever told of memory running out (Go's "fatal error: out of
// memory" comes first, before a trace longer than the tail).
type tailWriter struct {
	w      io.Writer
	mu     sync.Mutex
	buf    []byte
	sawOOM bool
}

const tailSize = 8 << 10

// oomSigns are how Go, glibc and C++ say an allocation failed.
var oomSigns = []string{"out of memory", "bad_alloc", "cannot allocate memory"}

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	// The last bytes before b, too: a sign may be split between writes.
	look := strings.ToLower(string(t.buf[max(0, len(t.buf)-32):]) + string(b))
	for _, sign := range oomSigns {
		t.sawOOM = t.sawOOM || strings.Contains(look, sign)
	}
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	t.mu.Unlock()
	if t.w != nil {
		_, _ = t.w.Write(b)
	}
	return len(b), nil
}

func (t *tailWriter) oom() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sawOOM
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
