package analyzer_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/receipts"
	"tillroll/receipts/analyzer"
	"tillroll/store"
)

// TestSweepAfterRestart: a receipt whose image was read while no analyzer
// ran (a crash between the OCR commit and the analysis) is analyzed when
// the analyzer starts, with no kick.
func TestSweepAfterRestart(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateUser(store.NewUser{Name: "alice", Password: "password!"}); err != nil {
		t.Fatal(err)
	}
	f, err := st.SaveFile(strings.NewReader("png bytes"), 1<<20, "png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := st.SaveReceiptImage("alice", f, "png")
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.CreateReceipt(store.NewReceipt{User: "alice", Links: []string{"x"}, Images: []string{img.Token}})
	if err != nil {
		t.Fatal(err)
	}
	d, _, ok, err := st.ClaimOCRJob()
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, err := st.CompleteOCRJob(d.ID, capture.Result{Status: capture.StatusCompleted, Raw_Text: "a note"}, "h", nil); err != nil {
		t.Fatal(err)
	}
	an := analyzer.New(st, nil, time.Hour)
	done := make(chan store.Receipt, 1)
	an.Done = func(r store.Receipt) { done <- r }
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = an.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()
	select {
	case got := <-done:
		if got.ID != r.ID || got.Status != receipts.Unrecognized {
			t.Fatalf("analyzed %d as %s", got.ID, got.Status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not analyzed on start")
	}
	// A document of a capture account is none of its business.
	an.DocumentFinished(store.Document{ID: d.ID, Account: "shop"})
}
