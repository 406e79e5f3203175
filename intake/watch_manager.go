package intake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"tillroll/store"
)

// systemDirs are folders (and everything under them) never watched: a
// watch folder's files are moved away, and these are the system's own.
var systemDirs = []string{"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr", "/var/lib", "/var/log", "/var/cache", "/var/spool"}

// CheckWatchDir checks a folder before it is watched, as --watch or from
// the intake page: it must be an absolute path to an existing folder
// (symbolic links resolved), neither inside the data directory nor holding
// it (the watcher would move Tillroll's own files), not the root or a
// top-level folder, not a system folder, and not inside or around another
// watch folder (two watchers would take the same files). It returns the
// resolved path; errors wrap store.ErrInvalid and say why.
func CheckWatchDir(dir, dataDir string, others []string) (string, error) {
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("%w: the folder %q must be an absolute path, like /srv/scans/shop", store.ErrInvalid, dir)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(dir))
	if err != nil {
		return "", fmt.Errorf("%w: the folder %s does not exist or cannot be read", store.ErrInvalid, dir)
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%w: %s is not a folder", store.ErrInvalid, dir)
	}
	data, err := filepath.Abs(dataDir)
	if err == nil {
		if r, err := filepath.EvalSymlinks(data); err == nil {
			data = r
		}
	}
	switch {
	case within(real, data):
		return "", fmt.Errorf("%w: %s is inside the data directory %s", store.ErrInvalid, dir, data)
	case within(data, real):
		return "", fmt.Errorf("%w: %s holds the data directory %s: Tillroll would move its own files", store.ErrInvalid, dir, data)
	case filepath.Dir(real) == string(filepath.Separator): // "/" itself too
		return "", fmt.Errorf("%w: %s is the root or a top-level folder: give a folder for the scanner alone, like /srv/scans/shop", store.ErrInvalid, dir)
	}
	for _, sys := range systemDirs {
		if within(real, sys) {
			return "", fmt.Errorf("%w: %s is a system folder (under %s)", store.ErrInvalid, dir, sys)
		}
	}
	for _, o := range others {
		if within(real, o) || within(o, real) {
			return "", fmt.Errorf("%w: %s overlaps the watch folder %s", store.ErrInvalid, dir, o)
		}
	}
	return real, nil
}

// within tells whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// WatchManager runs a watcher for every watch folder: the --watch ones,
// and those an admin saved on the intake page, started and stopped as the
// admin adds and removes them, with no restart.
type WatchManager struct {
	t        *Taker
	dataDir  string
	static   []WatchConfig
	defaults WatchConfig // Interval, Settle and Delete of the flags
	kick     chan struct{}
	addMu    sync.Mutex // one Add at a time: the overlap check and the save

	mu       sync.Mutex
	running  map[uint64]*watching
	problems map[string]string // by folder: why it is not watched now
}

type watching struct {
	cfg  store.WatchFolder
	stop context.CancelFunc
	done chan struct{}
}

// WatchEntry is one watch folder as the intake page shows it.
type WatchEntry struct {
	ID       uint64 // 0 for a --watch folder
	Dir      string
	Account  string
	Delete   bool
	Settle   time.Duration
	Interval time.Duration
	Problem  string // why it is not watched now ("" while it is)
}

// NewWatchManager makes a manager; static are the --watch folders (checked
// already), defaults hold the flags' interval, settle time and delete.
func NewWatchManager(t *Taker, dataDir string, static []WatchConfig, defaults WatchConfig) *WatchManager {
	return &WatchManager{t: t, dataDir: dataDir, static: static, defaults: defaults, kick: make(chan struct{}, 1),
		running: map[uint64]*watching{}, problems: map[string]string{}}
}

// Kick makes the manager read the saved folders again now.
func (m *WatchManager) Kick() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// Add checks a folder (CheckWatchDir), saves it, and starts its watcher.
func (m *WatchManager) Add(f store.WatchFolder) (store.WatchFolder, error) {
	m.addMu.Lock()
	defer m.addMu.Unlock()
	saved, err := m.t.st.WatchFolders()
	if err != nil {
		return store.WatchFolder{}, err
	}
	var others []string
	for _, s := range m.static {
		others = append(others, s.Dir)
	}
	for _, s := range saved {
		others = append(others, s.Dir)
	}
	if f.Dir, err = CheckWatchDir(f.Dir, m.dataDir, others); err != nil {
		return store.WatchFolder{}, err
	}
	if f, err = m.t.st.AddWatchFolder(f); err != nil {
		return store.WatchFolder{}, err
	}
	m.Kick()
	return f, nil
}

// Remove removes a saved folder and stops its watcher.
func (m *WatchManager) Remove(id uint64) error {
	if err := m.t.st.DeleteWatchFolder(id); err != nil {
		return err
	}
	m.Kick()
	return nil
}

// List gives every watch folder, the --watch ones first.
func (m *WatchManager) List() ([]WatchEntry, error) {
	saved, err := m.t.st.WatchFolders()
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []WatchEntry
	for _, s := range m.static {
		out = append(out, WatchEntry{Dir: s.Dir, Account: s.Account, Delete: s.Delete, Settle: s.Settle, Interval: s.Interval, Problem: m.problems[s.Dir]})
	}
	for _, s := range saved {
		c := m.config(s)
		e := WatchEntry{ID: s.ID, Dir: s.Dir, Account: s.Account, Delete: s.Delete, Settle: c.Settle, Interval: c.Interval, Problem: m.problems[s.Dir]}
		if _, ok := m.running[s.ID]; !ok && e.Problem == "" {
			e.Problem = "starting"
		}
		out = append(out, e)
	}
	return out, nil
}

// config is the watcher's configuration of a saved folder.
func (m *WatchManager) config(f store.WatchFolder) WatchConfig {
	c := WatchConfig{Dir: f.Dir, Account: f.Account, Delete: f.Delete, Settle: f.Settle, Interval: f.Interval}
	if c.Settle == 0 {
		c.Settle = m.defaults.Settle
	}
	if c.Interval == 0 {
		c.Interval = m.defaults.Interval
	}
	return c
}

// Run runs the watchers until ctx ends, and waits for them. A saved folder
// whose watcher stopped (the folder gone) is tried again every 30 s.
func (m *WatchManager) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, c := range m.static {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				err := NewWatcher(m.t, c).Run(ctx)
				if err == nil || ctx.Err() != nil {
					return
				}
				m.problem(c.Dir, err)
				if !sleep(ctx, 30*time.Second) {
					return
				}
				m.mu.Lock()
				delete(m.problems, c.Dir)
				m.mu.Unlock()
			}
		}()
	}
	defer wg.Wait()
	defer m.stopAll()
	for {
		if err := m.sync(ctx); err != nil {
			m.t.log.Warn("watch folders", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-m.kick:
		case <-time.After(30 * time.Second):
		}
	}
}

func (m *WatchManager) problem(dir string, err error) {
	m.t.log.Warn("watch folder stopped", "watch", dir, "err", err)
	m.mu.Lock()
	m.problems[dir] = problemText(err)
	m.mu.Unlock()
}

func problemText(err error) string {
	if errors.Is(err, os.ErrNotExist) {
		return "the folder is missing (a share not mounted?); tried again every 30 s"
	}
	return err.Error()
}

// sync starts a watcher for each saved folder that has none running, and
// stops those whose folder was removed or changed.
func (m *WatchManager) sync(ctx context.Context) error {
	saved, err := m.t.st.WatchFolders()
	if err != nil {
		return err
	}
	want := map[uint64]store.WatchFolder{}
	for _, f := range saved {
		want[f.ID] = f
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, r := range m.running {
		stopped := false
		select {
		case <-r.done:
			stopped = true
		default:
		}
		if f, ok := want[id]; !ok || f != r.cfg || stopped {
			r.stop()
			m.mu.Unlock() // the watcher may be recording its problem
			<-r.done
			m.mu.Lock()
			delete(m.running, id)
			if !ok {
				delete(m.problems, r.cfg.Dir)
			}
		}
	}
	for id, f := range want {
		if _, ok := m.running[id]; ok {
			continue
		}
		if _, err := os.Stat(f.Dir); err != nil {
			m.problems[f.Dir] = problemText(err)
			continue
		}
		delete(m.problems, f.Dir)
		wctx, stop := context.WithCancel(ctx)
		r := &watching{cfg: f, stop: stop, done: make(chan struct{})}
		m.running[id] = r
		go func() {
			defer close(r.done)
			if err := NewWatcher(m.t, m.config(f)).Run(wctx); err != nil && wctx.Err() == nil {
				m.problem(f.Dir, err)
			}
		}()
	}
	return nil
}

func (m *WatchManager) stopAll() {
	m.mu.Lock()
	list := m.running
	m.running = map[uint64]*watching{}
	m.mu.Unlock()
	for _, r := range list {
		r.stop()
		<-r.done
	}
}
