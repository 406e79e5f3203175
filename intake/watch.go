package intake

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"tillroll/store"
)

// WatchDir is the folder, under a watched folder, where Tillroll keeps what
// it took in (done/) and what it could not (failed/, each file with a .txt
// beside it giving the reason). The scan never enters it.
const WatchDir = ".tillroll"

// WatchConfig is one watched folder.
type WatchConfig struct {
	Dir     string // the folder a scanner writes to
	Account string // whose documents its files become
	// Interval between two scans of the whole folder; change
	// notifications (where the system gives them: not on SMB or NFS
	// mounts) only start a scan earlier. Default 10 s.
	Interval time.Duration
	// Settle is how long a file's size and modification time must stay
	// unchanged before it is taken. Default 5 s.
	Settle time.Duration
	// Delete removes taken files instead of moving them to .tillroll/done.
	Delete bool
	// MaxPerScan bounds the files taken in one scan (default 100), so a
	// folder of 100,000 files is worked through without one long pause.
	MaxPerScan int
}

// Watcher takes in the files that appear in one folder or its subfolders.
type Watcher struct {
	t    *Taker
	cfg  WatchConfig
	seen map[string]fileState // candidate files, by path relative to Dir
}

type fileState struct {
	size  int64
	mtime time.Time
	since time.Time // when size and mtime were first seen as they are
}

// NewWatcher makes a watcher of cfg.Dir.
func NewWatcher(t *Taker, cfg WatchConfig) *Watcher {
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 5 * time.Second
	}
	if cfg.MaxPerScan <= 0 {
		cfg.MaxPerScan = 100
	}
	if abs, err := filepath.Abs(cfg.Dir); err == nil {
		cfg.Dir = abs
	}
	return &Watcher{t: t, cfg: cfg, seen: map[string]fileState{}}
}

// Run scans the folder until ctx ends: every Interval, and soon after a
// change notification. A failing scan (the share gone away) is logged and
// tried again at the next one.
func (w *Watcher) Run(ctx context.Context) error {
	if _, err := os.Stat(w.cfg.Dir); err != nil {
		return fmt.Errorf("watch folder: %w", err)
	}
	log := w.t.log.With("watch", w.cfg.Dir, "account", w.cfg.Account)
	events := make(chan struct{}, 1)
	if n, err := fsnotify.NewWatcher(); err != nil {
		log.Info("no change notifications; scanning only", "err", err)
	} else {
		defer n.Close()
		w.addWatches(n)
		go func() {
			for {
				select {
				case ev, ok := <-n.Events:
					if !ok {
						return
					}
					if ev.Has(fsnotify.Create) {
						if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() && !w.inside(ev.Name) {
							_ = n.Add(ev.Name)
						}
					}
					select {
					case events <- struct{}{}:
					default:
					}
				case _, ok := <-n.Errors:
					if !ok {
						return
					}
				}
			}
		}()
	}
	for {
		began := time.Now()
		next, err := w.Scan(ctx)
		if err != nil {
			log.Warn("watch folder scan", "err", err)
		}
		wait := w.cfg.Interval
		if next > 0 && next < wait {
			wait = next
		}
		// A huge folder is scanned less often: between two scans at least
		// ten times as long as the last one took, whatever wakes us.
		floor := 10 * time.Since(began)
		if !sleep(ctx, floor) {
			return nil
		}
		if wait > floor {
			t := time.NewTimer(wait - floor)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			case <-events:
				t.Stop()
			}
		}
	}
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// inside tells whether path is in the folder's .tillroll.
func (w *Watcher) inside(path string) bool {
	rel, err := filepath.Rel(w.cfg.Dir, path)
	return err == nil && (rel == WatchDir || strings.HasPrefix(rel, WatchDir+string(filepath.Separator)))
}

func (w *Watcher) addWatches(n *fsnotify.Watcher) {
	_ = filepath.WalkDir(w.cfg.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if w.inside(p) {
			return filepath.SkipDir
		}
		_ = n.Add(p)
		return nil
	})
}

// Scan walks the folder once and takes in every file that has settled, at
// most MaxPerScan of them. It returns how soon a file still settling may
// be ready (0: none is).
func (w *Watcher) Scan(ctx context.Context) (time.Duration, error) {
	now := w.t.now()
	present := map[string]bool{}
	var ready []string
	var soonest time.Duration
	err := filepath.WalkDir(w.cfg.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == w.cfg.Dir {
				return err
			}
			return nil // a file gone between listing and reading
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != w.cfg.Dir && (w.inside(p) || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		// Regular files only: a symlink could point outside the folder.
		// Hidden and temporary names are files still being written.
		if !d.Type().IsRegular() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") ||
			strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		rel, err := filepath.Rel(w.cfg.Dir, p)
		if err != nil {
			return nil
		}
		present[rel] = true
		st, ok := w.seen[rel]
		if !ok || st.size != info.Size() || !st.mtime.Equal(info.ModTime()) {
			w.seen[rel] = fileState{size: info.Size(), mtime: info.ModTime(), since: now}
			soonest = minPositive(soonest, w.cfg.Settle)
			return nil
		}
		if left := w.cfg.Settle - now.Sub(st.since); left > 0 {
			soonest = minPositive(soonest, left)
			return nil
		}
		if len(ready) < w.cfg.MaxPerScan {
			ready = append(ready, rel)
		} else {
			soonest = minPositive(soonest, time.Millisecond)
		}
		return nil
	})
	for rel := range w.seen {
		if !present[rel] {
			delete(w.seen, rel)
		}
	}
	if err != nil {
		return soonest, fmt.Errorf("scan %s: %w", w.cfg.Dir, err)
	}
	var errs []error
	for _, rel := range ready {
		if err := ctx.Err(); err != nil {
			break
		}
		if err := w.take(rel); err != nil {
			errs = append(errs, err)
			continue // the file stays and is tried again at the next scan
		}
		delete(w.seen, rel)
	}
	return soonest, errors.Join(errs...)
}

func minPositive(a, b time.Duration) time.Duration {
	if a <= 0 || b < a {
		return b
	}
	return a
}

// take reads one settled file into a document, commits it with its mark,
// and only then moves it away (to done/, or deletes it). A file whose
// kind or size Tillroll refuses goes to failed/ with the reason beside it.
// After a crash between the commit and the move, the file is found again:
// its mark (path, size, modification time and content) recognises it and
// it is moved without a second document.
func (w *Watcher) take(rel string) error {
	path := filepath.Join(w.cfg.Dir, rel)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", rel, err) // still locked by its writer, say
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("stat %s: %w", rel, err)
	}
	file, kind, err := w.t.st.SaveUpload(f, w.t.lim.MaxFile)
	_ = f.Close()
	switch {
	case errors.Is(err, store.ErrEmptyFile):
		return w.fail(rel, "the file is empty")
	case errors.Is(err, store.ErrUnsupportedFile):
		return w.fail(rel, "not a document Tillroll reads: send a PDF, a JPEG, PNG, TIFF, WebP, GIF or BMP image, or an e-invoice XML")
	case errors.Is(err, store.ErrFileTooLarge):
		return w.fail(rel, fmt.Sprintf("the file is larger than %d MB (--max-upload)", w.t.lim.MaxFile>>20))
	case err != nil:
		return fmt.Errorf("save %s: %w", rel, err)
	}
	mark := store.MarkKey("watch", w.cfg.Account, w.cfg.Dir, filepath.ToSlash(rel),
		strconv.FormatInt(info.Size(), 10), strconv.FormatInt(info.ModTime().UnixNano(), 10), file.SHA256)
	in := store.NewDocument{Account: w.cfg.Account, FileName: filepath.Base(rel), File: file, Kind: string(kind),
		Source: &store.Source{Via: "watch", Path: filepath.ToSlash(rel)}}
	docs, dup, err := w.t.commit([]store.NewDocument{in}, mark)
	if err != nil {
		return err
	}
	w.t.log.Info("watch folder file taken in", "watch", w.cfg.Dir, "file", rel, "documents", len(docs), "duplicate", dup)
	if w.cfg.Delete {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove taken file: %w", err)
		}
		return nil
	}
	_, err = w.moveTo("done", rel)
	return err
}

// fail moves a file Tillroll will never read to failed/, with a note.
func (w *Watcher) fail(rel, reason string) error {
	w.t.log.Info("watch folder file refused", "watch", w.cfg.Dir, "file", rel, "reason", reason)
	dst, err := w.moveTo("failed", rel)
	if err != nil {
		return err
	}
	note := dst + ".txt"
	if err := os.WriteFile(note, []byte(reason+"\n"), 0o644); err != nil {
		return fmt.Errorf("write failure note: %w", err)
	}
	return nil
}

// moveTo moves a file to .tillroll/<sub>/<rel>, keeping its subfolders;
// a name already there gets -2, -3, ... before its extension.
func (w *Watcher) moveTo(sub, rel string) (string, error) {
	dst := filepath.Join(w.cfg.Dir, WatchDir, sub, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("make %s folder: %w", sub, err)
	}
	ext := filepath.Ext(dst)
	base := strings.TrimSuffix(dst, ext)
	for n := 2; ; n++ {
		if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			break
		}
		dst = base + "-" + strconv.Itoa(n) + ext
	}
	if err := os.Rename(filepath.Join(w.cfg.Dir, rel), dst); err != nil {
		return "", fmt.Errorf("move to %s: %w", sub, err)
	}
	return dst, nil
}
