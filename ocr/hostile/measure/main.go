// Command measure writes the crafted corpus (with bombs as large as
// asked) and runs `tillroll scan` on each file in a child process, under
// an address-space limit and a time limit, printing the child's peak
// resident memory, its time and how it ended: the figures of README's
// limits table.
//
//	go build -o /tmp/tillroll . && go run ./ocr/hostile/measure -bin /tmp/tillroll -bomb 1073741824
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"tillroll/ocr/hostile"
)

func main() {
	bin := flag.String("bin", "tillroll", "the tillroll binary to measure")
	bomb := flag.Int("bomb", 1<<30, "bytes each decompression bomb inflates to")
	limitMB := flag.Int("limit-mb", 4096, "address-space limit of each child, in MB")
	timeout := flag.Duration("timeout", 2*time.Minute, "wall-clock limit of each child")
	only := flag.String("only", "", "measure only the files whose names contain this")
	large := flag.Bool("large", false, "measure the honest files at the limits (hostile.Large) too")
	dir := flag.String("dir", "", "where to write the files (a temporary directory when empty)")
	flag.Parse()
	if err := run(*bin, *bomb, *limitMB, *timeout, *only, *dir, *large); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}

func run(bin string, bomb, limitMB int, timeout time.Duration, only, dir string, large bool) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "tillroll-corpus-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	fmt.Printf("| file | bytes | peak RSS MB | seconds | outcome |\n| --- | --- | --- | --- | --- |\n")
	files := hostile.All(hostile.Options{Bomb: bomb})
	if large {
		files = append(files, hostile.Large()...)
	}
	for _, f := range files {
		if !strings.Contains(f.Name, only) {
			continue
		}
		path := filepath.Join(dir, f.Name)
		if err := os.WriteFile(path, f.Data, 0o600); err != nil {
			return err
		}
		rss, took, outcome := measure(bin, path, limitMB, timeout)
		fmt.Printf("| %s | %d | %d | %.1f | %s |\n", f.Name, len(f.Data), rss, took.Seconds(), outcome)
	}
	return nil
}

// measure runs bin scan path and returns the child's peak RSS in MB, its
// wall time and how it ended.
func measure(bin, path string, limitMB int, timeout time.Duration) (int64, time.Duration, string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// /usr/bin/time runs the scan as its own child, so the peak counts
	// that process alone (a child forked from this one would count the
	// corpus held here too).
	rssFile := path + ".rss"
	script := fmt.Sprintf("ulimit -v %d && exec /usr/bin/time -q -f %%M -o \"$2\" \"$0\" scan \"$1\"", limitMB<<10)
	cmd := exec.CommandContext(ctx, "sh", "-c", script, bin, path, rssFile)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	// Its own process group, killed whole at the time limit: time's
	// child would live on, holding the output pipes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	var rss int64
	if b, rerr := os.ReadFile(rssFile); rerr == nil {
		// time prints "Command terminated by signal N" first when so.
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		fmt.Sscanf(lines[len(lines)-1], "%d", &rss)
		rss >>= 10 // KB
		if strings.Contains(string(b), "signal") {
			err = errors.New(lines[0])
		}
	}
	outcome := "completed"
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		outcome = "killed after " + timeout.String()
	case errors.As(err, &exit) && exit.ProcessState.Sys().(syscall.WaitStatus).Signaled():
		outcome = "died: " + exit.ProcessState.Sys().(syscall.WaitStatus).Signal().String()
	case err != nil && strings.Contains(err.Error(), "signal"):
		outcome = "died: " + err.Error() + ": " + reason("", errOut.String())
	case err != nil:
		outcome = "failed: " + reason(out.String(), errOut.String())
	}
	return rss, took, outcome
}

// reason picks the Reason from scan's JSON line, or the last line of its
// errors (a Go fatal error, say).
func reason(stdout, stderr string) string {
	if i := strings.Index(stdout, `"Reason":"`); i >= 0 {
		r := stdout[i+len(`"Reason":"`):]
		if j := strings.Index(r, `"`); j >= 0 {
			return r[:j]
		}
	}
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "fatal error") || strings.HasPrefix(l, "runtime:") || strings.HasPrefix(l, "SIG") {
			return l
		}
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	return lines[len(lines)-1]
}
