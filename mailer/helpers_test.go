package mailer_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/mailer"
	"tillroll/store"
)

// waitTimeout is how long a test waits for something that should happen at
// once; it only bounds a broken test.
const waitTimeout = 30 * time.Second

func openStore(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{Now: now})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func newAccount(t *testing.T, st *store.Store, name string) store.Credentials {
	t.Helper()
	c, err := st.CreateAccount(name, name+"@example.com")
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	return c
}

// finish uploads a file for the account and finishes its OCR job the way
// the pipeline does, queueing the notifications in the same transaction.
// A non-empty reason fails the document with it.
func finish(t *testing.T, st *store.Store, account, fileName, webhookURL, reason string) store.Document {
	t.Helper()
	f, err := st.SaveFile(bytes.NewReader([]byte("receipt "+fileName)), 1<<20, "jpg")
	if err != nil {
		t.Fatalf("save file: %v", err)
	}
	d, err := st.CreateDocument(store.NewDocument{Account: account, FileName: fileName, File: f, Kind: "jpeg", WebhookURL: webhookURL})
	if err != nil {
		t.Fatalf("create document: %v", err)
	}
	claimed, _, ok, err := st.ClaimOCRJob()
	if err != nil || !ok || claimed.ID != d.ID {
		t.Fatalf("claim job: ok=%v err=%v", ok, err)
	}
	if reason != "" {
		d, err = st.FailOCRJob(d.ID, reason, mailer.Notifications)
	} else {
		r := capture.Result{Vendor_Name: "Corner Shop", Total: 12.5, Line_Items: []capture.LineItem{}}
		d, err = st.CompleteOCRJob(d.ID, r, "", mailer.Notifications)
	}
	if err != nil {
		t.Fatalf("finish document: %v", err)
	}
	return d
}

// start runs f until the test ends or the returned stop is called; stop
// returns f's error.
func start(t *testing.T, f func(context.Context) error) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	var (
		once sync.Once
		err  error
	)
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(waitTimeout):
				err = fmt.Errorf("did not stop within %v", waitTimeout)
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// waitFor polls cond until it holds, failing the test after waitTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// outbox returns the waiting (sent=false) or sent messages.
func outbox(t *testing.T, st *store.Store, sent bool) []store.Message {
	t.Helper()
	msgs, err := st.OutboxMessages(sent)
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	return msgs
}

// ofKind keeps the messages of one kind.
func ofKind(msgs []store.Message, kind string) []store.Message {
	var out []store.Message
	for _, m := range msgs {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// clock is a clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
