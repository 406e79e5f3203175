package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/capture"
	"tillroll/receipts"
)

// A correction teaches the account, as the receipts service's answers
// teach the catalogue (SetReceiptRetailer): the phrases that name the
// vendor on the corrected document, as OCR read them, are kept pointing at
// what the correction said of the issuer (capture.IssuerKeys: the vendor's
// name, address, VAT number, the category, the document type). The next
// document of the same account on which one of those phrases appears, as
// whole words, found by the same longest-phrase match that recognises a
// retailer (receipts.LongestPhrase), is read with those values. Another
// account's documents never are.
//
//	account_phrases   account \x00 normalised phrase -> Lesson (JSON)

// Lesson is what corrections taught about the vendor a phrase names.
type Lesson struct {
	// Fields are issuer keys and their values as corrected.
	Fields map[string]string `json:"fields"`
	// From is the photon key of the document last corrected.
	From string    `json:"from"`
	At   time.Time `json:"at"`
}

// Taught is what a document's result took from the account's corrections
// of earlier documents when it was read (in Corrections).
type Taught struct {
	Phrase string `json:"phrase"` // the phrase that was found on it
	From   string `json:"from"`   // the photon key of the document whose correction taught it
	// Read are the fields taught, each with the value extraction had read.
	Read map[string]string `json:"read"`
}

// phraseMin is the fewest letters and digits a phrase needs to be learnt:
// shorter ones ("LTD", "TEL") appear on too many documents.
const phraseMin = 4

// headerWords are what a document's first line can say without naming
// its vendor: such a line teaches nothing.
var headerWords = map[string]bool{
	"invoice": true, "tax": true, "receipt": true, "bill": true, "statement": true, "credit": true,
	"note": true, "order": true, "quote": true, "delivery": true, "copy": true, "original": true,
	"duplicate": true, "customer": true, "sales": true, "of": true, "the": true, "no": true,
}

// learnPhrases are the normalised phrases of a document that name its
// vendor: the identity fields as read and as corrected, and the first line
// of its text when no vendor name was read.
func learnPhrases(read, corrected capture.Result) []string {
	var raw []string
	for _, k := range capture.IdentityKeys {
		raw = append(raw, *read.Field(k), *corrected.Field(k))
	}
	if read.Vendor_Name == "" {
		for _, line := range strings.Split(read.Raw_Text, "\n") {
			if p := receipts.Normalize(line); p != "" {
				if !allHeaderWords(p) {
					raw = append(raw, line)
				}
				break
			}
		}
	}
	var out []string
	for _, s := range raw {
		p := receipts.Normalize(s)
		if len(p) > 200 || len(strings.ReplaceAll(p, " ", "")) < phraseMin {
			continue
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func allHeaderWords(p string) bool {
	for _, w := range strings.Fields(p) {
		if !headerWords[w] {
			return false
		}
	}
	return true
}

// teach records, in tx, what a correction of d changed among the issuer
// keys (before is the result as shown before it, after as corrected)
// under each phrase that names d's vendor.
func teach(tx *bolt.Tx, d Document, before, after capture.Result, now time.Time) error {
	changed := map[string]string{}
	for _, k := range capture.IssuerKeys {
		if v := *after.Field(k); v != *before.Field(k) {
			changed[k] = v
		}
	}
	if len(changed) == 0 || d.Result == nil {
		return nil
	}
	b := tx.Bucket(bucketAccountPhrases)
	for _, p := range learnPhrases(*d.Result, after) {
		key := phraseKey(d.Account, p)
		l := Lesson{Fields: map[string]string{}}
		if err := getJSON(b, key, &l); err != nil && err != ErrNotFound {
			return err
		}
		if l.Fields == nil {
			l.Fields = map[string]string{}
		}
		for k, v := range changed {
			l.Fields[k] = v
		}
		l.From, l.At = d.Key, now
		if err := putJSON(b, key, l); err != nil {
			return fmt.Errorf("learn phrase: %w", err)
		}
	}
	return nil
}

func phraseKey(account, phrase string) []byte {
	return append(append([]byte(account), 0), phrase...)
}

// applyLessons sets, in r, what the account's corrections taught about
// the vendor whose longest phrase appears on it (in its vendor fields as
// read or its text), and says what it set; nil when nothing. A doctype the
// client gave with the upload (clientDocType) beats a taught one.
func applyLessons(tx *bolt.Tx, account string, r *capture.Result, clientDocType string) (*Taught, error) {
	prefix := append([]byte(account), 0)
	c := tx.Bucket(bucketAccountPhrases).Cursor()
	each := func(fn func(phrase, id string) bool) {
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			p := string(k[len(prefix):])
			if !fn(p, p) {
				return
			}
		}
	}
	hay := []string{r.Raw_Text}
	for _, k := range capture.IdentityKeys {
		hay = append(hay, *r.Field(k))
	}
	phrase, _ := receipts.LongestPhrase(strings.Join(hay, "\n"), each)
	if phrase == "" {
		return nil, nil
	}
	var l Lesson
	if err := getJSON(tx.Bucket(bucketAccountPhrases), phraseKey(account, phrase), &l); err != nil {
		return nil, fmt.Errorf("lesson %q: %w", phrase, err)
	}
	t := &Taught{Phrase: phrase, From: l.From, Read: map[string]string{}}
	for k, v := range l.Fields {
		f := r.Field(k)
		if f == nil || *f == v || (k == "Document_Type" && clientDocType != "") {
			continue
		}
		t.Read[k] = *f
		*f = v
		delete(r.Confidence, k)
	}
	if len(t.Read) == 0 {
		return nil, nil
	}
	return t, nil
}
