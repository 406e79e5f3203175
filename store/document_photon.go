package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/capture"
	"tillroll/ocr"
)

// Submission is what a client asked for with an upload, beyond the file:
// the parameters of Photon's submit call. It is embedded in Document and
// NewDocument.
type Submission struct {
	// DocType is the doctype the client gave ("invoice", "receipt", ...);
	// "" lets extraction decide.
	DocType string `json:"doctype,omitempty"`
	// AuthToken is sent back as the webhook's Authorization header.
	AuthToken string `json:"auth_token,omitempty"`
	// RefID is the client's own ID, echoed in the webhook body.
	RefID string `json:"ref_id,omitempty"`
	// Subaccount is the sub-account the document is attributed to.
	Subaccount string `json:"subaccount,omitempty"`
	// PageStart and PageEnd (1-based, inclusive; 0 for none) limit the
	// pages of a PDF that are read.
	PageStart int `json:"page_start,omitempty"`
	PageEnd   int `json:"page_end,omitempty"`
	// SourceURL is where the file was fetched from, when it was.
	SourceURL string `json:"source_url,omitempty"`
	// Lang is the OCR language setting the document is read in (the
	// upload's lang, else its account's; "" for the server's own).
	Lang string `json:"lang,omitempty"`
}

// DocPath names the document's original, as Photon's doc_path does: the
// photon key with the stored file's extension in place of ".json". It is a
// name, never a path on disk.
func (d Document) DocPath() string {
	return strings.TrimSuffix(d.Key, ".json") + "." + ocr.Kind(d.Kind).Ext()
}

// DocumentByDocPath returns the account's document whose DocPath is
// docPath. Another account's is ErrNotFound, as one that does not exist.
func (s *Store) DocumentByDocPath(account, docPath string) (Document, error) {
	i := strings.LastIndexByte(docPath, '.')
	if i <= 0 || strings.Contains(docPath[i:], "/") {
		return Document{}, fmt.Errorf("doc_path %q: %w", docPath, ErrNotFound)
	}
	d, err := s.DocumentByKey(account, docPath[:i]+".json")
	if err != nil {
		return Document{}, err
	}
	if d.DocPath() != docPath {
		return Document{}, fmt.Errorf("doc_path %q: %w", docPath, ErrNotFound)
	}
	return d, nil
}

// DeleteDocument removes the account's document: its record, its index
// entries and its job in one transaction, then its stored file. Its
// photon key and doc_path are unknown from then on.
func (s *Store) DeleteDocument(account string, id uint64) error {
	var d Document
	err := s.db.Update(func(tx *bolt.Tx) error {
		docs := tx.Bucket(bucketDocuments)
		if err := getJSON(docs, itob(id), &d); err != nil {
			return fmt.Errorf("document %d: %w", id, err)
		}
		if d.Account != account {
			return fmt.Errorf("document %d: %w", id, ErrNotFound)
		}
		dels := []struct {
			b   []byte
			key []byte
		}{
			{bucketDocuments, itob(id)},
			{bucketDocumentsByKey, []byte(d.Key)},
			{bucketDocumentsBySHA, indexKey(d.Account, d.SHA256, id)},
			{bucketOCRJobs, itob(id)},
		}
		if d.TextHash != "" {
			dels = append(dels, struct {
				b   []byte
				key []byte
			}{bucketDocumentsByText, indexKey(d.Account, d.TextHash, id)})
		}
		for _, x := range dels {
			if err := tx.Bucket(x.b).Delete(x.key); err != nil {
				return fmt.Errorf("delete document %d from %s: %w", id, x.b, err)
			}
		}
		if d.Account == ReceiptsAccount { // its image counts under its user
			return nil
		}
		return addUsage(tx, d.Account, -d.Size)
	})
	if err != nil {
		return err
	}
	if err := s.RemoveFile(d.Path); err != nil {
		return fmt.Errorf("remove original of document %d: %w", id, err)
	}
	return nil
}

// Usage is how many documents and pages an account (or one of its
// sub-accounts) used in a month.
type Usage struct {
	Documents int `json:"documents"`
	Pages     int `json:"pages"`
}

// Balance is an account's usage in one month (UTC), in all and per
// sub-account ("" for documents sent without one).
type Balance struct {
	Year        int              `json:"year"`
	Month       int              `json:"month"`
	Usage       Usage            `json:"usage"`
	Subaccounts map[string]Usage `json:"subaccounts,omitempty"`
}

// Balance counts the account's documents uploaded in the month. It reads
// the account's own index (documents_by_sha), not every document.
func (s *Store) Balance(account string, year int, month time.Month) (Balance, error) {
	b := Balance{Year: year, Month: int(month), Subaccounts: map[string]Usage{}}
	from := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	prefix := append([]byte(account), 0)
	err := s.db.View(func(tx *bolt.Tx) error {
		docs := tx.Bucket(bucketDocuments)
		c := tx.Bucket(bucketDocumentsBySHA).Cursor()
		for k, _ := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = c.Next() {
			if len(k) < 8 {
				continue
			}
			var d Document
			err := getJSON(docs, k[len(k)-8:], &d)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if d.Account != account || d.Created.Before(from) || !d.Created.Before(to) {
				continue
			}
			pages := 0
			if d.Result != nil {
				pages = d.Result.Pages
			}
			b.Usage.Documents++
			b.Usage.Pages += pages
			u := b.Subaccounts[d.Subaccount]
			u.Documents++
			u.Pages += pages
			b.Subaccounts[d.Subaccount] = u
		}
		return nil
	})
	if err != nil {
		return Balance{}, fmt.Errorf("balance of %q: %w", account, err)
	}
	return b, nil
}

// Corrections are what a client corrected through the API, kept beside
// what OCR read (Document.Result stays as read). Embedded in Document.
type Corrections struct {
	// Corrected is the result as corrected; nil when nothing was.
	Corrected   *capture.Result `json:"corrected,omitempty"`
	CorrectedAt time.Time       `json:"corrected_at,omitzero"`
	// Taught is what the result took, when it was read, from corrections
	// of the account's earlier documents (document_learn.go); nil when
	// nothing.
	Taught *Taught `json:"taught,omitempty"`
}

// ErrNotRead is returned for a correction of a document that has not been
// read (or could not be): there is nothing to correct yet.
var ErrNotRead = errors.New("the document has not been read")

// CorrectDocument applies a correction to the account's document in one
// transaction: correct gets the result as the API shows it now (corrected
// before, or as read) and changes it, and sees the result as read. The
// outcome is kept as Corrected, and what OCR read stays in Result. What it
// changed of the issuer teaches the account's later documents (teach).
func (s *Store) CorrectDocument(account, key string, correct func(r *capture.Result, read capture.Result) error) (Document, error) {
	var d Document
	err := s.db.Update(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketDocumentsByKey).Get([]byte(key))
		if id == nil {
			return fmt.Errorf("document %q: %w", key, ErrNotFound)
		}
		docs := tx.Bucket(bucketDocuments)
		if err := getJSON(docs, id, &d); err != nil {
			return fmt.Errorf("document %q: %w", key, err)
		}
		if d.Account != account {
			return fmt.Errorf("document %q: %w", key, ErrNotFound)
		}
		if d.Status != capture.StatusCompleted || d.Result == nil {
			return fmt.Errorf("document %q: %w", key, ErrNotRead)
		}
		before := d.Data()
		r := before // with its own lists: before stays as it was
		r.Line_Items, r.Tax_Lines = slices.Clone(before.Line_Items), slices.Clone(before.Tax_Lines)
		if err := correct(&r, d.Result.Complete()); err != nil {
			return err
		}
		r.PhotonKey, r.DocPath, r.Confidence = "", "", nil
		d.Corrected, d.CorrectedAt = &r, s.now().UTC()
		if err := teach(tx, d, before, r, d.CorrectedAt); err != nil {
			return err
		}
		return putJSON(docs, id, d)
	})
	if err != nil {
		return Document{}, err
	}
	return d, nil
}

// AccountDocuments is a page (0-based, size documents) of the account's
// documents, newest first, and how many it has in all. It reads the
// account's own index (documents_by_sha) for the ids, then only the page's
// records.
func (s *Store) AccountDocuments(account string, page, size int) ([]Document, int, error) {
	page, size = max(page, 0), max(size, 1)
	var out []Document
	var total int
	prefix := append([]byte(account), 0)
	err := s.db.View(func(tx *bolt.Tx) error {
		var ids []uint64
		c := tx.Bucket(bucketDocumentsBySHA).Cursor()
		for k, _ := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = c.Next() {
			if len(k) >= len(prefix)+8 {
				ids = append(ids, btoi(k[len(k)-8:]))
			}
		}
		slices.SortFunc(ids, func(a, b uint64) int { return cmp.Compare(b, a) })
		total = len(ids)
		from := min(page*size, total)
		for _, id := range ids[from:min(from+size, total)] {
			var d Document
			if err := getJSON(tx.Bucket(bucketDocuments), itob(id), &d); err != nil {
				return fmt.Errorf("document %d: %w", id, err)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("documents of %q: %w", account, err)
	}
	return out, total, nil
}
