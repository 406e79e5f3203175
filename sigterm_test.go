package main

import (
	"syscall"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/store"
)

// TestSIGTERMDrains stops the built binary with SIGTERM, as systemd does,
// while documents are queued and one is being read: the process exits 0
// after the worker has finished its document (none is left "processing"),
// the database opens clean, and after a restart every key completes.
func TestSIGTERMDrains(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	q := startWithQueue(t, 4)
	bin, data, cmd, c, keys := q.bin, q.data, q.cmd, q.c, q.keys
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("after SIGTERM: %v (want exit status 0)", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("no exit two minutes after SIGTERM")
	}

	st, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatalf("database after SIGTERM: %v", err)
	}
	for _, k := range keys {
		d, err := st.DocumentByKey("shop", k)
		if err != nil || d.Status == capture.StatusProcessing {
			t.Errorf("%s after SIGTERM: %q %v (a worker stopped mid-document)", k, d.Status, err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	_, url := startProcess(t, bin, data)
	for _, k := range keys {
		if d := waitCompleted(t, url, c, k); d["Total"].(float64) <= 0 {
			t.Errorf("%s: total %v", k, d["Total"])
		}
	}
}
