package store

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"tillroll/ocr"
)

// ErrFileTooLarge is returned by SaveFile when the content passes its limit.
var ErrFileTooLarge = errors.New("file too large")

// StoredFile is an original written into the data directory.
type StoredFile struct {
	Path   string // relative to the data directory, always under files/
	Size   int64
	SHA256 string // hex
}

// SaveFile streams r into a new file under <data>/files, at most max bytes,
// and fsyncs it (and its directory) before returning. The name on disk is
// random: nothing the client sends ever becomes part of a path. ext is a
// short extension such as "jpg" chosen by the caller from the sniffed type.
//
// The file is not referenced by any record until the caller commits one;
// files left behind by a crash in between are harmless. Below the
// free-space floor nothing is written (ErrDiskFull), and a file that would
// reach it is refused.
func (s *Store) SaveFile(r io.Reader, max int64, ext string) (StoredFile, error) {
	room, err := s.roomFor(max)
	if err != nil {
		return StoredFile{}, err
	}
	name, err := newToken(s.rand, 16)
	if err != nil {
		return StoredFile{}, err
	}
	if ext = sanitizeExt(ext); ext != "" {
		name += "." + ext
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "upload-*")
	if err != nil {
		return StoredFile{}, fmt.Errorf("create temp file: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name()) // a no-op once renamed
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, room+1))
	if err != nil {
		return StoredFile{}, fmt.Errorf("write upload: %w", err)
	}
	if n > room && room < max {
		return StoredFile{}, fmt.Errorf("%w: the upload would pass the free-space floor of %d bytes", ErrDiskFull, s.minFree)
	}
	if n > max {
		return StoredFile{}, fmt.Errorf("%w: over %d bytes", ErrFileTooLarge, max)
	}
	if err := tmp.Sync(); err != nil {
		return StoredFile{}, fmt.Errorf("sync upload: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return StoredFile{}, fmt.Errorf("close upload: %w", err)
	}
	rel := filepath.Join("files", name)
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, rel)); err != nil {
		return StoredFile{}, fmt.Errorf("move upload: %w", err)
	}
	if err := syncDir(filepath.Join(s.dir, "files")); err != nil {
		return StoredFile{}, err
	}
	return StoredFile{Path: rel, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// SaveUpload reads an upload's first bytes to tell its kind (never from
// its name), then saves it with SaveFile under that kind's extension. A
// file of no accepted kind matches ocr.ErrEmpty or ocr.ErrUnsupported and
// is not saved; the reader is then left just past its first bytes.
func (s *Store) SaveUpload(r io.Reader, max int64) (StoredFile, ocr.Kind, error) {
	br := bufio.NewReaderSize(r, 4096)
	head, err := br.Peek(ocr.SniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return StoredFile{}, "", fmt.Errorf("read upload: %w", err)
	}
	kind, err := ocr.Sniff(head)
	if err != nil {
		return StoredFile{}, "", err
	}
	f, err := s.SaveFile(br, max, kind.Ext())
	return f, kind, err
}

// FilePath is the absolute path of a stored file. It refuses paths that
// would leave the data directory.
func (s *Store) FilePath(rel string) (string, error) {
	clean := filepath.Clean(rel)
	if filepath.IsAbs(clean) || clean == "." || strings.HasPrefix(clean, "..") {
		return "", fmt.Errorf("stored path %q: %w", rel, ErrInvalid)
	}
	return filepath.Join(s.dir, clean), nil
}

// RemoveFile deletes a stored file that no record points at (an upload whose
// commit failed).
func (s *Store) RemoveFile(rel string) error {
	p, err := s.FilePath(rel)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	return nil
}

func sanitizeExt(ext string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(ext) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
		if b.Len() == 8 {
			break
		}
	}
	return b.String()
}

func writeFileSync(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}
