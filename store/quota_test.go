package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestQuota: uploads count against their owner's quota in the recording
// transaction; an account's own setting wins over the default; a user's
// receipt images count under the user's name; the counts survive a reopen
// and are rebuilt by the migration from schema 1.
func TestQuota(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{Quota: 250})
	if err != nil {
		t.Fatal(err)
	}
	newAccount(t, s, "shop")
	save := func(n int) StoredFile {
		t.Helper()
		f, err := s.SaveFile(bytes.NewReader(make([]byte, n)), 1<<20, "png")
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	record := func(n int) error {
		_, err := s.CreateDocument(NewDocument{Account: "shop", FileName: "r.png", File: save(n), Kind: "png"})
		return err
	}
	for _, n := range []int{100, 100} {
		if err := record(n); err != nil {
			t.Fatalf("within the quota: %v", err)
		}
	}
	err = record(100)
	var qe *QuotaError
	if !errors.Is(err, ErrQuota) || !errors.As(err, &qe) || qe.Used != 200 || qe.Quota != 250 || qe.Size != 100 {
		t.Fatalf("past the quota: %v", err)
	}
	if err := record(50); err != nil {
		t.Fatalf("up to the quota exactly: %v", err)
	}
	if err := s.SetQuota("shop", QuotaNone); err != nil {
		t.Fatal(err)
	}
	if err := record(1000); err != nil {
		t.Fatalf("no quota: %v", err)
	}
	if err := s.SetQuota("shop", 1300); err != nil {
		t.Fatal(err)
	}
	if u, err := s.StorageUsage("shop"); err != nil || u.Used != 1250 || u.Quota != 1300 || u.Setting != 1300 {
		t.Fatalf("usage %+v %v", u, err)
	}
	if err := s.SetQuota("nobody", 5); !errors.Is(err, ErrNotFound) {
		t.Errorf("quota of no account: %v", err)
	}
	// A receipts user has the default.
	if _, err := s.CreateUser(NewUser{Name: "carol", Password: "pass-word-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveReceiptImage("carol", save(200), "png"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveReceiptImage("carol", save(60), "png"); !errors.Is(err, ErrQuota) {
		t.Fatalf("user past the default: %v", err)
	}

	// Schema 1 had no counts: the migration makes them from the records.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketUsage); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), itob(1))
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	s = openTest(t, dir)
	for owner, want := range map[string]int64{"shop": 1250, "carol": 200} {
		if u, err := s.StorageUsage(owner); err != nil || u.Used != want {
			t.Errorf("%s after the migration: %+v %v, want %d used", owner, u, err, want)
		}
	}
}

// TestMinFree: below the free-space floor nothing is written; a file that
// would reach it is refused.
func TestMinFree(t *testing.T) {
	dir := t.TempDir()
	free, err := freeSpace(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, floor := range map[string]int64{"below": free * 2, "reached": free - 1000} {
		s, err := Open(dir, Options{MinFree: floor})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveFile(bytes.NewReader(make([]byte, 64<<20)), 128<<20, "png"); !errors.Is(err, ErrDiskFull) {
			t.Errorf("%s the floor: %v", name, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := openTest(t, dir)
	if _, err := s.SaveFile(bytes.NewReader(make([]byte, 1000)), 1<<20, "png"); err != nil {
		t.Errorf("no floor: %v", err)
	}
}
