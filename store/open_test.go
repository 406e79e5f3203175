package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOpenHeldKeepsTmp: a command that opens a data directory a server
// holds (and so goes through its admin socket) leaves the server's tmp
// alone: its uploads in flight and its workers' scratch directories.
func TestOpenHeldKeepsTmp(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	scratch := filepath.Join(s.Dir(), "tmp", "worker-0")
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if _, err := os.Stat(scratch); err != nil {
		t.Errorf("the holder's scratch directory after a second open: %v", err)
	}
}
