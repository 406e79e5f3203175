// Package intake takes documents in without a PC in between: a mail server
// for scanners and suppliers (smtp.go), watched folders (watch.go) and IMAP
// mailboxes it pulls from (imap.go). Every document goes the road of an HTTP
// upload: store.SaveUpload writes and fsyncs the original, and
// store.CreateDocuments commits its record and OCR job, with the marks that
// keep the same mail or file from being taken twice.
//
// The package depends on the store alone: never on the OCR engine, the
// workers or HTTP.
package intake

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"tillroll/store"
)

// Kicker wakes the OCR workers when new jobs are committed.
type Kicker interface{ Kick() }

// Limits bound what one mail or file may cost.
type Limits struct {
	MaxFile  int64 // largest document, as the upload limit
	MaxParts int   // MIME parts of one mail, nested ones included
	MaxDepth int   // nesting of multiparts and attached messages
	MaxText  int64 // bytes of a mail's own text read for a text document
}

// DefaultLimits are the limits used where a field is zero.
func DefaultLimits() Limits {
	return Limits{MaxFile: 25 << 20, MaxParts: 200, MaxDepth: 10, MaxText: 1 << 20}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFile <= 0 {
		l.MaxFile = d.MaxFile
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxText <= 0 {
		l.MaxText = d.MaxText
	}
	return l
}

// Taker turns mails and files into documents of an account.
type Taker struct {
	st    *store.Store
	queue Kicker
	lim   Limits
	log   *slog.Logger
	now   func() time.Time
}

// NewTaker makes a Taker over the store. queue may be nil (no workers to wake).
func NewTaker(st *store.Store, queue Kicker, lim Limits, log *slog.Logger) *Taker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Taker{st: st, queue: queue, lim: lim.withDefaults(), log: log, now: time.Now}
}

// Refusal is a mail or file that will never be read, whatever the retries:
// broken MIME, a part over the limits, nothing readable in it. Its message
// says why, for the SMTP answer or the failed folder's note.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

func refusef(format string, args ...any) error {
	return &Refusal{Reason: fmt.Sprintf(format, args...)}
}

// IsRefusal tells a permanent refusal from a failure worth retrying.
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}

// commit records the saved files as documents of the account in one
// transaction with the marks; on any failure it removes the files again.
// A duplicate (first mark already recorded) is not an error: it returns
// no documents and dup true.
func (t *Taker) commit(ins []store.NewDocument, marks ...store.IntakeMark) (docs []store.Document, dup bool, err error) {
	docs, err = t.st.CreateDocuments(ins, marks...)
	dup, err = t.settle(len(docs), ins, err)
	return docs, dup, err
}

// commitReceipts records the saved files as receipts of a receipts-service
// user (an image and a receipt each), as commit does documents.
func (t *Taker) commitReceipts(user string, ins []store.NewDocument, marks ...store.IntakeMark) (rs []store.Receipt, dup bool, err error) {
	rs, err = t.st.CreateIntakeReceipts(user, ins, marks...)
	dup, err = t.settle(len(rs), ins, err)
	return rs, dup, err
}

// settle finishes a commit: on failure it removes the files again (and
// tells a duplicate from an error), on success it wakes the workers.
func (t *Taker) settle(n int, ins []store.NewDocument, err error) (dup bool, _ error) {
	if err != nil {
		for _, in := range ins {
			if rerr := t.st.RemoveFile(in.File.Path); rerr != nil {
				t.log.Warn("remove unused intake file", "err", rerr)
			}
		}
		if errors.Is(err, store.ErrDuplicate) {
			return true, nil
		}
		return false, fmt.Errorf("record documents: %w", err)
	}
	if n > 0 && t.queue != nil {
		t.queue.Kick()
	}
	return false, nil
}
