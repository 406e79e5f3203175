package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/nats-io/nkeys"
)

// WorkersFile, in the data directory, lists the worker machines allowed to
// join: a name and an NKey public key each. It holds no secret: a worker's
// secret is its NKey seed, printed once by CreateWorker and kept only on
// the worker (the server checks a signature of a nonce it sends, so neither
// the seed nor anything derived from it crosses the network). It is a file
// and not a bbolt record so that `tillroll worker-creds` can change it while
// the box runs; the box re-reads it (WatchWorkers).
const WorkersFile = "workers.json"

// Errors of the worker list.
var (
	ErrWorkerName   = errors.New("a worker name is 1-32 lower-case letters, digits, '-' or '_'")
	ErrWorkerExists = errors.New("a worker of that name exists")
	ErrNoWorker     = errors.New("no worker of that name")
)

// Worker is one worker machine allowed to join the box's queue.
type Worker struct {
	Name    string    `json:"name"`
	NKey    string    `json:"nkey"` // public user key, "U..."
	Created time.Time `json:"created"`
}

type workersDoc struct {
	Workers []Worker `json:"workers"`
}

// The name becomes a subject token (tillroll.result.<name>.<doc>) and the
// worker's inbox prefix, so no dots, wildcards or spaces.
var workerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// CheckWorkerName says whether name can be a worker's name.
func CheckWorkerName(name string) error {
	if !workerName.MatchString(name) || name == BoxUser {
		return fmt.Errorf("%q: %w", name, ErrWorkerName)
	}
	return nil
}

// Workers reads the worker list of dataDir; no file is no worker.
func Workers(dataDir string) ([]Worker, error) {
	data, err := os.ReadFile(filepath.Join(dataDir, WorkersFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read worker list: %w", err)
	}
	var doc workersDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("read worker list %s: %w", WorkersFile, err)
	}
	for _, w := range doc.Workers {
		if err := CheckWorkerName(w.Name); err != nil {
			return nil, fmt.Errorf("worker list %s: %w", WorkersFile, err)
		}
		if !nkeys.IsValidPublicUserKey(w.NKey) {
			return nil, fmt.Errorf("worker list %s: %s: not a user NKey", WorkersFile, w.Name)
		}
	}
	return doc.Workers, nil
}

// CreateWorker adds a worker named name with a new NKey pair and returns it
// with the pair's seed, the worker's secret, which is stored nowhere here.
func CreateWorker(dataDir, name string, now time.Time) (Worker, []byte, error) {
	if err := CheckWorkerName(name); err != nil {
		return Worker{}, nil, err
	}
	ws, err := Workers(dataDir)
	if err != nil {
		return Worker{}, nil, err
	}
	if slices.ContainsFunc(ws, func(w Worker) bool { return w.Name == name }) {
		return Worker{}, nil, fmt.Errorf("%s: %w", name, ErrWorkerExists)
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return Worker{}, nil, fmt.Errorf("make worker key: %w", err)
	}
	defer kp.Wipe()
	pub, err := kp.PublicKey()
	if err != nil {
		return Worker{}, nil, fmt.Errorf("make worker key: %w", err)
	}
	seed, err := kp.Seed()
	if err != nil {
		return Worker{}, nil, fmt.Errorf("make worker key: %w", err)
	}
	seed = slices.Clone(seed) // Wipe clears the pair's own copy
	w := Worker{Name: name, NKey: pub, Created: now.UTC()}
	if err := writeWorkers(dataDir, append(ws, w)); err != nil {
		return Worker{}, nil, err
	}
	return w, seed, nil
}

// RevokeWorker removes the worker named name; a running box closes its
// connections when it next reads the list.
func RevokeWorker(dataDir, name string) error {
	ws, err := Workers(dataDir)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ws, func(w Worker) bool { return w.Name == name })
	if i < 0 {
		return fmt.Errorf("%s: %w", name, ErrNoWorker)
	}
	return writeWorkers(dataDir, slices.Delete(ws, i, i+1))
}

// writeWorkers replaces the list atomically: a reader (the running box)
// sees the old list or the new one, never half a file.
func writeWorkers(dataDir string, ws []Worker) error {
	data, err := json.MarshalIndent(workersDoc{Workers: ws}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode worker list: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, WorkersFile+".*")
	if err != nil {
		return fmt.Errorf("write worker list: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write worker list: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write worker list: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write worker list: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dataDir, WorkersFile)); err != nil {
		return fmt.Errorf("write worker list: %w", err)
	}
	return nil
}
