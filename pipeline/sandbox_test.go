package pipeline_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/pipeline"
)

// TestChildSandbox: a child worker confined by Sandbox writes its scratch
// directory and nothing else (the system answers EACCES), cannot remove
// a file outside it, read one outside the folders it was given and the
// system's, nor open a TCP connection, and still reads a receipt with
// Tesseract. It runs wherever the kernel has Landlock.
func TestChildSandbox(t *testing.T) {
	abi, err := pipeline.SandboxSupport()
	if err != nil {
		t.Skipf("no sandbox on this kernel: %v", err)
	}
	scratch := t.TempDir()
	jobs := filepath.Join(t.TempDir(), "jobs") // the originals it is sent
	if err := os.Mkdir(jobs, 0o700); err != nil {
		t.Fatal(err)
	}
	c, err := pipeline.NewChild(pipeline.ChildOptions{
		Command: []string{os.Args[0]},
		Env:     []string{childEnv + "=1", childEnv + "_SANDBOX=1", childEnv + "_READ=" + jobs},
		Dir:     scratch,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	// Still the kernel's first choice should memory run out: the score
	// was written before the sandbox closed /proc to writes.
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(c.PID()) + "/oom_score_adj"); err != nil || strings.TrimSpace(string(b)) != "500" {
		t.Errorf("child's oom_score_adj %q (%v), want 500", b, err)
	}

	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	n := 0
	probe := func(words string) string {
		t.Helper()
		n++
		path := filepath.Join(jobs, strconv.Itoa(n)+".txt")
		if err := os.WriteFile(path, []byte(words), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := c.Read(t.Context(), pipeline.Job{DocID: 1, Path: path})
		if err == nil {
			t.Fatalf("%s: no answer of the probe", words)
		}
		return err.Error()
	}
	for _, tc := range []struct {
		probe, want string
		minABI      int
	}{
		{"PROBE-WRITE " + filepath.Join(scratch, "inside"), "probe allowed", 1},
		{"PROBE-WRITE " + filepath.Join(outside, "outside"), "permission denied", 1},
		{"PROBE-WRITE " + victim, "permission denied", 1},
		{"PROBE-REMOVE " + victim, "permission denied", 1},
		{"PROBE-WRITE /dev/null", "probe allowed", 1},
		// Reading: the originals and the system, not the rest (the data
		// directory, with the database and its key).
		{"PROBE-READ " + victim, "permission denied", 1},
		{"PROBE-READ " + filepath.Join(jobs, "1.txt"), "probe allowed", 1},
		{"PROBE-READ /usr/share/tesseract-ocr", "is a directory", 1},
		{"PROBE-READ /etc/hostname", "permission denied", 1},
		{"PROBE-DIAL " + ln.Addr().String(), "permission denied", 4},
	} {
		if abi < tc.minABI {
			t.Logf("%s: Landlock ABI %d < %d, not checked", tc.probe, abi, tc.minABI)
			continue
		}
		if got := probe(tc.probe); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %s, want %q", tc.probe, got, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "outside")); !os.IsNotExist(err) {
		t.Errorf("a file outside the scratch directory was made (%v)", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the file outside was changed: %q", b)
	}

	// Reading goes on as before, inside.
	r := fixture.Sample()
	receipt := filepath.Join(jobs, "receipt.png")
	if err := os.WriteFile(receipt, fixture.PNG(r, fixture.Options{}), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := c.Read(t.Context(), pipeline.Job{DocID: 2, Path: receipt})
	if err != nil || o.Result.Total != r.Total() {
		t.Errorf("receipt in the sandbox: %v, total %v, want %v", err, o.Result.Total, r.Total())
	}
}
