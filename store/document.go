package store

import (
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"

	"tillroll/capture"
)

// Document is one uploaded file and what became of it.
type Document struct {
	ID         uint64          `json:"id"`
	Key        string          `json:"key"` // the photon key: data/<username>/<name>.json
	Account    string          `json:"account"`
	FileName   string          `json:"file_name"` // as the client named it, sanitised
	Path       string          `json:"path"`      // stored file, relative to the data directory
	Size       int64           `json:"size"`
	SHA256     string          `json:"sha256"`
	Kind       string          `json:"kind"`
	WebhookURL string          `json:"webhook_url,omitempty"` // passed with this upload
	Status     string          `json:"status"`
	Reason     string          `json:"reason,omitempty"`
	TextHash   string          `json:"text_hash,omitempty"`
	Result     *capture.Result `json:"result,omitempty"`
	Boxes      *capture.Boxes  `json:"boxes,omitempty"`  // where the result's fields were read (nil in older records); never in the API
	Source     *Source         `json:"source,omitempty"` // mail or watch folder it came from (nil for uploads)
	Created    time.Time       `json:"created"`
	Updated    time.Time       `json:"updated"`

	// Photon's submit parameters and the client's corrections (document_photon.go).
	Submission
	Corrections
}

// Data is the document's "data" object as the capture API shows it, with
// its photon key and doc_path.
func (d Document) Data() capture.Result {
	r := capture.Placeholder(d.Status, d.Reason, d.Created)
	if d.Result != nil && (d.Status == capture.StatusCompleted || d.Status == capture.StatusFailed) {
		r = *d.Result
		if d.Corrected != nil && d.Status == capture.StatusCompleted {
			r = *d.Corrected
		}
		r.Status, r.Reason = d.Status, d.Reason
	}
	r.PhotonKey, r.DocPath = d.Key, d.DocPath()
	return r.Complete()
}

// NewDocument is what CreateDocument needs.
type NewDocument struct {
	Account    string
	FileName   string
	File       StoredFile
	Kind       string
	WebhookURL string
	Submission
	Source *Source // where a document came from when not through the HTTP API
}

// CreateDocument records an upload whose file is already saved and queues
// its OCR job, in one transaction, counting the file against the account's
// storage quota (ErrQuota: the caller removes the file). The photon key is unique: the same file
// name twice gets "name.json", then "name-2.json" and so on.
func (s *Store) CreateDocument(in NewDocument) (Document, error) {
	d := newDocument(in, s.now().UTC())
	// Batch: uploads that arrive together share one commit and its fsyncs,
	// which is what bounds upload latency under load. The function may run
	// twice (bbolt retries it alone if the batch fails); it sets every field
	// it touches.
	err := s.db.Batch(func(tx *bolt.Tx) error {
		if !hasAccount(tx, in.Account) {
			return fmt.Errorf("account %q: %w", in.Account, ErrNotFound)
		}
		if err := s.charge(tx, in.Account, d.Size); err != nil {
			return err
		}
		return insertDocument(tx, &d, stem(d.FileName), s.datedKeys)
	})
	if err != nil {
		return Document{}, err
	}
	return d, nil
}

// newDocument is the pending record of an upload.
func newDocument(in NewDocument, now time.Time) Document {
	return Document{
		Account:    in.Account,
		FileName:   SanitizeFileName(in.FileName),
		Path:       in.File.Path,
		Size:       in.File.Size,
		SHA256:     in.File.SHA256,
		Kind:       in.Kind,
		WebhookURL: in.WebhookURL,
		Submission: in.Submission,
		Source:     in.Source,
		Status:     capture.StatusPending,
		Created:    now,
		Updated:    now,
	}
}

// insertDocument gives d its id and a free photon key made from stem (in
// the dated form when dated), stores it with its indexes and queues its
// OCR job, in tx.
func insertDocument(tx *bolt.Tx, d *Document, stem string, dated bool) error {
	docs := tx.Bucket(bucketDocuments)
	id, err := docs.NextSequence()
	if err != nil {
		return fmt.Errorf("next id: %w", err)
	}
	d.ID = id
	byKey := tx.Bucket(bucketDocumentsByKey)
	if dated {
		t := d.Created.UTC()
		stem = fmt.Sprintf("%s/%02d-%02d-%02d-%06d_%s", t.Format("2006-01-02"), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1000, stem)
	}
	d.Key = freeKey(byKey, d.Account, stem)
	if err := byKey.Put([]byte(d.Key), itob(id)); err != nil {
		return fmt.Errorf("index key: %w", err)
	}
	if err := tx.Bucket(bucketDocumentsBySHA).Put(indexKey(d.Account, d.SHA256, id), nil); err != nil {
		return fmt.Errorf("index sha: %w", err)
	}
	if err := putJSON(docs, itob(id), *d); err != nil {
		return err
	}
	return putJSON(tx.Bucket(bucketOCRJobs), itob(id), Job{DocID: id, State: JobQueued, NotBefore: d.Created})
}

// DocumentByKey returns the account's document with that photon key. Another
// account's key is ErrNotFound, exactly as a key that does not exist.
func (s *Store) DocumentByKey(account, key string) (Document, error) {
	var d Document
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketDocumentsByKey).Get([]byte(key))
		if id == nil {
			return ErrNotFound
		}
		return getJSON(tx.Bucket(bucketDocuments), id, &d)
	})
	if err == nil && d.Account != account {
		err = ErrNotFound
	}
	if err != nil {
		return Document{}, fmt.Errorf("document %q: %w", key, err)
	}
	return d, nil
}

// Document returns the document with that id.
func (s *Store) Document(id uint64) (Document, error) {
	var d Document
	err := s.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketDocuments), itob(id), &d)
	})
	if err != nil {
		return Document{}, fmt.Errorf("document %d: %w", id, err)
	}
	return d, nil
}

// CountDocuments counts documents by status.
func (s *Store) CountDocuments() (map[string]int, error) {
	counts := map[string]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDocuments).ForEach(func(_, v []byte) error {
			var d struct {
				Status string `json:"status"`
			}
			if err := jsonUnmarshal(v, &d); err != nil {
				return err
			}
			counts[d.Status]++
			return nil
		})
	})
	return counts, err
}

// SanitizeFileName keeps the base name of what a client sent, without
// directories, control characters or NULs, at most 120 bytes. It is only
// ever shown and used in photon keys, never as a path on disk.
func SanitizeFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == unicode.ReplacementChar, unicode.IsControl(r):
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
		if b.Len() >= 120 {
			break
		}
	}
	out := strings.Trim(b.String(), "._")
	if out == "" {
		return "document"
	}
	return out
}

// stem is a sanitised file name without its extension.
func stem(name string) string {
	if ext := path.Ext(name); ext != "" && len(ext) < len(name) {
		name = strings.TrimSuffix(name, ext)
	}
	if name = strings.Trim(name, "._"); name == "" {
		return "document"
	}
	return name
}

// freeKey is data/<account>/<stem>.json, or with -2, -3, ... after the stem
// when that is taken. A dated stem is <yyyy-mm-dd>/<hh-mm-ss-ffffff>_<name>,
// as Photon's keys are.
func freeKey(byKey *bolt.Bucket, account, stem string) string {
	base := "data/" + account + "/" + stem
	key := base + ".json"
	for n := 2; byKey.Get([]byte(key)) != nil; n++ {
		key = base + "-" + strconv.Itoa(n) + ".json"
	}
	return key
}

// indexKey is account \x00 value \x00 id, so a prefix scan finds every id
// with the same account and value.
func indexKey(account, value string, id uint64) []byte {
	k := make([]byte, 0, len(account)+len(value)+10)
	k = append(k, account...)
	k = append(k, 0)
	k = append(k, value...)
	k = append(k, 0)
	return append(k, itob(id)...)
}

func indexPrefix(account, value string) []byte {
	k := indexKey(account, value, 0)
	return k[:len(k)-8]
}

// hasOther reports whether the index holds value for the account under an id
// other than self and accepted by keep.
func hasOther(b *bolt.Bucket, account, value string, self uint64, keep func(id uint64) bool) bool {
	prefix := indexPrefix(account, value)
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) != len(prefix)+8 {
			continue
		}
		if id := btoi(k[len(prefix):]); id != self && keep(id) {
			return true
		}
	}
	return false
}
