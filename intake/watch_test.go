package intake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tillroll/internal/testrun"
	"tillroll/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.CreateAccount("shop", "shop@example.com"); err != nil {
		t.Fatal(err)
	}
	return st
}

// A scanner writing slowly over the network: the file is not taken while
// it grows, and the document holds the whole file.
func TestWatchSlowWriter(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	w := NewWatcher(NewTaker(st, nil, Limits{}, nil), WatchConfig{Dir: dir, Account: "shop", Interval: 20 * time.Millisecond, Settle: 400 * time.Millisecond})
	stop := testrun.Go(t, w.Run)
	defer stop()

	content := append(testPDF(), bytes.Repeat([]byte("% padding\n"), 3000)...)
	if err := os.Mkdir(filepath.Join(dir, "scans"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "scans", "scan.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range 6 {
		n := len(content) / 6
		end := (chunk + 1) * n
		if chunk == 5 {
			end = len(content)
		}
		if _, err := f.Write(content[chunk*n : end]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond) // well inside Settle
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	done := filepath.Join(dir, WatchDir, "done", "scans", "scan.pdf")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(done); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the file was not taken in")
		}
		time.Sleep(20 * time.Millisecond)
	}
	docs := documents(t, st)
	sum := sha256.Sum256(content)
	if len(docs) != 1 || docs[0].SHA256 != hex.EncodeToString(sum[:]) || docs[0].Source.Via != "watch" || docs[0].Source.Path != "scans/scan.pdf" {
		t.Fatalf("documents %+v", docs)
	}
	if _, err := os.Stat(filepath.Join(dir, "scans", "scan.pdf")); !os.IsNotExist(err) {
		t.Fatalf("the taken file is still in the folder: %v", err)
	}
}

// Scans called directly: the first sees a file, the next takes it.
func scanTwice(t *testing.T, w *Watcher) {
	t.Helper()
	for range 2 {
		if _, err := w.Scan(context.Background()); err != nil {
			t.Fatalf("scan: %v", err)
		}
	}
}

func TestWatchRestartAndRefusals(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	cfg := WatchConfig{Dir: dir, Account: "shop", Settle: time.Nanosecond}
	pdf := testPDF()
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("invoice.pdf", pdf)
	write("notes.txt", []byte("not a document"))
	write("empty.pdf", nil)
	write(".hidden.pdf", pdf)     // being written by a client that renames when done
	write("upload.pdf.part", pdf) // likewise
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link.pdf")); err != nil {
		t.Fatal(err)
	}
	scanTwice(t, NewWatcher(NewTaker(st, nil, Limits{}, nil), cfg))

	if n := len(documents(t, st)); n != 1 {
		t.Fatalf("%d documents, want 1", n)
	}
	for _, tc := range []struct{ name, want string }{{"notes.txt", "not a document"}, {"empty.pdf", "empty"}} {
		note, err := os.ReadFile(filepath.Join(dir, WatchDir, "failed", tc.name+".txt"))
		if err != nil || !strings.Contains(string(note), tc.want) {
			t.Errorf("failed note for %s: %q %v", tc.name, note, err)
		}
	}
	for _, name := range []string{".hidden.pdf", "upload.pdf.part", "link.pdf"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was touched: %v", name, err)
		}
	}

	// A crash after the commit, before the move: the file is still there
	// (same bytes, same modification time) when Tillroll starts again.
	done := filepath.Join(dir, WatchDir, "done", "invoice.pdf")
	info, err := os.Stat(done)
	if err != nil {
		t.Fatal(err)
	}
	write("invoice.pdf", pdf)
	if err := os.Chtimes(filepath.Join(dir, "invoice.pdf"), info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	scanTwice(t, NewWatcher(NewTaker(st, nil, Limits{}, nil), cfg)) // a new process: no memory of the last
	if n := len(documents(t, st)); n != 1 {
		t.Fatalf("after the restart: %d documents, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(dir, WatchDir, "done", "invoice-2.pdf")); err != nil {
		t.Fatalf("the recognised file was not moved away: %v", err)
	}
	// The same name scanned again later is a new document.
	write("invoice.pdf", append(pdf, '\n'))
	cfg.Delete = true
	scanTwice(t, NewWatcher(NewTaker(st, nil, Limits{}, nil), cfg))
	if n := len(documents(t, st)); n != 2 {
		t.Fatalf("a new scan under an old name: %d documents, want 2", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "invoice.pdf")); !os.IsNotExist(err) {
		t.Fatalf("with Delete the taken file stays: %v", err)
	}
	// Nothing left the watched folder or the data directory.
	entries, _ := os.ReadDir(filepath.Join(st.Dir(), "files"))
	if len(entries) != 2 {
		t.Errorf("%d stored files, want 2", len(entries))
	}
}

// BenchmarkWatchScan100k is one scan of a folder of 100,000 files that
// are all still settling: the cost a watch folder adds every interval.
func BenchmarkWatchScan100k(b *testing.B) {
	dir := b.TempDir()
	for i := range 100 {
		sub := filepath.Join(dir, "d"+strconv.Itoa(i))
		if err := os.Mkdir(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		for j := range 1000 {
			if err := os.WriteFile(filepath.Join(sub, strconv.Itoa(j)+".pdf"), []byte("x"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	w := NewWatcher(NewTaker(st, nil, Limits{}, nil), WatchConfig{Dir: dir, Account: "shop", Settle: time.Hour})
	b.ResetTimer()
	for range b.N {
		if _, err := w.Scan(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// A saved watch folder that goes away (a share unmounted) shows why on
// the list and is watched again once it is back, with no restart.
func TestWatchManagerFolderGoneAndBack(t *testing.T) {
	st := openStore(t)
	m := NewWatchManager(NewTaker(st, nil, Limits{}, nil), st.Dir(), nil, WatchConfig{Interval: 100 * time.Millisecond, Settle: 100 * time.Millisecond})
	dir := filepath.Join(t.TempDir(), "scans")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := m.Add(store.WatchFolder{Dir: dir, Account: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(dir); err != nil { // gone before its watcher starts
		t.Fatal(err)
	}
	stop := testrun.Go(t, m.Run)
	defer stop()
	problem := func() string {
		list, err := m.List()
		if err != nil || len(list) != 1 || list[0].ID != f.ID {
			t.Fatalf("list %+v %v", list, err)
		}
		return list[0].Problem
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: problem %q", what, problem())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("the missing folder is shown", func() bool { return strings.Contains(problem(), "missing") })
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m.Kick()
	if err := os.WriteFile(filepath.Join(dir, "a.pdf"), testPDF(), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor("the file in the folder that came back is taken", func() bool {
		_, err := os.Stat(filepath.Join(dir, WatchDir, "done", "a.pdf"))
		return err == nil
	})
	if p := problem(); p != "" {
		t.Fatalf("problem %q while watched", p)
	}
}
