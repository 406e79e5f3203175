package main

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/internal/fixture"
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
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	cmd, url := startProcess(t, bin, data)
	c := createAccount(t, data, "shop")
	var keys []string
	for i := range 4 {
		r := fixture.Sample()
		r.Items[1].Qty = i + 2
		keys = append(keys, uploadAsync(t, url, c, fmt.Sprintf("r%d.png", i), fixture.PNG(r, fixture.Options{})))
	}
	deadline := time.Now().Add(time.Minute)
	for fetch(t, url, c, keys[0])["Status"] == capture.StatusPending && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
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

	_, url = startProcess(t, bin, data)
	for _, k := range keys {
		if d := waitCompleted(t, url, c, k); d["Total"].(float64) <= 0 {
			t.Errorf("%s: total %v", k, d["Total"])
		}
	}
}
