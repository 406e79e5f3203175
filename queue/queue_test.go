package queue_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/queue"
	"tillroll/store"
)

func openQueue(t *testing.T, dir string) *queue.Queue {
	t.Helper()
	secret, err := queue.LoadSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.Open(context.Background(), queue.Options{
		Dir: filepath.Join(dir, queue.Dir), Secret: secret, AckWait: 30 * time.Second, MaxAttempts: 3,
	})
	if err != nil {
		t.Fatalf("open queue: %v", err)
	}
	return q
}

func newDoc(t *testing.T, st *store.Store, content string) store.Document {
	t.Helper()
	f, err := st.SaveFile(bytes.NewReader([]byte(content)), 1<<20, "jpg")
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.CreateDocument(store.NewDocument{Account: "shop", FileName: "a.jpg", File: f, Kind: "jpeg"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The relay publishes each job once however often it runs, a worker gets
// it, and an acknowledged job is gone; a JetStream folder lost while the
// store still holds unfinished jobs is rebuilt from the store.
func TestRelayAndReconcile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateAccount("shop", "shop@example.com"); err != nil {
		t.Fatal(err)
	}
	a, b := newDoc(t, st, "first"), newDoc(t, st, "second")

	q := openQueue(t, dir)
	rctx, stop := context.WithCancel(ctx)
	relayed := make(chan error, 1)
	go func() { relayed <- q.Relay(rctx, st, queue.RelayOptions{Poll: 20 * time.Millisecond}) }()
	waitDepth(t, q, 2)
	// Unmarked as if the process died between publishing and marking: the
	// second publish of the same attempt is dropped as a duplicate.
	for _, id := range []uint64{a.ID, b.ID} {
		if err := st.UnmarkOCRJobPublished(id); err != nil {
			t.Fatal(err)
		}
	}
	q.Kick()
	time.Sleep(200 * time.Millisecond)
	waitDepth(t, q, 2)
	if js, _ := st.UnpublishedOCRJobs(10); len(js) != 0 {
		t.Fatalf("unpublished after relay: %+v", js)
	}

	dl, err := q.Next(ctx, 5*time.Second)
	if err != nil || dl == nil {
		t.Fatalf("next: %v %v", dl, err)
	}
	if dl.Job.DocID != a.ID || dl.Job.Attempt != 1 || dl.Job.Token == "" {
		t.Fatalf("first job: %+v, want document %d attempt 1 with a token", dl.Job, a.ID)
	}
	if _, err := st.CompleteOCRJob(a.ID, capture.Result{}, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := dl.Ack(ctx); err != nil {
		t.Fatalf("ack: %v", err)
	}
	waitDepth(t, q, 1)
	stop()
	<-relayed
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	// The JetStream folder is lost: the store's unfinished job comes back.
	if err := os.RemoveAll(filepath.Join(dir, queue.Dir)); err != nil {
		t.Fatal(err)
	}
	q = openQueue(t, dir)
	defer q.Close()
	n, err := q.Reconcile(ctx, st)
	if err != nil || n != 1 {
		t.Fatalf("reconcile: %d %v, want 1 job", n, err)
	}
	rctx, stop = context.WithCancel(ctx)
	defer stop()
	go func() { _ = q.Relay(rctx, st, queue.RelayOptions{Poll: 20 * time.Millisecond}) }()
	dl, err = q.Next(ctx, 5*time.Second)
	if err != nil || dl == nil || dl.Job.DocID != b.ID {
		t.Fatalf("after reconcile: %+v %v, want document %d", dl, err, b.ID)
	}
	if n, err := q.Reconcile(ctx, st); err != nil || n != 0 {
		t.Fatalf("second reconcile: %d %v, want none: the stream holds it", n, err)
	}
}

func waitDepth(t *testing.T, q *queue.Queue, want uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := q.Depth(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue depth %d, want %d", n, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
