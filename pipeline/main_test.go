package pipeline_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"tillroll/ocr"
	"tillroll/pipeline"
)

// TestMain restarts the test binary with Tesseract single-threaded, as
// the tillroll binary runs (see ocr.SingleThreaded). Started with
// childEnv set, the test binary is a child worker instead (childCommand).
func TestMain(m *testing.M) {
	if err := ocr.SingleThreaded(); err != nil {
		panic(err)
	}
	if os.Getenv(childEnv) != "" {
		os.Exit(serveTestChild())
	}
	os.Exit(m.Run())
}

const childEnv = "TILLROLL_TEST_CHILD"

// serveTestChild is a child worker with the real engine, whose reader
// misbehaves on files that start with a poison word, in the ways readers
// die on hostile files: it aborts (as a C library does), sleeps, spins, or
// allocates past its memory limit. Each poisoned call is noted in
// TILLROLL_TEST_CHILD_LOG/<word>, so the test can count the attempts.
func serveTestChild() int {
	var lim pipeline.ChildLimits
	lim.Memory, _ = strconv.ParseInt(os.Getenv(childEnv+"_MEMORY"), 10, 64)
	lim.CPU, _ = time.ParseDuration(os.Getenv(childEnv + "_CPU"))
	err := pipeline.ServeChild(os.NewFile(3, "jobs"), os.NewFile(4, "answers"), func() (pipeline.Reader, error) {
		e, err := ocr.NewEngine(ocr.Options{Limits: ocr.DefaultLimits()})
		return hostile{e}, err
	}, lim)
	if err != nil {
		fmt.Fprintln(os.Stderr, "test child:", err)
		return 1
	}
	return 0
}

type hostile struct{ *ocr.Engine }

var sink []byte

func (h hostile) ReadFile(ctx context.Context, path string) (ocr.Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ocr.Document{}, err
	}
	word, _, _ := bytes.Cut(data, []byte(" "))
	switch w := string(word); w {
	case "POISON-ABORT", "POISON-SLEEP", "POISON-SPIN", "POISON-ALLOC":
		if dir := os.Getenv(childEnv + "_LOG"); dir != "" {
			f, err := os.OpenFile(filepath.Join(dir, w), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
			if err == nil {
				_, _ = f.WriteString("x")
				_ = f.Close()
			}
		}
		switch w {
		case "POISON-ABORT":
			_ = syscall.Kill(os.Getpid(), syscall.SIGABRT)
		case "POISON-SLEEP":
			time.Sleep(time.Hour)
		case "POISON-SPIN":
			for n := 0; ; n++ {
				if n < 0 {
					break
				}
			}
		case "POISON-ALLOC":
			sink = make([]byte, 1<<30)
		}
		time.Sleep(time.Hour) // a signal on its way
	}
	return h.Engine.ReadFile(ctx, path)
}
