package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/internal/fixture"
	"tillroll/store"
)

// TestKillNineLoopRetiresJob is the crash loop of a box whose server dies
// while reading one document, as systemd's Restart=on-failure would run
// it: the built binary is killed with SIGKILL each time that document is
// being read. Each death counts an attempt (committed before the worker got
// the job); the worker processes die with the server; after the attempt
// limit the next start fails the document at once with the reason, and
// the documents queued behind it complete.
func TestKillNineLoopRetiresJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const attempts = 3
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	cmd, url := startProcess(t, bin, data)
	c := createAccount(t, data, "shop")
	// The first document is a long receipt at twice the usual size, so
	// its reading lasts long enough to be killed in; it is claimed first at
	// every start: the oldest job.
	long := fixture.Sample()
	for i := range 40 {
		long.Items = append(long.Items, fixture.Item{Name: fmt.Sprintf("ITEM %d", i), Qty: 1, Price: float64(i%9) + 0.5})
	}
	images := [][]byte{fixture.PNG(long, fixture.Options{Width: 1600})}
	r := fixture.Sample()
	for i := range 2 {
		r.Items[1].Qty = i + 2
		images = append(images, fixture.PNG(r, fixture.Options{}))
	}
	var keys []string
	for i, img := range images {
		keys = append(keys, uploadAsync(t, url, c, fmt.Sprintf("r%d.png", i), img))
	}
	poison := keys[0]
	for death := 1; death <= attempts; death++ {
		deadline := time.Now().Add(time.Minute)
		for st := fetch(t, url, c, poison)["Status"]; st != capture.StatusProcessing; st = fetch(t, url, c, poison)["Status"] {
			if time.Now().After(deadline) || st == capture.StatusCompleted || st == capture.StatusFailed {
				t.Fatalf("start %d: %s is %v, never seen processing", death, poison, st)
			}
			time.Sleep(2 * time.Millisecond)
		}
		workers := childPIDs(t, cmd.Process.Pid)
		if len(workers) != 1 {
			t.Fatalf("server runs %d worker processes, want 1 (--workers 1)", len(workers))
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		for _, pid := range workers {
			waitGone(t, pid)
		}

		st, err := store.Open(data, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := st.DocumentByKey("shop", poison)
		if err != nil {
			t.Fatal(err)
		}
		j, err := st.OCRJob(d.ID)
		if cerr := st.Close(); cerr != nil {
			t.Fatal(cerr)
		}
		if err != nil || j.Attempts != death {
			t.Fatalf("after death %d: job %+v (%v), want %d attempts", death, j, err, death)
		}
		cmd, url = startProcess(t, bin, data)
	}
	start := time.Now()
	d := fetch(t, url, c, poison)
	for d["Status"] != capture.StatusFailed && time.Since(start) < time.Minute {
		time.Sleep(10 * time.Millisecond)
		d = fetch(t, url, c, poison)
	}
	if d["Status"] != capture.StatusFailed || d["Reason"] != store.ReasonServerStopped {
		t.Fatalf("after %d deaths: %v %q, want failed %q", attempts, d["Status"], d["Reason"], store.ReasonServerStopped)
	}
	for _, k := range keys[1:] {
		if got := waitCompleted(t, url, c, k); got["Total"].(float64) <= 0 {
			t.Errorf("%s: total %v", k, got["Total"])
		}
	}
}

// childPIDs are the processes pid started (its OCR workers).
func childPIDs(t testing.TB, pid int) []int {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	if err != nil || len(tasks) == 0 {
		t.Skipf("no /proc children list here (%v)", err)
	}
	var out []int
	for _, f := range tasks {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, s := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(s); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// waitGone waits until pid has exited (a zombie waiting for init counts).
func waitGone(t testing.TB, pid int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		// pid (comm) state ...: the state follows the last ')'.
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && len(stat) > i+2 && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
			return
		}
	}
	t.Fatalf("worker process %d outlived the server", pid)
}
