package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"tillroll/capture"
)

// ReceiptWalk picks the receipts EachReceipt visits.
type ReceiptWalk struct {
	User       string // "" for every user's
	RetailerID string // "" for any retailer, or none
}

// WalkedReceipt is a receipt as EachReceipt gives it, with what its
// images' records add.
type WalkedReceipt struct {
	Receipt
	// Currency is the ISO 4217 code OCR read on its first image that had
	// one; "" when none did.
	Currency string
	// TaxLines are the tax breakdown of its first image that has one (an
	// e-invoice's VAT categories), and EInvoiceProfile that document's
	// e-invoice profile ("" for anything but an e-invoice).
	TaxLines        []capture.TaxLine
	EInvoiceProfile string
}

// walkBatch is how many receipts one read transaction of EachReceipt
// reads.
const walkBatch = 256

// EachReceipt calls fn with each receipt of the walk, oldest upload first,
// through the narrowest index (receipts_by_user, _by_user_retailer,
// _by_retailer, or the records themselves). It reads walkBatch receipts in
// one short read transaction, then calls fn for them with no transaction
// open, then goes on after the last key it read.
//
// Not one transaction for the whole walk, because fn may be slow (it
// writes an export to a client over the network): bbolt's writer must
// wait for every open read transaction before it can grow the file's
// memory map, so one long reader can stall every upload. Batches cost
// nothing in correctness that an export needs: index keys never change
// (upload time and id), so each receipt that exists throughout the walk is
// visited exactly once, in order; one deleted meanwhile may be missed, one
// changed meanwhile is seen as it is when its batch is read. An error from
// fn stops the walk and is returned.
func (s *Store) EachReceipt(q ReceiptWalk, fn func(WalkedReceipt) error) error {
	bucket, prefix := bucketReceipts, []byte(nil)
	switch {
	case q.User != "" && q.RetailerID != "":
		bucket, prefix = bucketReceiptsByUserRetail, append(join([]byte(q.User), []byte(q.RetailerID)), 0)
	case q.User != "":
		bucket, prefix = bucketReceiptsByUser, append([]byte(q.User), 0)
	case q.RetailerID != "":
		bucket, prefix = bucketReceiptsByRetailer, append([]byte(q.RetailerID), 0)
	}
	var after []byte
	for {
		batch := make([]WalkedReceipt, 0, walkBatch)
		err := s.db.View(func(tx *bolt.Tx) error {
			cur := tx.Bucket(bucket).Cursor()
			var k []byte
			switch {
			case after != nil:
				if k, _ = cur.Seek(after); k != nil && bytes.Equal(k, after) {
					k, _ = cur.Next()
				}
			case prefix == nil:
				k, _ = cur.First()
			default:
				k, _ = cur.Seek(prefix)
			}
			for ; k != nil && bytes.HasPrefix(k, prefix) && len(batch) < walkBatch; k, _ = cur.Next() {
				if len(k) < len(prefix)+8 {
					continue
				}
				var w WalkedReceipt
				if err := getJSON(tx.Bucket(bucketReceipts), k[len(k)-8:], &w.Receipt); err != nil {
					return fmt.Errorf("receipt %d: %w", btoi(k[len(k)-8:]), err)
				}
				if err := docInfoTx(tx, &w); err != nil {
					return err
				}
				batch = append(batch, w)
				after = append(after[:0], k...) // k is the file's memory: copy it
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, w := range batch {
			if err := fn(w); err != nil {
				return err
			}
		}
		if len(batch) < walkBatch {
			return nil
		}
	}
}

// docInfoTx fills in what an export needs of the receipt's documents:
// the first currency OCR read, and the first tax breakdown; only those
// fields of each record are decoded.
func docInfoTx(tx *bolt.Tx, w *WalkedReceipt) error {
	for _, id := range w.DocIDs {
		v := tx.Bucket(bucketDocuments).Get(itob(id))
		if v == nil {
			continue
		}
		var d struct {
			Result *struct {
				Currency string            `json:"Currency_Code"`
				TaxLines []capture.TaxLine `json:"Tax_Lines"`
				EInvoice *struct {
					Profile string `json:"Profile"`
					Syntax  string `json:"Syntax"`
				} `json:"E_Invoice"`
			} `json:"result"`
		}
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("document %d: decode record: %w", id, err)
		}
		if d.Result == nil {
			continue
		}
		if w.Currency == "" {
			w.Currency = d.Result.Currency
		}
		if w.TaxLines == nil && len(d.Result.TaxLines) > 0 {
			w.TaxLines = d.Result.TaxLines
		}
		if e := d.Result.EInvoice; e != nil && w.EInvoiceProfile == "" {
			w.EInvoiceProfile = strings.TrimSpace(e.Syntax + " " + e.Profile)
		}
	}
	return nil
}
