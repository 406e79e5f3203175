package ocr

import (
	"fmt"
	"os"
	"syscall"
)

// Debian's Tesseract is built with OpenMP and asks for several threads per
// page, whose idle threads spin: one page then costs about five times the
// CPU, and the workers fight over the cores. Tillroll runs one worker per
// core instead, so each engine must read single-threaded. OpenMP reads its
// thread limit only from the environment, once, when the library loads,
// before any Go code runs; so the process sets it and starts itself again.

// ompLimit is the environment variable OpenMP takes its thread limit from.
const ompLimit = "OMP_THREAD_LIMIT"

// SingleThreaded makes sure Tesseract reads with one thread per engine: if
// OMP_THREAD_LIMIT is unset, it sets it to 1 and re-executes the current
// program with the same arguments (it returns only on failure). With the
// variable already set (by this or by the user), it does nothing. Call it
// first thing in main, and in TestMain of tests that run Tesseract.
func SingleThreaded() error {
	if os.Getenv(ompLimit) != "" {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	env := append(os.Environ(), ompLimit+"=1")
	if err := syscall.Exec(exe, os.Args, env); err != nil {
		return fmt.Errorf("restart with %s=1: %w", ompLimit, err)
	}
	return nil
}
