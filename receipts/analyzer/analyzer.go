// Package analyzer moves receipts on after OCR and after a user's
// correction: it is woken when a receipt image's document is finished (the
// OCR pool's Finished hook) or a user answers, and on start and every
// minute it sweeps the receipts that wait for it, so nothing is lost to a
// crash between the OCR commit and the analysis.
package analyzer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"tillroll/receipts"
	"tillroll/store"
)

// Store is what the analyzer needs of the store.
type Store interface {
	ReceiptsToAnalyze() ([]uint64, error)
	AnalyzeReceipt(id uint64) (store.Receipt, error)
	ReceiptOfDocument(docID uint64) (uint64, bool)
}

// Analyzer is one goroutine that analyses receipts.
type Analyzer struct {
	st     Store
	log    *slog.Logger
	sweep  time.Duration
	kick   chan struct{}
	mu     sync.Mutex
	queued map[uint64]bool
	all    bool // sweep everything on the next round
	// Done, when set, is called after each receipt is moved on (tests wait on it).
	Done func(store.Receipt)
}

// New makes an analyzer; Run starts it. sweep is how often it looks at
// every waiting receipt without being woken (default one minute).
func New(st Store, log *slog.Logger, sweep time.Duration) *Analyzer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if sweep <= 0 {
		sweep = time.Minute
	}
	return &Analyzer{st: st, log: log, sweep: sweep, kick: make(chan struct{}, 1), queued: map[uint64]bool{}, all: true}
}

// DocumentFinished is the OCR pool's Finished hook: it must not block.
func (a *Analyzer) DocumentFinished(d store.Document) {
	if d.Account != store.ReceiptsAccount {
		return
	}
	if id, ok := a.st.ReceiptOfDocument(d.ID); ok {
		a.Queue(id)
	}
}

// Queue asks for a receipt to be looked at soon.
func (a *Analyzer) Queue(id uint64) {
	a.mu.Lock()
	a.queued[id] = true
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// Run works until ctx ends.
func (a *Analyzer) Run(ctx context.Context) error {
	t := time.NewTicker(a.sweep)
	defer t.Stop()
	for {
		a.round()
		select {
		case <-ctx.Done():
			return nil
		case <-a.kick:
		case <-t.C:
			a.mu.Lock()
			a.all = true
			a.mu.Unlock()
		}
	}
}

func (a *Analyzer) round() {
	a.mu.Lock()
	ids := make([]uint64, 0, len(a.queued))
	for id := range a.queued {
		ids = append(ids, id)
	}
	all := a.all
	a.queued, a.all = map[uint64]bool{}, false
	a.mu.Unlock()
	if all {
		more, err := a.st.ReceiptsToAnalyze()
		if err != nil {
			a.log.Error("list receipts to analyze", "err", err)
		}
		ids = append(ids, more...)
	}
	for _, id := range ids {
		r, err := a.st.AnalyzeReceipt(id)
		switch {
		case errors.Is(err, store.ErrNotReady), errors.Is(err, receipts.ErrTransition), errors.Is(err, store.ErrNotFound):
			continue
		case err != nil:
			a.log.Error("analyze receipt", "receipt", id, "err", err)
			continue
		}
		a.log.Info("receipt analyzed", "receipt", r.UUID, "status", r.Status, "retailer", r.RetailerID)
		if a.Done != nil {
			a.Done(r)
		}
	}
}
