package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Errors the callers match with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrExists       = errors.New("already exists")
	ErrUnauthorized = errors.New("wrong or missing credentials")
	ErrInvalid      = errors.New("invalid value")
	ErrLocked       = errors.New("database is in use by another Tillroll process")
)

// DBFile is the name of the bbolt file inside the data directory.
const DBFile = "tillroll.db"

// initialMmapSize is the size the database's memory map starts at. bbolt
// grows the map by doubling, and a remap waits for every open read and
// holds up every write: 640 uploads from 16 clients while 200 KB results
// were written took up to 34-38 ms each, 22 ms with the map made this
// large at the start. It reserves address space, not memory; past it the
// map grows as before.
const initialMmapSize = 256 << 20

// Store is the data directory: the bbolt database and the stored files.
type Store struct {
	dir  string
	db   *bolt.DB
	key  []byte // seals secrets that must be read back (webhook signing keys)
	now  func() time.Time
	rand io.Reader
	// quota is the default storage quota of an owner's originals (0:
	// none); minFree the free-space floor of the data directory's disk.
	quota, minFree int64
	datedKeys      bool // new photon keys in Photon's dated form (freeKey)
}

// Options tunes Open. The zero value is fine.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// database file. Zero means one second.
	LockTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Quota is each owner's storage quota for originals, in bytes, where
	// its account sets none (Account.Quota); 0 means none.
	Quota int64
	// MinFree is the free space, in bytes, below which uploads are
	// refused (ErrDiskFull) before the disk fills; 0 means no floor.
	MinFree int64
	// DatedKeys gives new documents photon keys in Photon's dated form,
	// data/<user>/<yyyy-mm-dd>/<hh-mm-ss-ffffff>_<name>.json (UTC, at the
	// upload), instead of data/<user>/<name>.json. Keys given out before
	// stay as they are, and valid, either way.
	DatedKeys bool
}

// Open opens (creating if needed) the store in dir.
func Open(dir string, opt Options) (*Store, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	for _, d := range []string{dir, filepath.Join(dir, "files"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	path := filepath.Join(dir, DBFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, InitialMmapSize: initialMmapSize})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s is held open by a running server; stop it first (or run this command on the server's host after stopping it)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Leftovers of uploads that never reached their commit. Only once the
	// database is ours: a command that finds a server holding it must not
	// take that server's uploads in flight, or its workers' scratch space.
	if err := clearDir(filepath.Join(dir, "tmp")); err != nil {
		_ = db.Close()
		return nil, err
	}
	s := &Store{dir: dir, db: db, now: opt.Now, rand: rand.Reader, quota: opt.Quota, minFree: opt.MinFree, datedKeys: opt.DatedKeys}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, err
	}
	key, err := loadKey(filepath.Join(dir, "secret.key"))
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.key = key
	return s, nil
}

func (s *Store) init() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		var got uint64 // 0: a new database
		if v := meta.Get([]byte("schema")); v != nil {
			if got = binary.BigEndian.Uint64(v); got > schemaVersion {
				return fmt.Errorf("database schema %d is newer than this Tillroll (%d): upgrade Tillroll", got, schemaVersion)
			}
		}
		if got == 1 {
			if err := s.migrateUsage(tx); err != nil {
				return fmt.Errorf("migrate to schema 2: %w", err)
			}
		}
		if got >= 1 && got < 3 {
			if err := migrateIdentities(tx); err != nil {
				return fmt.Errorf("migrate to schema 3: %w", err)
			}
		}
		return meta.Put([]byte("schema"), itob(schemaVersion))
	})
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Dir is the data directory.
func (s *Store) Dir() string { return s.dir }

// DB is the underlying bbolt database, for hot backups (tx.WriteTo).
func (s *Store) DB() *bolt.DB { return s.db }

func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	if err := b.Put(key, data); err != nil {
		return fmt.Errorf("put: %w", err)
	}
	return nil
}

// getJSON decodes the value at key into v. The bytes are copied out by
// json.Unmarshal, so v stays valid after the transaction ends.
func getJSON(b *bolt.Bucket, key []byte, v any) error {
	data := b.Get(key)
	if data == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	return nil
}

func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("clean %s: %w", dir, err)
		}
	}
	return nil
}

func jsonUnmarshal(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	return nil
}
