package pipeline_test

import (
	"testing"

	"tillroll/capture"
	"tillroll/pipeline"
	"tillroll/store"
)

// TestRemoteAttemptsAndResults: a worker machine's attempts count in the
// store as local ones do, so a file that kills every worker fails after
// the limit; a failure that may pass queues a retry; the first outcome of
// a document wins and a later one, or a late failure, changes nothing.
func TestRemoteAttemptsAndResults(t *testing.T) {
	st := openStore(t)
	p := pipeline.NewPool(st, pipeline.Options{MaxAttempts: 2})

	// Two workers start it and go silent; the third start is one too many.
	poison := add(t, st, "poison.png", []byte("poison"))
	for i := range 3 {
		if err := p.RemoteStarted(poison.ID, "shop-1"); err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			if j, err := st.OCRJob(poison.ID); err != nil || j.Attempts != i+1 || j.State != store.JobRunning {
				t.Fatalf("start %d: job %+v %v, want attempt %d running", i+1, j, err, i+1)
			}
		}
	}
	if d, err := st.Document(poison.ID); err != nil || d.Status != capture.StatusFailed {
		t.Fatalf("after three starts with two attempts: %v %v, want failed", d.Status, err)
	}

	// A passing failure queues a retry.
	d := add(t, st, "r.png", []byte("receipt"))
	if err := p.RemoteStarted(d.ID, "shop-1"); err != nil {
		t.Fatal(err)
	}
	passing := pipeline.RemoteResult{Error: &pipeline.ReadError{Reason: pipeline.ErrTimeout.Error(), Message: "timeout"}}
	if err := p.RemoteDone(d.ID, "shop-1", passing); err != nil {
		t.Fatal(err)
	}
	if j, err := st.OCRJob(d.ID); err != nil || j.State != store.JobQueued || j.LastError != pipeline.ErrTimeout.Error() {
		t.Fatalf("after a passing failure: %+v %v, want queued again", j, err)
	}

	// The first outcome wins; a second one and a late failure change nothing.
	first := pipeline.Outcome{Result: capture.Result{Total: 12.1, Pages: 1}}
	second := pipeline.Outcome{Result: capture.Result{Total: 99, Pages: 1}}
	for _, r := range []pipeline.RemoteResult{{Outcome: &first}, {Outcome: &second}, {Error: &pipeline.ReadError{Reason: "x", Permanent: true}}} {
		if err := p.RemoteDone(d.ID, "shop-2", r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Document(d.ID)
	if err != nil || got.Status != capture.StatusCompleted || got.Result == nil || got.Result.Total != 12.1 {
		t.Fatalf("document %+v %v, want completed with the first result's total", got, err)
	}
}
