package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/internal/fixture"
	"tillroll/ocr"
	"tillroll/pipeline"
	"tillroll/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.CreateAccount("shop", "shop@example.com"); err != nil {
		t.Fatal(err)
	}
	return st
}

func add(t *testing.T, st *store.Store, name string, content []byte) store.Document {
	t.Helper()
	f, err := st.SaveFile(bytes.NewReader(content), 25<<20, "bin")
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.CreateDocument(store.NewDocument{Account: "shop", FileName: name, File: f})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func engine() (pipeline.Reader, error) {
	return ocr.NewEngine(ocr.Options{Limits: ocr.DefaultLimits()})
}

func runPool(t *testing.T, p *pipeline.Pool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := p.Run(ctx); err != nil {
			t.Errorf("pool: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func wait(t *testing.T, p *pipeline.Pool, id uint64) store.Document {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := p.Wait(ctx, id)
	if err != nil {
		t.Fatalf("wait %d: %v", id, err)
	}
	return d
}

func TestPoolProcessesAndNotifies(t *testing.T) {
	st := openStore(t)
	var mu sync.Mutex
	var finished []uint64
	p := pipeline.NewPool(st, pipeline.Options{
		Workers:   2,
		NewReader: engine,
		Notify: func(d store.Document, a store.Account) []store.Message {
			return []store.Message{{Kind: store.KindMail, To: a.Email, Subject: d.Key}}
		},
		Finished: func(d store.Document) {
			mu.Lock()
			finished = append(finished, d.ID)
			mu.Unlock()
		},
		Poll: 20 * time.Millisecond,
	})
	runPool(t, p)
	r := fixture.Sample()
	good := add(t, st, "good.png", fixture.PNG(r, fixture.Options{}))
	faint := add(t, st, "faint.png", fixture.PNG(r, fixture.Options{Faint: true}))
	text := add(t, st, "notes.jpg", []byte("just some text, not an image"))
	p.Kick()

	for _, d := range []store.Document{good, faint} {
		got := wait(t, p, d.ID).Data()
		if got.Status != capture.StatusCompleted || got.Total != r.Total() {
			t.Errorf("%s: status %s total %v (want %v)\n%s", d.FileName, got.Status, got.Total, r.Total(), got.Raw_Text)
		}
	}
	bad := wait(t, p, text.ID).Data()
	if bad.Status != capture.StatusFailed || bad.Reason == "" {
		t.Errorf("text file: %+v", bad)
	}
	msgs, err := st.DueMessages(store.KindMail, 10)
	if err != nil || len(msgs) != 3 {
		t.Errorf("want 3 notifications (completed and failed alike), got %d (%v)", len(msgs), err)
	}
	// Wait returns once the result is committed; the Finished hook runs
	// right after, on the worker.
	calls := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(finished)
	}
	for deadline := time.Now().Add(10 * time.Second); calls() < 3 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := calls(); n != 3 {
		t.Errorf("Finished called %d times, want 3", n)
	}
}

// panicky is a Reader that fails the way a broken engine would. It checks
// the pool's own handling, not OCR.
type panicky struct{ calls *int }

func (p panicky) ReadFile(context.Context, string) (ocr.Document, error) {
	*p.calls++
	if *p.calls == 1 {
		panic("engine fell over")
	}
	return ocr.Document{}, errors.New("engine busy")
}
func (panicky) Close() error { return nil }

func TestPoolSurvivesPanicsAndRetries(t *testing.T) {
	st := openStore(t)
	calls := 0
	p := pipeline.NewPool(st, pipeline.Options{
		Workers:     1,
		NewReader:   func() (pipeline.Reader, error) { return panicky{&calls}, nil },
		MaxAttempts: 2,
		Poll:        10 * time.Millisecond,
		Now:         func() time.Time { return time.Now().Add(-time.Hour) }, // retries are due at once
	})
	runPool(t, p)
	first := add(t, st, "a.png", []byte("a"))
	second := add(t, st, "b.png", []byte("b"))
	p.Kick()
	if d := wait(t, p, first.ID); d.Status != capture.StatusFailed || d.Reason != "internal error while reading the document" {
		t.Errorf("panicking job: %+v", d)
	}
	d := wait(t, p, second.ID)
	if d.Status != capture.StatusFailed || calls != 3 {
		t.Errorf("passing failure after %d attempts: status %s, %d reader calls", 2, d.Status, calls)
	}
}

func TestTextHash(t *testing.T) {
	a := pipeline.TextHash("TOTAL  RM 12.50\nThank you!")
	b := pipeline.TextHash("total rm 12 50 thank you")
	c := pipeline.TextHash("TOTAL RM 12.60")
	if a == "" || a != b || a == c || pipeline.TextHash(" -- \n") != "" {
		t.Fatalf("hashes %q %q %q", a, b, c)
	}
}

func ExampleReason() {
	fmt.Println(pipeline.Reason(fmt.Errorf("read x: %w", ocr.ErrCorrupt)))
	// Output: the file is damaged or truncated
}

// TestPoolRetiresJobOfDeadServers: a document whose every attempt ended
// with the whole server dead (claimed, then requeued at the next start,
// the attempt counted) fails at the next start without being read again,
// with the server's stop as its reason, and the queue behind it is read.
func TestPoolRetiresJobOfDeadServers(t *testing.T) {
	st := openStore(t)
	poison := add(t, st, "poison.png", []byte("not read again"))
	r := fixture.Sample()
	good := add(t, st, "good.png", fixture.PNG(r, fixture.Options{}))
	for attempt := 1; attempt <= 3; attempt++ {
		d, j, ok, err := st.ClaimOCRJob()
		if err != nil || !ok || d.ID != poison.ID || j.Attempts != attempt {
			t.Fatalf("claim %d: doc %d attempt %d %v %v", attempt, d.ID, j.Attempts, ok, err)
		}
		// The server dies here; the next start requeues the job.
		if n, err := st.RequeueRunning(); n != 1 || err != nil {
			t.Fatalf("requeue: %d %v", n, err)
		}
		if j, err := st.OCRJob(poison.ID); err != nil || j.Attempts != attempt || j.LastError != store.ReasonServerStopped {
			t.Fatalf("after death %d: %+v %v", attempt, j, err)
		}
	}
	calls := 0
	p := pipeline.NewPool(st, pipeline.Options{
		Workers: 1,
		NewReader: func() (pipeline.Reader, error) {
			e, err := engine()
			return counting{e, &calls}, err
		},
		MaxAttempts: 3,
		Poll:        20 * time.Millisecond,
	})
	runPool(t, p)
	if d := wait(t, p, poison.ID); d.Status != capture.StatusFailed || d.Reason != store.ReasonServerStopped {
		t.Errorf("poison after 3 deaths: %s %q", d.Status, d.Reason)
	}
	if d := wait(t, p, good.ID).Data(); d.Status != capture.StatusCompleted || d.Total != r.Total() {
		t.Errorf("good receipt: %s total %v", d.Status, d.Total)
	}
	if calls != 1 {
		t.Errorf("reader called %d times, want once (the good receipt)", calls)
	}
}

// counting is a Reader that counts its first readings.
type counting struct {
	pipeline.Reader
	calls *int
}

func (c counting) ReadFile(ctx context.Context, path string) (ocr.Document, error) {
	*c.calls++
	return c.Reader.ReadFile(ctx, path)
}
