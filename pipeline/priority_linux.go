package pipeline

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// workerNice is the scheduling priority of OCR workers: below the HTTP
// handlers, so an upload gets its key at once even while every core is
// reading documents.
const workerNice = 10

// background pins the calling goroutine to its OS thread for the rest of
// its life (the thread ends with it) and lowers that thread's priority.
// Tesseract runs on the calling thread, so the whole reading is niced.
func background() error {
	runtime.LockOSThread()
	if err := unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), workerNice); err != nil {
		return fmt.Errorf("lower OCR worker priority: %w", err)
	}
	return nil
}
