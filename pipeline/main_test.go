package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
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
	if os.Getenv(childEnv+"_SANDBOX") != "" {
		scratch, err := os.Getwd()
		if err == nil {
			// Returns in the confined image.
			err = pipeline.Sandbox(scratch, filepath.SplitList(os.Getenv(childEnv+"_READ"))...)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "test child:", err)
			return 1
		}
	}
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
	word, arg, _ := bytes.Cut(data, []byte(" "))
	switch w := string(word); w {
	case "PROBE-WRITE", "PROBE-REMOVE", "PROBE-DIAL", "PROBE-READ":
		// What a reader taken over by a file could try; the answer
		// says whether the system let it.
		var err error
		switch w {
		case "PROBE-WRITE":
			err = os.WriteFile(string(arg), []byte("x"), 0o600)
		case "PROBE-REMOVE":
			err = os.Remove(string(arg))
		case "PROBE-READ":
			_, err = os.ReadFile(string(arg))
		case "PROBE-DIAL":
			var c net.Conn
			if c, err = net.DialTimeout("tcp", string(arg), 5*time.Second); err == nil {
				_ = c.Close()
			}
		}
		if err != nil {
			return ocr.Document{}, fmt.Errorf("probe refused: %w", err)
		}
		return ocr.Document{}, errors.New("probe allowed")
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
