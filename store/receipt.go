package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/capture"
	"tillroll/receipts"
)

// ReceiptsAccount is the internal capture account that owns the documents
// of receipt images, so the OCR pool reads them like any other upload. Its
// name cannot be made with CreateAccount and it has no credentials, e-mail
// or webhook: nobody can log in as it and it sends no notifications.
const ReceiptsAccount = "~receipts"

// ReceiptImage is an image uploaded to the receipts service.
type ReceiptImage struct {
	Token   string    `json:"token"` // the random name in its link
	User    string    `json:"user"`
	Path    string    `json:"path"`
	SHA256  string    `json:"sha256"`
	Kind    string    `json:"kind"`
	Size    int64     `json:"size,omitempty"`
	Created time.Time `json:"created"`
	// Lang is the OCR language setting the upload chose
	// (ocr.CheckLanguages); "" reads with the server's.
	Lang string `json:"lang,omitempty"`
}

// Receipt is a user's receipt: what the app sent, what OCR read and what
// became of it.
type Receipt struct {
	ID           uint64   `json:"id"`
	UUID         string   `json:"uuid"`
	User         string   `json:"user"`
	Accuracy     string   `json:"accuracy"`
	Latitude     string   `json:"latitude"`
	Longitude    string   `json:"longitude"`
	StoreID      string   `json:"store_id"`
	LocationName string   `json:"location_name"`
	CountryISO   string   `json:"country_iso,omitempty"`
	ClientIP     string   `json:"client_ip,omitempty"`
	Links        []string `json:"links"`
	Images       []string `json:"images,omitempty"` // tokens of the links that are images on this box
	ImageSHA     []string `json:"image_sha,omitempty"`
	DocIDs       []uint64 `json:"doc_ids,omitempty"`
	Source       *Source  `json:"source,omitempty"` // the mail it came from (nil for the API and the web app)

	Status         receipts.Status   `json:"status"`
	RetailerID     string            `json:"retailer_id,omitempty"`
	RetailerByUser bool              `json:"retailer_by_user,omitempty"`
	TotalByUser    bool              `json:"total_by_user,omitempty"` // the user corrected the total
	Analysis       receipts.Analysis `json:"analysis"`
	Duplicate      bool              `json:"duplicate,omitempty"`

	PartnerCoins     receipts.Coins `json:"partner_coins"`
	NonPartnerCoins  receipts.Coins `json:"non_partner_coins"`
	PartnerEarned    receipts.Coins `json:"partner_earned"`
	NonPartnerEarned receipts.Coins `json:"non_partner_earned"`
	EarnedAt         time.Time      `json:"earned_at,omitzero"`

	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// PendingCoins is what the receipt may still earn: its worth until it is
// completed, nothing after (or for a duplicate).
func (r Receipt) PendingCoins() receipts.Coins {
	if r.Status == receipts.Completed || r.Status == receipts.Hidden || r.Duplicate {
		return receipts.Units(0)
	}
	return r.PartnerCoins.Add(r.NonPartnerCoins)
}

// SaveReceiptImage records an image already saved with SaveFile, counted
// against the user's storage quota (ErrQuota).
func (s *Store) SaveReceiptImage(user string, f StoredFile, kind string) (ReceiptImage, error) {
	return s.SaveReceiptImageIn(user, f, kind, "")
}

// SaveReceiptImageIn is SaveReceiptImage for an upload that chose the
// OCR language setting lang (checked by the caller; "" for the server's):
// the receipt that names the image is read in it.
func (s *Store) SaveReceiptImageIn(user string, f StoredFile, kind, lang string) (ReceiptImage, error) {
	token, err := newToken(s.rand, 16)
	if err != nil {
		return ReceiptImage{}, err
	}
	img := ReceiptImage{Token: token, User: user, Path: f.Path, SHA256: f.SHA256, Kind: kind, Size: f.Size, Created: s.now().UTC(), Lang: lang}
	err = s.db.Update(func(tx *bolt.Tx) error { return s.putReceiptImage(tx, img) })
	if err != nil {
		return ReceiptImage{}, err
	}
	return img, nil
}

// putReceiptImage records an image and charges its size to its user: the
// first step of a receipt, for the API's upload and a mail's attachment.
func (s *Store) putReceiptImage(tx *bolt.Tx, img ReceiptImage) error {
	if err := s.charge(tx, img.User, img.Size); err != nil {
		return err
	}
	return putJSON(tx.Bucket(bucketReceiptImages), []byte(img.Token), img)
}

// ReceiptImage returns the image with that token.
func (s *Store) ReceiptImage(token string) (ReceiptImage, error) {
	var img ReceiptImage
	err := s.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketReceiptImages), []byte(token), &img)
	})
	if err != nil {
		return ReceiptImage{}, fmt.Errorf("receipt image: %w", err)
	}
	return img, nil
}

// NewReceipt is what CreateReceipt needs. Links are kept as sent; Images
// are the tokens of those that point at images on this box (the server
// checks the others against its allow-list; none is ever fetched).
type NewReceipt struct {
	User         string
	Accuracy     string
	Latitude     string
	Longitude    string
	StoreID      string
	LocationName string
	CountryISO   string
	ClientIP     string
	Links        []string
	Images       []string
	Source       *Source // the mail a receipt came from (nil for the API and the web app)
}

// CreateReceipt records a receipt and queues an OCR job for each of its
// images on this box, in one transaction. With images it starts in OCR;
// without, it stays INITIAL.
func (s *Store) CreateReceipt(in NewReceipt) (Receipt, error) {
	uuid, err := newUUID(s)
	if err != nil {
		return Receipt{}, err
	}
	var r Receipt
	err = s.db.Update(func(tx *bolt.Tx) error {
		var err error
		r, err = createReceipt(tx, in, uuid, s.now().UTC())
		return err
	})
	if err != nil {
		return Receipt{}, err
	}
	return r, nil
}

// createReceipt is CreateReceipt's transaction, which a mail's receipts
// (CreateIntakeReceipts) share.
func createReceipt(tx *bolt.Tx, in NewReceipt, uuid string, now time.Time) (Receipt, error) {
	r := Receipt{
		UUID: uuid, User: in.User, Accuracy: in.Accuracy, Latitude: in.Latitude, Longitude: in.Longitude,
		StoreID: in.StoreID, LocationName: in.LocationName, CountryISO: in.CountryISO, ClientIP: in.ClientIP,
		Links: in.Links, Source: in.Source, Status: receipts.Initial, Created: now, Updated: now,
		PartnerCoins: receipts.Units(0), NonPartnerCoins: receipts.Units(0),
		PartnerEarned: receipts.Units(0), NonPartnerEarned: receipts.Units(0),
	}
	if !hasUser(tx, in.User) {
		return Receipt{}, fmt.Errorf("user %q: %w", in.User, ErrNotFound)
	}
	if err := ensureReceiptsAccount(tx, now); err != nil {
		return Receipt{}, err
	}
	id, err := tx.Bucket(bucketReceipts).NextSequence()
	if err != nil {
		return Receipt{}, fmt.Errorf("next id: %w", err)
	}
	r.ID = id
	for _, token := range in.Images {
		var img ReceiptImage
		if err := getJSON(tx.Bucket(bucketReceiptImages), []byte(token), &img); err != nil || img.User != in.User {
			return Receipt{}, fmt.Errorf("%w: image %s is not one of yours", ErrInvalid, token)
		}
		d, err := queueDocument(tx, img, in.Source, now)
		if err != nil {
			return Receipt{}, err
		}
		r.Images = append(r.Images, token)
		r.ImageSHA = append(r.ImageSHA, img.SHA256)
		r.DocIDs = append(r.DocIDs, d)
		if err := tx.Bucket(bucketReceiptsByDoc).Put(itob(d), itob(id)); err != nil {
			return Receipt{}, fmt.Errorf("index document: %w", err)
		}
	}
	if len(r.DocIDs) > 0 {
		if err := receipts.Check(r.Status, receipts.OCR, receipts.BySystem); err != nil {
			return Receipt{}, err
		}
		r.Status = receipts.OCR
	}
	if err := tx.Bucket(bucketReceiptsByUUID).Put([]byte(r.UUID), itob(id)); err != nil {
		return Receipt{}, fmt.Errorf("index uuid: %w", err)
	}
	for _, sha := range r.ImageSHA {
		if err := tx.Bucket(bucketReceiptsByImage).Put(pairKey(sha, id), nil); err != nil {
			return Receipt{}, fmt.Errorf("index image: %w", err)
		}
	}
	if err := putReceipt(tx, nil, &r); err != nil {
		return Receipt{}, err
	}
	return r, nil
}

// ensureReceiptsAccount makes the internal account on first use.
func ensureReceiptsAccount(tx *bolt.Tx, now time.Time) error {
	if hasAccount(tx, ReceiptsAccount) {
		return nil
	}
	return putAccount(tx, Account{Username: ReceiptsAccount, Created: now})
}

// queueDocument records an image as a document of the internal account
// and queues its OCR job: what CreateDocument does for an upload.
func queueDocument(tx *bolt.Tx, img ReceiptImage, src *Source, now time.Time) (uint64, error) {
	d := Document{
		Account: ReceiptsAccount, FileName: img.Token, Path: img.Path, SHA256: img.SHA256,
		Kind: img.Kind, Status: capture.StatusPending, Source: src, Created: now, Updated: now,
	}
	d.Lang = img.Lang
	if err := insertDocument(tx, &d, img.Token, false); err != nil { // never shown: no Photon form
		return 0, err
	}
	return d.ID, nil
}

// ReceiptByUUID returns a receipt by its public id.
func (s *Store) ReceiptByUUID(uuid string) (Receipt, error) {
	var r Receipt
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketReceiptsByUUID).Get([]byte(uuid))
		if id == nil {
			return ErrNotFound
		}
		return getJSON(tx.Bucket(bucketReceipts), id, &r)
	})
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt %q: %w", uuid, err)
	}
	return r, nil
}

// Receipt returns a receipt by its id.
func (s *Store) Receipt(id uint64) (Receipt, error) {
	var r Receipt
	err := s.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketReceipts), itob(id), &r)
	})
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt %d: %w", id, err)
	}
	return r, nil
}

// ReceiptOfDocument is the id of the receipt an OCR'd image belongs to.
func (s *Store) ReceiptOfDocument(docID uint64) (uint64, bool) {
	var id uint64
	_ = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketReceiptsByDoc).Get(itob(docID)); v != nil {
			id = btoi(v)
		}
		return nil
	})
	return id, id != 0
}

// DeleteReceipt deletes the user's receipt. Another user's receipt is
// ErrNotFound, as one that does not exist. The duplicate indexes keep its
// hashes: the same receipt sent again still earns nothing.
func (s *Store) DeleteReceipt(user, uuid string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketReceiptsByUUID).Get([]byte(uuid))
		if id == nil {
			return fmt.Errorf("receipt %q: %w", uuid, ErrNotFound)
		}
		id = append([]byte(nil), id...)
		var r Receipt
		if err := getJSON(tx.Bucket(bucketReceipts), id, &r); err != nil {
			return err
		}
		if r.User != user {
			return fmt.Errorf("receipt %q: %w", uuid, ErrNotFound)
		}
		if err := indexReceipt(tx, &r, false); err != nil {
			return err
		}
		if err := tx.Bucket(bucketReceiptsByUUID).Delete([]byte(uuid)); err != nil {
			return fmt.Errorf("unindex uuid: %w", err)
		}
		for _, d := range r.DocIDs {
			if err := tx.Bucket(bucketReceiptsByDoc).Delete(itob(d)); err != nil {
				return fmt.Errorf("unindex document: %w", err)
			}
		}
		return tx.Bucket(bucketReceipts).Delete(id)
	})
}

// putReceipt stores r, replacing old's index entries by r's.
func putReceipt(tx *bolt.Tx, old, r *Receipt) error {
	if old != nil {
		if err := indexReceipt(tx, old, false); err != nil {
			return err
		}
	}
	if err := indexReceipt(tx, r, true); err != nil {
		return err
	}
	return putJSON(tx.Bucket(bucketReceipts), itob(r.ID), r)
}

// retailerSummary is the value of a receipts_by_retailer entry: what the
// staff list filters and sorts on, so it never reads the records. It is
// stored in a compact binary form (see encode), which decodes far faster
// than JSON over a retailer's tens of thousands of receipts.
type retailerSummary struct {
	Status receipts.Status
	User   string
	Code   string
	Total  int64 // cents
	Issued int64 // unix seconds of the printed time, 0 when unknown
	GTINs  []string
}

// encode is: version 1, status code, issued, total (8 bytes each,
// big-endian), then user, code and each GTIN as uvarint length + bytes
// (GTINs after their uvarint count).
func (s retailerSummary) encode() []byte {
	b := make([]byte, 0, 32+len(s.User)+len(s.Code)+14*len(s.GTINs))
	b = append(b, 1, byte(s.Status.Code()))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Issued))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Total))
	str := func(v string) {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	str(s.User)
	str(s.Code)
	b = binary.AppendUvarint(b, uint64(len(s.GTINs)))
	for _, g := range s.GTINs {
		str(g)
	}
	return b
}

// errDamagedSummary is made once: decodeSummary runs for every receipt a
// filtered staff list visits.
var errDamagedSummary = fmt.Errorf("%w: damaged retailer index entry", ErrInvalid)

func decodeSummary(b []byte, withGTINs bool) (retailerSummary, error) {
	var s retailerSummary
	bad := errDamagedSummary
	if len(b) < 18 || b[0] != 1 || int(b[1]) >= len(receipts.Statuses) {
		return s, bad
	}
	s.Status = receipts.Statuses[b[1]]
	s.Issued = int64(binary.BigEndian.Uint64(b[2:]))
	s.Total = int64(binary.BigEndian.Uint64(b[10:]))
	b = b[18:]
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", false
		}
		v := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return v, true
	}
	var ok bool
	if s.User, ok = str(); !ok {
		return s, bad
	}
	if s.Code, ok = str(); !ok {
		return s, bad
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return s, bad
	}
	b = b[k:]
	if !withGTINs {
		return s, nil // the GTINs are only read to filter by one
	}
	for range n {
		g, ok := str()
		if !ok {
			return s, bad
		}
		s.GTINs = append(s.GTINs, g)
	}
	return s, nil
}

func summarize(r *Receipt) retailerSummary {
	sum := retailerSummary{Status: r.Status, User: r.User, Code: r.Analysis.ReceiptCode, Total: r.Analysis.TotalCents}
	if !r.Analysis.Issued.IsZero() {
		sum.Issued = r.Analysis.Issued.Unix()
	}
	for _, it := range r.Analysis.Items {
		if it.GTIN != "" {
			sum.GTINs = append(sum.GTINs, it.GTIN)
		}
	}
	return sum
}

// indexReceipt adds (or removes) every index entry and count of r.
func indexReceipt(tx *bolt.Tx, r *Receipt, add bool) error {
	ts := tsID(r.Created, r.ID)
	status := string(r.Status)
	type entry struct {
		bucket []byte
		key    []byte
		value  []byte
	}
	entries := []entry{
		{bucketReceiptsByUser, join([]byte(r.User), ts), nil},
		{bucketReceiptsByUserStatus, join([]byte(r.User), []byte(status), ts), nil},
		{bucketReceiptsByUserRetail, join([]byte(r.User), []byte(r.RetailerID), ts), nil},
		{bucketReceiptsByStatus, join([]byte(status), itob(r.ID)), nil},
	}
	if r.RetailerID != "" {
		sum := summarize(r)
		ret := []byte(r.RetailerID)
		entries = append(entries, entry{bucketReceiptsByRetailer, join(ret, ts), sum.encode()})
		keys := [][2]string{{"u", sum.User}, {"s", string(sum.Status)}}
		if sum.Code != "" {
			keys = append(keys, [2]string{"c", sum.Code})
		}
		for _, g := range uniq(sum.GTINs) {
			keys = append(keys, [2]string{"g", g})
		}
		for _, k := range keys {
			entries = append(entries, entry{bucketReceiptsByRetailKey, join(ret, []byte(k[0]), []byte(k[1]), ts), nil})
		}
	}
	for _, term := range searchTerms(r) {
		entries = append(entries, entry{bucketReceiptsByTerm, join([]byte(r.User), []byte(term), itob(r.ID)), nil})
	}
	if r.Analysis.OCRHash != "" {
		entries = append(entries, entry{bucketReceiptsByOCRHash, pairKey(r.Analysis.OCRHash, r.ID), nil})
	}
	for _, e := range entries {
		b := tx.Bucket(e.bucket)
		var err error
		if add {
			if e.value == nil {
				e.value = []byte{}
			}
			err = b.Put(e.key, e.value)
		} else if !bytes.Equal(e.bucket, bucketReceiptsByOCRHash) {
			err = b.Delete(e.key)
		}
		if err != nil {
			return fmt.Errorf("index receipt: %w", err)
		}
	}
	delta := int64(1)
	if !add {
		delta = -1
	}
	counts := tx.Bucket(bucketReceiptCounts)
	countKeys := [][]byte{join([]byte(r.User), []byte("s"), []byte(status)), join([]byte(r.User), []byte("r"), []byte(r.RetailerID))}
	if r.Status.NeedsAttention() {
		countKeys = append(countKeys, join([]byte(r.User), []byte("a"), []byte(r.RetailerID)))
	}
	if r.RetailerID != "" { // no user name is empty: "" holds the per-retailer totals
		countKeys = append(countKeys, retailerCountKey(r.RetailerID))
	}
	for _, k := range countKeys {
		var n int64
		if v := counts.Get(k); v != nil {
			n = int64(btoi(v))
		}
		n += delta
		var err error
		if n <= 0 {
			err = counts.Delete(k)
		} else {
			err = counts.Put(k, itob(uint64(n)))
		}
		if err != nil {
			return fmt.Errorf("count receipt: %w", err)
		}
	}
	return nil
}

// searchTerms are what a user's search finds a receipt by: the words of its
// item names, its retailer and its receipt code.
func searchTerms(r *Receipt) []string {
	text := r.RetailerID + " " + r.Analysis.ReceiptCode + " " + r.Analysis.Vendor
	for _, it := range r.Analysis.Items {
		text += " " + it.Name
	}
	return receipts.Terms(text)
}

// tsID is a creation time and id as a sortable key part.
func tsID(t time.Time, id uint64) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, uint64(t.UnixNano()))
	binary.BigEndian.PutUint64(b[8:], id)
	return b
}

// join is parts separated by \x00 (the last part is fixed-size).
func join(parts ...[]byte) []byte {
	var k []byte
	for i, p := range parts {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, p...)
	}
	return k
}

func pairKey(value string, id uint64) []byte { return join([]byte(value), itob(id)) }

func uniq(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// newUUID is a random (version 4) UUID.
func newUUID(s *Store) (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

func retailerCountKey(retailerID string) []byte { return join(nil, []byte("R"), []byte(retailerID)) }
