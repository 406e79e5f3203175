package web_test

import (
	"os"
	"testing"

	"tillroll/ocr"
)

// TestMain restarts the test binary with Tesseract single-threaded, as
// the tillroll binary runs (see ocr.SingleThreaded).
func TestMain(m *testing.M) {
	if err := ocr.SingleThreaded(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}
