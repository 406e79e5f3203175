package store

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"tillroll/receipts"
)

// SetReceiptTotal is the user's correction of the total OCR read (or did
// not read): "12.10", "12,10" or "12". It is allowed once the receipt has
// been read and until it is hidden; the status does not move, and a later
// re-analysis keeps the corrected total.
func (s *Store) SetReceiptTotal(user, uuid, total string) (Receipt, error) {
	v := strings.ReplaceAll(strings.TrimSpace(total), ",", ".")
	c, err := receipts.ParseMoney(v)
	if err != nil || c < 0 || c > 1e11 || len(v) > 16 {
		return Receipt{}, fmt.Errorf("%w: the total must be an amount such as 12.10", ErrInvalid)
	}
	return s.userReceipt(uuid, func(r *Receipt) bool { return r.User == user }, func(_ *bolt.Tx, r *Receipt) error {
		switch r.Status {
		case receipts.Initial, receipts.OCR, receipts.Hidden:
			return fmt.Errorf("%w: the total can be corrected once the receipt has been read, not in %s", receipts.ErrTransition, r.Status)
		}
		r.Analysis.TotalCents = c
		r.Analysis.Total = fmt.Sprintf("%d.%02d", c/100, c%100)
		r.TotalByUser = true
		return nil
	})
}
