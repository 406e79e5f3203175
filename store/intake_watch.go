package store

import (
	"fmt"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// WatchFolder is a folder an admin set on the intake page for Tillroll to
// take documents from (package intake watches it, as it does the --watch
// ones). The store checks only its record; intake.CheckWatchDir checks the
// folder itself before it is saved.
type WatchFolder struct {
	ID      uint64 `json:"id"`
	Dir     string `json:"dir"`     // absolute, symbolic links resolved
	Account string `json:"account"` // whose documents its files become
	// Delete removes taken files instead of moving them to .tillroll/done.
	Delete bool `json:"delete,omitempty"`
	// Settle and Interval override --watch-settle and --watch-interval
	// (0: those).
	Settle   time.Duration `json:"settle,omitempty"`
	Interval time.Duration `json:"interval,omitempty"`
	Created  time.Time     `json:"created"`
	AddedBy  string        `json:"added_by,omitempty"`
}

// AddWatchFolder saves a watch folder and gives it its id. The account
// must exist; the same folder may be saved once.
func (s *Store) AddWatchFolder(f WatchFolder) (WatchFolder, error) {
	switch {
	case f.Dir == "" || !filepath.IsAbs(f.Dir) || filepath.Clean(f.Dir) != f.Dir || len(f.Dir) > 4096:
		return WatchFolder{}, fmt.Errorf("%w: the folder must be an absolute path", ErrInvalid)
	case f.Settle < 0 || f.Settle > 24*time.Hour:
		return WatchFolder{}, fmt.Errorf("%w: settle time %s", ErrInvalid, f.Settle)
	case f.Interval != 0 && (f.Interval < time.Second || f.Interval > 24*time.Hour):
		return WatchFolder{}, fmt.Errorf("%w: scan interval must be 1 s to 24 h", ErrInvalid)
	}
	f.Created = s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if !hasAccount(tx, f.Account) {
			return fmt.Errorf("account %q: %w", f.Account, ErrNotFound)
		}
		b := tx.Bucket(bucketWatchFolders)
		if err := b.ForEach(func(_, v []byte) error {
			var o WatchFolder
			if err := jsonUnmarshal(v, &o); err != nil {
				return err
			}
			if o.Dir == f.Dir {
				return fmt.Errorf("%w: %s is watched already", ErrExists, f.Dir)
			}
			return nil
		}); err != nil {
			return err
		}
		id, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("next id: %w", err)
		}
		f.ID = id
		return putJSON(b, itob(id), f)
	})
	if err != nil {
		return WatchFolder{}, err
	}
	return f, nil
}

// WatchFolders lists the saved watch folders in the order they were added.
func (s *Store) WatchFolders() ([]WatchFolder, error) {
	var out []WatchFolder
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWatchFolders).ForEach(func(_, v []byte) error {
			var f WatchFolder
			if err := jsonUnmarshal(v, &f); err != nil {
				return err
			}
			out = append(out, f)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("watch folders: %w", err)
	}
	return out, nil
}

// DeleteWatchFolder removes a saved watch folder (what it took in stays).
func (s *Store) DeleteWatchFolder(id uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWatchFolders)
		if b.Get(itob(id)) == nil {
			return fmt.Errorf("watch folder %d: %w", id, ErrNotFound)
		}
		return b.Delete(itob(id))
	})
}
