package store

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A backup is a gzipped tar of the data directory's state:
//
//	tillroll.db     a consistent copy of the database (bbolt tx.WriteTo)
//	secret.key      the key that seals the webhook signing keys
//	files/<name>    every stored original
//
// Uploads keep working while it is made: the database is copied in one read
// transaction into data/tmp, then the transaction ends and the files are
// added. A file stored after the copy is in the backup unreferenced, which
// is harmless; one referenced by the copy was stored before it.

// keyFile is the sealing key's name in the data directory.
const keyFile = "secret.key"

// Backup writes a backup of the store to w.
func (s *Store) Backup(w io.Writer) error {
	snap, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "backup-*.db")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		_ = snap.Close()
		_ = os.Remove(snap.Name())
	}()
	err = s.db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(snap)
		return err
	})
	if err != nil {
		return fmt.Errorf("backup: copy database: %w", err)
	}
	if _, err := snap.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("backup: %w", err)
	}

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	if err := addToTar(tw, DBFile, snap); err != nil {
		return err
	}
	if err := addFileToTar(tw, keyFile, filepath.Join(s.dir, keyFile)); err != nil {
		return err
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, "files"))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		err := addFileToTar(tw, "files/"+e.Name(), filepath.Join(s.dir, "files", e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // an upload whose commit failed, removed meanwhile
		}
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

func addFileToTar(tw *tar.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	defer f.Close()
	return addToTar(tw, name, f)
}

func addToTar(tw *tar.Writer, name string, f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o600, Size: info.Size(), ModTime: info.ModTime()}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	// Exactly the size in the header, even if the file grew meanwhile.
	if _, err := io.Copy(tw, io.LimitReader(f, info.Size())); err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	return nil
}

// CheckBackup reads a backup through to its end (so a truncated or damaged
// one is an error) and counts its stored files.
func CheckBackup(r io.Reader) (files int, err error) {
	err = readBackup(r, func(name string, _ *tar.Header, body io.Reader) error {
		if strings.HasPrefix(name, "files/") {
			files++
		}
		_, err := io.Copy(io.Discard, body)
		return err
	})
	return files, err
}

// readBackup calls each for every entry, after checking that the entry is
// one a backup holds: a regular file named tillroll.db, secret.key or
// files/<plain name>. Anything else (links, directories, ../ or absolute
// names) is ErrInvalid, before any of it is written.
func readBackup(r io.Reader, each func(name string, h *tar.Header, body io.Reader) error) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%w: not a Tillroll backup (gzip: %w)", ErrInvalid, err)
	}
	tr := tar.NewReader(gz)
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: damaged backup: %w", ErrInvalid, err)
		}
		name := h.Name
		dir, base := path.Split(name)
		ok := h.Typeflag == tar.TypeReg && !seen[name] && h.Size >= 0 &&
			(name == DBFile || name == keyFile ||
				(dir == "files/" && base != "" && base != "." && base != ".." && !strings.ContainsAny(base, "\\\x00")))
		if !ok {
			return fmt.Errorf("%w: unexpected entry %q in backup", ErrInvalid, name)
		}
		seen[name] = true
		if err := each(name, h, backupBody{tr}); err != nil {
			return err
		}
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("%w: damaged backup: %w", ErrInvalid, err)
	}
	if !seen[DBFile] || !seen[keyFile] {
		return fmt.Errorf("%w: the backup lacks %s or %s", ErrInvalid, DBFile, keyFile)
	}
	return nil
}

// backupBody marks errors reading an entry's bytes (a truncated or damaged
// archive) as ErrInvalid, apart from errors writing them out.
type backupBody struct{ r io.Reader }

func (b backupBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("%w: damaged backup: %w", ErrInvalid, err)
	}
	return n, err
}

// Restore makes dir from a backup. dir must be absent or empty: Restore
// never overwrites data. It extracts into a new directory beside dir,
// checks the database, and only then renames it into place.
func Restore(r io.Reader, dir string) error {
	entries, err := os.ReadDir(dir)
	exists := err == nil
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("%w: data directory %s is not empty: restore into a new one", ErrExists, dir)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("restore: %w", err)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".tillroll-restore-*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	for _, d := range []string{"files", "tmp"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o750); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	err = readBackup(r, func(name string, h *tar.Header, body io.Reader) error {
		return extractFile(filepath.Join(tmp, filepath.FromSlash(name)), body, h.Size)
	})
	if err != nil {
		return err
	}
	for _, d := range []string{filepath.Join(tmp, "files"), tmp} {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	if err := checkDB(filepath.Join(tmp, DBFile)); err != nil {
		return err
	}
	if exists {
		// An empty directory is in the way of the rename.
		if err := os.Remove(dir); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	done = true
	return syncDir(parent)
}

func extractFile(path string, body io.Reader, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	n, err := io.Copy(f, body)
	if err == nil && n != size {
		err = fmt.Errorf("%w: %s is short", ErrInvalid, filepath.Base(path))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", filepath.Base(path), err)
	}
	return nil
}

// checkDB opens a database read-only and checks every page of it.
func checkDB(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("%w: the backup's database does not open: %w", ErrInvalid, err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // read to the end: the checker stops then
			if first == nil {
				first = fmt.Errorf("%w: the backup's database is damaged: %w", ErrInvalid, err)
			}
		}
		return first
	})
}
