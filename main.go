// Command tillroll is an on-premise receipt and invoice capture server in
// one binary: see README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"tillroll/ocr"
)

func main() {
	// Tesseract must read single-threaded (see ocr.SingleThreaded); this
	// restarts the process once with OMP_THREAD_LIMIT=1 when it is unset.
	if err := ocr.SingleThreaded(); err != nil {
		fmt.Fprintln(os.Stderr, "tillroll:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tillroll:", err)
		os.Exit(exitCode(err))
	}
}
