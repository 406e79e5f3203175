package store

import (
	"bytes"
	"fmt"
	"maps"
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
// A line item's correction teaches as a product mapping teaches the
// catalogue (SetReceiptProducts): what it changed of what the item is
// (capture.ItemKeys: its description, SKU, unit, type) is kept under the
// item's description as OCR read it, and a later document's line item
// printed the same (normalised) is read with it.
//
//	account_phrases   account \x00 normalised phrase -> Lesson (JSON)
//	account_items     account \x00 normalised printed description -> Lesson (JSON)

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
	Phrase string `json:"phrase,omitempty"` // the phrase that was found on it
	From   string `json:"from,omitempty"`   // the photon key of the document whose correction taught it
	// Read are the fields taught, each with the value extraction had read.
	Read map[string]string `json:"read,omitempty"`
	// Items are the line items taught.
	Items []TaughtItem `json:"items,omitempty"`
}

// TaughtItem is what one line item took from a correction.
type TaughtItem struct {
	Line int               `json:"line"`
	From string            `json:"from"` // the photon key of the document whose correction taught it
	Read map[string]string `json:"read"` // each key taught, with what was read
}

// Item is what was taught to line item line, nil when nothing.
func (t *Taught) Item(line int) *TaughtItem {
	if t == nil {
		return nil
	}
	for i := range t.Items {
		if t.Items[i].Line == line {
			return &t.Items[i]
		}
	}
	return nil
}

// phraseMin is the fewest letters and digits a phrase needs to be learnt:
// shorter ones ("LTD", "TEL") appear on too many documents.
const phraseMin = 4

// boilerplate are words that documents of every vendor print: a phrase
// made of them alone ("TAX INVOICE", "THANK YOU", "WELCOME") names no
// vendor, even where extraction took it for one, and teaches nothing.
var boilerplate = wordSet(`invoice tax receipt bill statement credit debit note order quote delivery
		copy original duplicate customer sales sale of the no a an and at for to with us you your
		thank thanks welcome please come again visit shopping shop store total subtotal cash change card
		vat gst reg registration tel phone fax date time page number official simplified merchant`)

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// learnPhrases are the normalised phrases of a document that name its
// vendor: the identity fields as read (before a lesson replaced them, too)
// and as corrected, and the first line of its text when no vendor name was
// read; none of boilerplate alone.
func learnPhrases(read, corrected capture.Result, taught *Taught) []string {
	var raw []string
	for _, k := range capture.IdentityKeys {
		raw = append(raw, *read.Field(k), *corrected.Field(k))
		if taught != nil {
			raw = append(raw, taught.Read[k]) // what extraction read before a lesson replaced it
		}
	}
	if read.Vendor_Name == "" {
		for _, line := range strings.Split(read.Raw_Text, "\n") {
			if receipts.Normalize(line) != "" {
				raw = append(raw, line)
				break
			}
		}
	}
	var out []string
	for _, s := range raw {
		p := receipts.Normalize(s)
		if len(p) > 200 || len(strings.ReplaceAll(p, " ", "")) < phraseMin || allBoilerplate(p) {
			continue
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func allBoilerplate(p string) bool {
	for _, w := range strings.Fields(p) {
		if !boilerplate[w] {
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
	if d.Result == nil {
		return nil
	}
	if err := teachItems(tx, d, before, after, now); err != nil {
		return err
	}
	if len(changed) == 0 {
		return nil
	}
	b := tx.Bucket(bucketAccountPhrases)
	for _, p := range learnPhrases(*d.Result, after, d.Taught) {
		if err := addLesson(b, phraseKey(d.Account, p), changed, d.Key, now); err != nil {
			return fmt.Errorf("learn phrase: %w", err)
		}
	}
	return nil
}

// addLesson adds fields to the lesson under key, which the document with
// photon key from taught: a later correction's value replaces an earlier.
func addLesson(b *bolt.Bucket, key []byte, fields map[string]string, from string, now time.Time) error {
	var l Lesson
	if err := getJSON(b, key, &l); err != nil && err != ErrNotFound {
		return err
	}
	if l.Fields == nil {
		l.Fields = map[string]string{}
	}
	maps.Copy(l.Fields, fields)
	l.From, l.At = from, now
	return putJSON(b, key, l)
}

// teachItems records, in tx, what a correction changed of what each line
// item is (before and after are matched by Line), under the description
// the item was read with. An item the correction added was never printed
// as read, so it teaches nothing.
func teachItems(tx *bolt.Tx, d Document, before, after capture.Result, now time.Time) error {
	read := map[int]string{}
	for _, it := range d.Result.Line_Items {
		read[it.Line] = it.Description
	}
	was := map[int]capture.LineItem{}
	for _, it := range before.Line_Items {
		was[it.Line] = it
	}
	b := tx.Bucket(bucketAccountItems)
	for _, it := range after.Line_Items {
		old, ok := was[it.Line]
		printed, wasRead := read[it.Line]
		p := receipts.Normalize(printed)
		if !ok || !wasRead || len(p) > 200 || len(strings.ReplaceAll(p, " ", "")) < phraseMin {
			continue
		}
		changed := map[string]string{}
		for _, k := range capture.ItemKeys {
			if v := *it.Field(k); v != *old.Field(k) {
				changed[k] = v
			}
		}
		if len(changed) == 0 {
			continue
		}
		if err := addLesson(b, phraseKey(d.Account, p), changed, d.Key, now); err != nil {
			return fmt.Errorf("learn item: %w", err)
		}
	}
	return nil
}

func phraseKey(account, phrase string) []byte {
	return append(append([]byte(account), 0), phrase...)
}

// applyLessons sets, in r, what the account's corrections taught about
// its vendor (applyIssuer) and its line items (applyItems), and says what
// it set; nil when nothing.
func applyLessons(tx *bolt.Tx, account string, r *capture.Result, clientDocType string) (*Taught, error) {
	t, err := applyIssuer(tx, account, r, clientDocType)
	if err != nil {
		return nil, err
	}
	items, err := applyItems(tx, account, r)
	if err != nil {
		return nil, err
	}
	if len(items) > 0 {
		if t == nil {
			t = &Taught{}
		}
		t.Items = items
	}
	return t, nil
}

// applyItems sets, in r's line items, what the account's corrections
// taught about items printed with the same description.
func applyItems(tx *bolt.Tx, account string, r *capture.Result) ([]TaughtItem, error) {
	b := tx.Bucket(bucketAccountItems)
	var out []TaughtItem
	for i := range r.Line_Items {
		it := &r.Line_Items[i]
		v := b.Get(phraseKey(account, receipts.Normalize(it.Description)))
		if v == nil {
			continue
		}
		var l Lesson
		if err := jsonUnmarshal(v, &l); err != nil {
			return nil, fmt.Errorf("item lesson: %w", err)
		}
		ti := TaughtItem{Line: it.Line, From: l.From, Read: map[string]string{}}
		for k, nv := range l.Fields {
			if f := it.Field(k); f != nil && *f != nv {
				ti.Read[k] = *f
				*f = nv
			}
		}
		if len(ti.Read) > 0 {
			out = append(out, ti)
		}
	}
	return out, nil
}

// applyIssuer sets, in r, what the account's corrections taught about
// the vendor whose longest phrase appears on it (in its vendor fields as
// read or its text). A doctype the client gave with the upload
// (clientDocType) beats a taught one.
func applyIssuer(tx *bolt.Tx, account string, r *capture.Result, clientDocType string) (*Taught, error) {
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
