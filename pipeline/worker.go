package pipeline

import (
	"context"
	"errors"
	"fmt"

	"tillroll/capture"
	"tillroll/ocr"
)

// Job is one document to read: everything a worker needs, wherever it
// runs. A worker never opens the store.
type Job struct {
	DocID uint64 `json:"doc_id"`
	Path  string `json:"path"` // the stored original, absolute
	Want  Want   `json:"want"`
}

// Outcome is a document read by a worker: what the store records.
type Outcome struct {
	Result   capture.Result `json:"result"`
	Boxes    *capture.Boxes `json:"boxes,omitempty"` // Result.Boxes, which JSON leaves out
	TextHash string         `json:"text_hash,omitempty"`
}

// Worker reads documents one at a time. A Reader in this process (Local),
// a supervised child process (Child) and a worker on another machine are
// all Workers: the pool neither knows nor cares where the reading happens.
// A Worker is not safe for concurrent use; the pool gives each of its
// goroutines its own.
type Worker interface {
	// Read runs Process on the job's file. An error of the file's own
	// (ocr.ErrCorrupt...) is permanent; ErrCrashed, ErrOutOfMemory and
	// ErrTimeout are the reader dying on it, counted as an attempt.
	Read(ctx context.Context, j Job) (Outcome, error)
	Close() error
}

// The ways a reader can die on a file. Their Reason is what the document
// shows once its attempts are used up.
var (
	ErrCrashed     = errors.New("the reader crashed on this file")
	ErrOutOfMemory = errors.New("the reader ran out of memory on this file")
	ErrTimeout     = errors.New("reading the file took too long")
)

// ReadError is a reading failure that crossed a process boundary: the
// worker decided its reason and whether trying again can help, with the
// same Reason and permanent it would have used in process.
type ReadError struct {
	Reason    string `json:"reason"`
	Permanent bool   `json:"permanent"`
	Message   string `json:"message"`
}

func (e *ReadError) Error() string { return e.Message }

// remoteError is how a worker reports err to its supervisor.
func remoteError(err error) *ReadError {
	return &ReadError{Reason: Reason(err), Permanent: permanent(err), Message: err.Error()}
}

// Local is a Worker that reads in this process with its own Reader. A
// panic while reading is an internal error; a crash of Tesseract takes the
// process with it, which is why the server uses Child.
type Local struct {
	r Reader
	// onPage, when set, hears of each page before it is read (the child
	// tells its supervisor, which times the page).
	onPage func(page, pages int)
}

// NewLocal makes a Worker of r; Close closes r.
func NewLocal(r Reader) *Local { return &Local{r: r} }

// Read runs ProcessAs on the job's file, leaving out the pages in
// j.Want.SkipPages.
func (l *Local) Read(ctx context.Context, j Job) (o Outcome, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: panic while reading: %v", errInternal, v)
		}
	}()
	if l.onPage != nil || len(j.Want.SkipPages) > 0 {
		ctx = ocr.WithPageWatch(ctx, l.onPage, j.Want.SkipPages)
	}
	res, hash, err := ProcessAs(ctx, l.r, j.Path, j.Want)
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Result: res, Boxes: res.Boxes, TextHash: hash}, nil
}

// Close closes the reader.
func (l *Local) Close() error { return l.r.Close() }
