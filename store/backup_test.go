package store

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupRestoreStore(t *testing.T) {
	s := openTest(t, t.TempDir())
	c := newAccount(t, s, "shop")
	f, err := s.SaveFile(strings.NewReader("%PDF-1.4 receipt"), 1<<20, "pdf")
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.CreateDocument(NewDocument{Account: "shop", FileName: "r.pdf", File: f, Kind: "pdf"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	if n, err := CheckBackup(bytes.NewReader(buf.Bytes())); err != nil || n != 1 {
		t.Fatalf("CheckBackup: %d files, %v", n, err)
	}
	// A backup cut short is refused.
	if _, err := CheckBackup(bytes.NewReader(buf.Bytes()[:buf.Len()/2])); !errors.Is(err, ErrInvalid) {
		t.Fatalf("truncated backup: %v", err)
	}

	dir := filepath.Join(t.TempDir(), "restored")
	if err := Restore(bytes.NewReader(buf.Bytes()), dir); err != nil {
		t.Fatal(err)
	}
	if err := Restore(bytes.NewReader(buf.Bytes()), dir); !errors.Is(err, ErrExists) {
		t.Fatalf("restore over a non-empty directory: %v", err)
	}
	r := openTest(t, dir)
	got, err := r.DocumentByKey("shop", d.Key)
	if err != nil || got.SHA256 != d.SHA256 {
		t.Fatalf("restored document: %+v %v", got, err)
	}
	p, _ := r.FilePath(got.Path)
	if data, err := os.ReadFile(p); err != nil || string(data) != "%PDF-1.4 receipt" {
		t.Fatalf("restored file: %q %v", data, err)
	}
	if key, err := r.SigningKey("shop"); err != nil || string(key) != c.SecretKey {
		t.Fatalf("sealed secret after restore: %v", err)
	}
	// An empty directory is fine too.
	empty := t.TempDir()
	if err := Restore(bytes.NewReader(buf.Bytes()), empty); err != nil {
		t.Fatalf("restore into an empty directory: %v", err)
	}
}

func TestRestoreRefusesHostileArchives(t *testing.T) {
	entry := func(name string, typ byte, body string) func(*tar.Writer) {
		return func(tw *tar.Writer) {
			h := &tar.Header{Name: name, Typeflag: typ, Mode: 0o600, Size: int64(len(body))}
			if typ == tar.TypeSymlink {
				h.Linkname, h.Size = "/etc/passwd", 0
			}
			_ = tw.WriteHeader(h)
			_, _ = tw.Write([]byte(body))
		}
	}
	archive := func(entries ...func(*tar.Writer)) []byte {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for _, e := range entries {
			e(tw)
		}
		_ = tw.Close()
		_ = gz.Close()
		return buf.Bytes()
	}
	key := entry("secret.key", tar.TypeReg, strings.Repeat("k", 32))
	for name, data := range map[string][]byte{
		"parent":           archive(entry("../evil", tar.TypeReg, "x"), key),
		"files parent":     archive(entry("files/../../evil", tar.TypeReg, "x"), key),
		"absolute":         archive(entry("/tmp/evil", tar.TypeReg, "x"), key),
		"nested":           archive(entry("files/a/evil", tar.TypeReg, "x"), key),
		"symlink":          archive(entry("files/link", tar.TypeSymlink, ""), key),
		"directory":        archive(entry("files/", tar.TypeDir, ""), key),
		"other name":       archive(entry("admin.sock", tar.TypeReg, "x"), key),
		"twice":            archive(key, key),
		"no database":      archive(key),
		"database garbage": archive(entry(DBFile, tar.TypeReg, strings.Repeat("x", 8192)), key),
		"not gzip":         []byte("plain text"),
	} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "data")
			if err := Restore(bytes.NewReader(data), dir); !errors.Is(err, ErrInvalid) {
				t.Fatalf("want ErrInvalid, got %v", err)
			}
			left, _ := os.ReadDir(parent)
			if len(left) != 0 {
				t.Fatalf("restore left %v behind", left)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(parent), "evil")); err == nil {
				t.Fatal("an entry escaped the data directory")
			}
		})
	}
}
