package main

import (
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
	os.Exit(m.Run())
}
