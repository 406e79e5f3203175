package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/capture"
	"tillroll/receipts"
)

// ErrNotReady is AnalyzeReceipt's answer for a receipt whose images are
// still being read.
var ErrNotReady = errors.New("receipt images are still being read")

// ReceiptsToAnalyze lists the receipts the analyzer has work for: those in
// OCR (whose images may have been read) and those a user has corrected.
func (s *Store) ReceiptsToAnalyze() ([]uint64, error) {
	var ids []uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketReceiptsByStatus).Cursor()
		for _, st := range []receipts.Status{receipts.OCR, receipts.SetRetailersPending, receipts.SetProductsPending} {
			prefix := append([]byte(st), 0)
			for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
				ids = append(ids, btoi(k[len(prefix):]))
			}
		}
		return nil
	})
	return ids, err
}

// AnalyzeReceipt moves a receipt on from OCR or a *_PENDING status: it
// reads its documents' results (on the first analysis), recognises the
// retailer, matches the items to products, flags duplicates, values the
// receipt in coins and, when it completes, credits them within the user's
// daily cap; all in one transaction. The work is string matching over one
// receipt and the catalogue's name indexes: no I/O besides bbolt.
// ErrNotReady means some image is still being read; ErrTransition that
// there is nothing to do in its status.
func (s *Store) AnalyzeReceipt(id uint64) (Receipt, error) {
	// A look first, so a sweep over a long OCR backlog takes no write lock.
	if err := s.db.View(func(tx *bolt.Tx) error { return readyTx(tx, id) }); err != nil {
		return Receipt{}, err
	}
	now := s.now().UTC()
	var r Receipt
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := getJSON(tx.Bucket(bucketReceipts), itob(id), &r); err != nil {
			return fmt.Errorf("receipt %d: %w", id, err)
		}
		old := r
		a := r.Analysis
		switch r.Status {
		case receipts.OCR:
			var results []capture.Result
			hash := ""
			for _, did := range r.DocIDs {
				var d Document
				if err := getJSON(tx.Bucket(bucketDocuments), itob(did), &d); err != nil {
					return fmt.Errorf("document %d of receipt %d: %w", did, id, err)
				}
				if d.Status != capture.StatusCompleted && d.Status != capture.StatusFailed {
					return ErrNotReady
				}
				if hash == "" {
					hash = d.TextHash
				}
				results = append(results, d.Data())
			}
			a = receipts.Read(results, hash)
			r.Duplicate = s.isDuplicate(tx, &r, a.OCRHash)
		case receipts.SetRetailersPending, receipts.SetProductsPending:
		default:
			return fmt.Errorf("receipt %d is %s: %w", id, r.Status, receipts.ErrTransition)
		}
		cat := txCatalogue{tx}
		if r.RetailerID == "" && a.OCRStatus == "success" {
			r.RetailerID = receipts.Recognize(a, cat)
		}
		receipts.Match(a.Items, cat)
		to := receipts.Decide(a, r.RetailerID)
		if err := receipts.Check(r.Status, to, receipts.BySystem); err != nil {
			return err
		}
		r.Analysis, r.Status, r.Updated = a, to, now
		var rates receipts.Rates
		if err := ratesTx(tx, &rates); err != nil {
			return err
		}
		r.PartnerCoins, r.NonPartnerCoins = receipts.Worth(a.Items, rates)
		if to == receipts.Completed && !r.Duplicate {
			if err := s.credit(tx, &r, rates); err != nil {
				return err
			}
		}
		return putReceipt(tx, &old, &r)
	})
	if err != nil {
		return Receipt{}, err
	}
	return r, nil
}

// isDuplicate reports whether another receipt (of anyone) with the same
// recognised text or the same image was analyzed before this one (or was
// deleted after it was). Receipts are analyzed one at a time, so of two
// copies exactly the second analyzed is the duplicate, in whatever order
// OCR finishes them.
func (s *Store) isDuplicate(tx *bolt.Tx, r *Receipt, hash string) bool {
	other := func(b []byte, value string, analyzed func(id uint64) bool) bool {
		prefix := append([]byte(value), 0)
		c := tx.Bucket(b).Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			if id := btoi(k[len(prefix):]); id != r.ID && analyzed(id) {
				return true
			}
		}
		return false
	}
	// The text index only holds analyzed receipts.
	if hash != "" && other(bucketReceiptsByOCRHash, hash, func(uint64) bool { return true }) {
		return true
	}
	// The image index holds receipts from their creation: look at the other.
	analyzed := func(id uint64) bool {
		var o Receipt
		if err := getJSON(tx.Bucket(bucketReceipts), itob(id), &o); err != nil {
			return true // deleted: it was seen
		}
		return o.Analysis.OCRDone
	}
	for _, sha := range r.ImageSHA {
		if other(bucketReceiptsByImage, sha, analyzed) {
			return true
		}
	}
	return false
}

// credit adds the receipt's coins to the user's day (in the retailer's
// time zone), capped by the daily limit.
func (s *Store) credit(tx *bolt.Tx, r *Receipt, rates receipts.Rates) error {
	loc, err := s.retailerLocation(tx, r.RetailerID)
	if err != nil {
		return err
	}
	now := s.now()
	_, _, day := receipts.Day(now, loc)
	key := join([]byte(r.User), []byte(day))
	b := tx.Bucket(bucketCoinsDaily)
	sum := receipts.Units(0)
	if v := b.Get(key); v != nil {
		if sum, err = receipts.ParseUnits(string(v)); err != nil {
			return fmt.Errorf("daily coins: %w", err)
		}
	}
	r.PartnerEarned, r.NonPartnerEarned = receipts.Earn(r.PartnerCoins, r.NonPartnerCoins, rates.DailyLimit, sum)
	r.EarnedAt = now.UTC()
	sum = sum.Add(r.PartnerEarned).Add(r.NonPartnerEarned)
	if err := b.Put(key, []byte(sum.String())); err != nil {
		return fmt.Errorf("daily coins: %w", err)
	}
	return nil
}

func (s *Store) retailerLocation(tx *bolt.Tx, id string) (*time.Location, error) {
	var ret Retailer
	if err := getJSON(tx.Bucket(bucketRetailers), []byte(id), &ret); err != nil {
		return time.UTC, nil //nolint:nilerr // a retailer removed since: UTC
	}
	return receipts.Location(ret.TimeZone)
}

// CoinLimits are the day's cap as the reference shows it.
type CoinLimits struct {
	From, To   time.Time
	Limit, Sum receipts.Coins
}

// Limits is the user's coin day holding t, in the retailer's time zone.
func (s *Store) Limits(user, retailerID string, t time.Time) (CoinLimits, error) {
	var l CoinLimits
	err := s.db.View(func(tx *bolt.Tx) error {
		loc, err := s.retailerLocation(tx, retailerID)
		if err != nil {
			return err
		}
		var day string
		l.From, l.To, day = receipts.Day(t, loc)
		var rates receipts.Rates
		if err := ratesTx(tx, &rates); err != nil {
			return err
		}
		l.Limit, l.Sum = rates.DailyLimit, receipts.Units(0)
		if v := tx.Bucket(bucketCoinsDaily).Get(join([]byte(user), []byte(day))); v != nil {
			if l.Sum, err = receipts.ParseUnits(string(v)); err != nil {
				return fmt.Errorf("daily coins: %w", err)
			}
		}
		return nil
	})
	return l, err
}

// userReceipt runs fn on the user's receipt in a write transaction and
// stores the result with its indexes. Another user's receipt is
// ErrNotFound.
func (s *Store) userReceipt(uuid string, owner func(*Receipt) bool, fn func(tx *bolt.Tx, r *Receipt) error) (Receipt, error) {
	var r Receipt
	err := s.db.Update(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketReceiptsByUUID).Get([]byte(uuid))
		if id == nil {
			return fmt.Errorf("receipt %q: %w", uuid, ErrNotFound)
		}
		if err := getJSON(tx.Bucket(bucketReceipts), id, &r); err != nil {
			return err
		}
		if !owner(&r) {
			return fmt.Errorf("receipt %q: %w", uuid, ErrNotFound)
		}
		old := r
		if err := fn(tx, &r); err != nil {
			return err
		}
		r.Updated = s.now().UTC()
		return putReceipt(tx, &old, &r)
	})
	if err != nil {
		return Receipt{}, err
	}
	return r, nil
}

// SetReceiptRetailer is the user's answer to SET_RETAILERS: the receipt
// moves to SET_RETAILERS_PENDING for re-analysis, and the retailer learns
// the receipt's vendor line, so its next receipts are recognised.
func (s *Store) SetReceiptRetailer(user, uuid, retailerID string) (Receipt, error) {
	return s.userReceipt(uuid, func(r *Receipt) bool { return r.User == user }, func(tx *bolt.Tx, r *Receipt) error {
		if err := receipts.Check(r.Status, receipts.SetRetailersPending, receipts.ByUser); err != nil {
			return err
		}
		var ret Retailer
		if err := getJSON(tx.Bucket(bucketRetailers), []byte(retailerID), &ret); err != nil {
			return fmt.Errorf("%w: retailer %q does not exist", ErrInvalid, retailerID)
		}
		if phrase := receipts.Normalize(r.Analysis.Vendor); phrase != "" && tx.Bucket(bucketRetailerWords).Get([]byte(phrase)) == nil {
			ret.Learned = append(ret.Learned, r.Analysis.Vendor)
			if err := putJSON(tx.Bucket(bucketRetailers), []byte(ret.ID), ret); err != nil {
				return err
			}
			if err := setPhrases(tx, []string{phrase}, ret.ID); err != nil {
				return err
			}
		}
		r.RetailerID, r.RetailerByUser, r.Status = ret.ID, true, receipts.SetRetailersPending
		return nil
	})
}

// ProductMapping is the user's answer for one item: the product it is, or
// none (Skip) when it is no catalogue product. Line picks the item by its
// line number, else Name by its printed name.
type ProductMapping struct {
	Line int    `json:"line,omitempty"`
	Name string `json:"name,omitempty"`
	GTIN string `json:"gtin,omitempty"`
	Skip bool   `json:"skip,omitempty"`
}

// SetReceiptProducts is the user's answer to SET_PRODUCTS: the items are
// mapped, the receipt moves to SET_PRODUCTS_PENDING for re-analysis, and
// each product learns the printed name, so the next receipt with it is
// matched without help.
func (s *Store) SetReceiptProducts(user, uuid string, maps []ProductMapping) (Receipt, error) {
	return s.userReceipt(uuid, func(r *Receipt) bool { return r.User == user }, func(tx *bolt.Tx, r *Receipt) error {
		if err := receipts.Check(r.Status, receipts.SetProductsPending, receipts.ByUser); err != nil {
			return err
		}
		items := r.Analysis.Items
		for _, m := range maps {
			i := -1
			for j, it := range items {
				if (m.Line != 0 && it.Line == m.Line) || (m.Line == 0 && m.Name != "" && receipts.Normalize(it.Name) == receipts.Normalize(m.Name)) {
					i = j
					break
				}
			}
			if i < 0 {
				return fmt.Errorf("%w: no item %q (line %d) on this receipt", ErrInvalid, m.Name, m.Line)
			}
			if m.Skip || m.GTIN == "" {
				items[i].Skipped, items[i].GTIN, items[i].Partner = true, "", false
				if name := receipts.Normalize(items[i].Name); name != "" && tx.Bucket(bucketProductNames).Get([]byte(name)) == nil {
					if err := tx.Bucket(bucketProductNames).Put([]byte(name), []byte(notAProduct)); err != nil {
						return fmt.Errorf("product name: %w", err)
					}
				}
				continue
			}
			var p Product
			if err := getJSON(tx.Bucket(bucketProducts), []byte(m.GTIN), &p); err != nil {
				return fmt.Errorf("%w: product %q does not exist", ErrInvalid, m.GTIN)
			}
			items[i].GTIN, items[i].Partner, items[i].Skipped = p.GTIN, p.Partner, false
			if name := receipts.Normalize(items[i].Name); name != "" && tx.Bucket(bucketProductNames).Get([]byte(name)) == nil {
				p.Learned = append(p.Learned, items[i].Name)
				if err := putJSON(tx.Bucket(bucketProducts), []byte(p.GTIN), p); err != nil {
					return err
				}
				if err := tx.Bucket(bucketProductNames).Put([]byte(name), []byte(p.GTIN)); err != nil {
					return fmt.Errorf("product name: %w", err)
				}
			}
		}
		r.Status = receipts.SetProductsPending
		return nil
	})
}

// HideReceipt is staff hiding one of their retailer's receipts.
func (s *Store) HideReceipt(retailerID, uuid string) (Receipt, error) {
	return s.userReceipt(uuid, func(r *Receipt) bool { return r.RetailerID == retailerID }, func(_ *bolt.Tx, r *Receipt) error {
		if err := receipts.Check(r.Status, receipts.Hidden, receipts.ByStaff); err != nil {
			return err
		}
		r.Status = receipts.Hidden
		return nil
	})
}

func hasPrefix(k, prefix []byte) bool {
	return len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix)
}

// readyTx is ErrNotReady while an image of a receipt in OCR is unread.
func readyTx(tx *bolt.Tx, id uint64) error {
	var r Receipt
	if err := getJSON(tx.Bucket(bucketReceipts), itob(id), &r); err != nil {
		return fmt.Errorf("receipt %d: %w", id, err)
	}
	if r.Status != receipts.OCR {
		return nil
	}
	for _, did := range r.DocIDs {
		var d struct {
			Status string `json:"status"`
		}
		if err := getJSON(tx.Bucket(bucketDocuments), itob(did), &d); err != nil {
			return fmt.Errorf("document %d of receipt %d: %w", did, id, err)
		}
		if d.Status != capture.StatusCompleted && d.Status != capture.StatusFailed {
			return ErrNotReady
		}
	}
	return nil
}
