package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// A rendition is a JPEG of an original a browser cannot show (a HEIC
// photo), made from the original when it is first shown and kept in
// <data>/renditions/<sha256 of the original>.jpg. It is derived data: no
// record points at it, a backup leaves it out, and a missing one is made
// again.

const renditionDir = "renditions"

var shaRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Rendition is the kept rendition of the original with that SHA-256;
// ErrNotFound when none is kept yet.
func (s *Store) Rendition(sha string) ([]byte, error) {
	p, err := s.renditionPath(sha)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("rendition %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read rendition: %w", err)
	}
	return b, nil
}

// SaveRendition keeps a rendition: written to tmp/ and renamed, so a
// reader sees all of it or none.
func (s *Store) SaveRendition(sha string, jpeg []byte) error {
	p, err := s.renditionPath(sha)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("create rendition directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "rendition-*")
	if err != nil {
		return fmt.Errorf("create temp file: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name()) // a no-op once renamed
	}()
	if _, err := tmp.Write(jpeg); err != nil {
		return fmt.Errorf("write rendition: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close rendition: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("move rendition: %w", err)
	}
	return nil
}

func (s *Store) renditionPath(sha string) (string, error) {
	if !shaRE.MatchString(sha) {
		return "", fmt.Errorf("%w: %q is not a SHA-256", ErrInvalid, sha)
	}
	return filepath.Join(s.dir, renditionDir, sha+".jpg"), nil
}
