package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// ErrQuota is an upload that would take its owner past its storage quota
// (a *QuotaError says how far).
var ErrQuota = errors.New("storage quota used up")

// ErrDiskFull is an upload refused because the data directory's disk is
// down to its free-space floor (Options.MinFree).
var ErrDiskFull = errors.New("the server's disk is almost full")

// QuotaError is ErrQuota with its figures.
type QuotaError struct {
	Owner             string
	Used, Quota, Size int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("%s: %s stores %d bytes of its %d-byte quota; this file needs %d more", ErrQuota, e.Owner, e.Used, e.Quota, e.Size)
}

func (e *QuotaError) Unwrap() error { return ErrQuota }

// Quota settings of an account (Account.Quota): 0 is the server's default
// (Options.Quota), a negative value none.
const (
	QuotaDefault int64 = 0
	QuotaNone    int64 = -1
)

// Storage is what an owner's originals take on disk, and the quota that
// holds for it now (0: none). An owner is a capture account or a
// receipts-service user, by name: a web user and the capture account of the
// same name share one.
type Storage struct {
	Owner string `json:"owner"`
	Used  int64  `json:"used"`
	Quota int64  `json:"quota"`
	// Setting is the account's own setting: 0 the server's default, -1
	// none.
	Setting int64 `json:"setting"`
	// Account is true for a capture account, whose quota can be set;
	// false for a web user with originals of its own, held to the
	// server's default. Filled in by Storages only.
	Account bool `json:"-"`
}

// Storages is the storage of every capture account, and of every other
// owner with originals counted, by name.
func (s *Store) Storages() ([]Storage, error) {
	var out []Storage
	err := s.db.View(func(tx *bolt.Tx) error {
		accounts := map[string]bool{}
		if err := tx.Bucket(bucketIdentities).ForEach(func(k, v []byte) error {
			var id Identity
			if err := jsonUnmarshal(v, &id); err != nil {
				return err
			}
			if id.Account != nil {
				accounts[string(k)] = true
			}
			return nil
		}); err != nil {
			return err
		}
		owners := map[string]bool{}
		for a := range accounts {
			owners[a] = true
		}
		if err := tx.Bucket(bucketUsage).ForEach(func(k, _ []byte) error {
			owners[string(k)] = true
			return nil
		}); err != nil {
			return err
		}
		for o := range owners {
			u := Storage{Owner: o, Used: used(tx, o), Account: accounts[o]}
			u.Setting, u.Quota = s.quotaOf(tx, o)
			out = append(out, u)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Storage) int { return strings.Compare(a.Owner, b.Owner) })
	return out, err
}

// DefaultQuota is the quota of an account that sets none (Options.Quota;
// 0: none).
func (s *Store) DefaultQuota() int64 { return s.quota }

// StorageUsage returns an owner's storage and quota.
func (s *Store) StorageUsage(owner string) (Storage, error) {
	u := Storage{Owner: owner}
	err := s.db.View(func(tx *bolt.Tx) error {
		u.Used = used(tx, owner)
		u.Setting, u.Quota = s.quotaOf(tx, owner)
		return nil
	})
	return u, err
}

// SetQuota sets an account's quota for originals, in bytes: QuotaDefault
// for the server's default, QuotaNone for none.
func (s *Store) SetQuota(account string, quota int64) error {
	if quota < QuotaNone {
		return fmt.Errorf("%w: a quota is a number of bytes, 0 for the default or -1 for none", ErrInvalid)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		a, err := txAccount(tx, account)
		if err != nil {
			return fmt.Errorf("account %q: %w", account, err)
		}
		a.Quota = quota
		return putAccount(tx, a)
	})
}

// quotaOf is the owner's own setting and the quota that holds (0: none).
func (s *Store) quotaOf(tx *bolt.Tx, owner string) (setting, quota int64) {
	if a, err := txAccount(tx, owner); err == nil {
		setting = a.Quota
	}
	switch {
	case setting > 0:
		return setting, setting
	case setting < 0:
		return setting, 0
	default:
		return setting, s.quota
	}
}

func used(tx *bolt.Tx, owner string) int64 {
	v := tx.Bucket(bucketUsage).Get([]byte(owner))
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// charge counts size more bytes of originals for owner, or refuses them
// with a *QuotaError, in the transaction that records the upload.
func (s *Store) charge(tx *bolt.Tx, owner string, size int64) error {
	u := used(tx, owner)
	if _, quota := s.quotaOf(tx, owner); quota > 0 && u+size > quota {
		return &QuotaError{Owner: owner, Used: u, Quota: quota, Size: size}
	}
	return addUsage(tx, owner, size)
}

// addUsage adds size (less when negative: a deleted original) to the
// owner's count.
func addUsage(tx *bolt.Tx, owner string, size int64) error {
	if err := tx.Bucket(bucketUsage).Put([]byte(owner), itob(uint64(max(0, used(tx, owner)+size)))); err != nil {
		return fmt.Errorf("count usage: %w", err)
	}
	return nil
}

// freeSpace is the bytes an unprivileged writer may still use on the
// disk of dir.
func freeSpace(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// roomFor is how many bytes an upload may write before the disk reaches
// the free-space floor: max when there is no floor or room enough.
func (s *Store) roomFor(max int64) (int64, error) {
	if s.minFree <= 0 {
		return max, nil
	}
	free, err := freeSpace(s.dir)
	if err != nil {
		return 0, err
	}
	room := free - s.minFree
	if room <= 0 {
		return 0, fmt.Errorf("%w: %d bytes free, the floor is %d", ErrDiskFull, free, s.minFree)
	}
	return min(room, max), nil
}

// migrateUsage (schema 2) counts the originals stored before usage was
// counted: each capture document's size by its account, each receipt
// image's file by its user.
func (s *Store) migrateUsage(tx *bolt.Tx) error {
	sizes := map[string]int64{}
	err := tx.Bucket(bucketDocuments).ForEach(func(_, v []byte) error {
		var d Document
		if err := jsonUnmarshal(v, &d); err != nil {
			return err
		}
		if d.Account != ReceiptsAccount {
			sizes[d.Account] += d.Size
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketReceiptImages).ForEach(func(_, v []byte) error {
		var img ReceiptImage
		if err := jsonUnmarshal(v, &img); err != nil {
			return err
		}
		size := img.Size
		if fi, err := os.Stat(filepath.Join(s.dir, filepath.Clean(img.Path))); size == 0 && err == nil {
			size = fi.Size()
		}
		sizes[img.User] += size
		return nil
	})
	if err != nil {
		return err
	}
	for owner, n := range sizes {
		if err := tx.Bucket(bucketUsage).Put([]byte(owner), itob(uint64(n))); err != nil {
			return fmt.Errorf("count usage: %w", err)
		}
	}
	return nil
}
