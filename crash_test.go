package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/internal/fixture"
	"tillroll/store"
)

// buildBinary builds tillroll once per test run, as `go build` does.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tillroll")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// startProcess runs `tillroll serve` as its own process and returns its URL.
// args are more serve flags; a later --workers overrides the default 1.
func startProcess(t testing.TB, bin, data string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--workers", "1"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	re := regexp.MustCompile(`running: (http://\S+)`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return cmd, m[1]
		}
	}
	t.Fatalf("serve printed no URL")
	return nil, ""
}

// queued is the built binary running with documents queued, the first
// of them being read.
type queued struct {
	bin, data, url string
	cmd            *exec.Cmd
	c              store.Credentials
	keys           []string
}

// startWithQueue builds and starts the binary, uploads n different
// receipts and returns once the first is no longer pending.
func startWithQueue(t *testing.T, n int) queued {
	t.Helper()
	q := queued{bin: buildBinary(t), data: filepath.Join(t.TempDir(), "data")}
	q.cmd, q.url = startProcess(t, q.bin, q.data)
	q.c = createAccount(t, q.data, "shop")
	for i := range n {
		r := fixture.Sample()
		r.Items[1].Qty = i + 2
		q.keys = append(q.keys, uploadAsync(t, q.url, q.c, fmt.Sprintf("r%d.png", i), fixture.PNG(r, fixture.Options{})))
	}
	deadline := time.Now().Add(time.Minute)
	for fetch(t, q.url, q.c, q.keys[0])["Status"] == capture.StatusPending && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return q
}

// TestKillNineLosesNothing kills the server with SIGKILL while documents
// are queued and one is being read; after a restart every key given out
// resolves and completes.
func TestKillNineLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	q := startWithQueue(t, 5)
	bin, data, cmd, c, keys := q.bin, q.data, q.cmd, q.c, q.keys
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	_, url := startProcess(t, bin, data)
	for _, k := range keys {
		d := waitCompleted(t, url, c, k)
		if d["Total"].(float64) <= 0 {
			t.Errorf("%s: total %v", k, d["Total"])
		}
	}
}
