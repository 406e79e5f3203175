package main

import (
	"context"
	"fmt"
	"os"
	"testing"

	"tillroll/ocr"
)

// TestMain restarts the test binary with Tesseract single-threaded, as
// main does.
func TestMain(m *testing.M) {
	if err := ocr.SingleThreaded(); err != nil {
		panic(err)
	}
	// A server started by a test runs its OCR workers as this binary
	// with the worker command, as tillroll serve runs itself.
	if len(os.Args) > 1 && os.Args[1] == workerCommand {
		if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "tillroll:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
