package store

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/receipts"
)

// ReceiptCounts are a user's receipts counted by status, by retailer
// ("" for none) and, among those needing attention, by retailer.
type ReceiptCounts struct {
	ByStatus    map[receipts.Status]int
	ByRetailer  map[string]int
	NeedByRetID map[string]int
	Total       int
}

// CountReceipts reads the user's counters: a few keys, whatever the number
// of receipts.
func (s *Store) CountReceipts(user string) (ReceiptCounts, error) {
	c := ReceiptCounts{ByStatus: map[receipts.Status]int{}, ByRetailer: map[string]int{}, NeedByRetID: map[string]int{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(user), 0)
		cur := tx.Bucket(bucketReceiptCounts).Cursor()
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
			kind, value, ok := bytes.Cut(k[len(prefix):], []byte{0})
			if !ok {
				continue
			}
			n := int(btoi(v))
			switch string(kind) {
			case "s":
				c.ByStatus[receipts.Status(value)] += n
				c.Total += n
			case "r":
				c.ByRetailer[string(value)] += n
			case "a":
				c.NeedByRetID[string(value)] += n
			}
		}
		return nil
	})
	return c, err
}

// chunkPrefix marks the cursor of GET /user/receipt, as the reference's
// "urn:authenticateit:receipts_chunk:..." does.
const chunkPrefix = "urn:tillroll:receipts_chunk:"

// UserReceipts lists the user's receipts, newest first, limit at a time.
// chunk is "" for the first page, then the next it returned; next is ""
// on the last page.
func (s *Store) UserReceipts(user, chunk string, limit int) (list []Receipt, next string, err error) {
	var after []byte
	if chunk != "" {
		raw, err := hex.DecodeString(strings.TrimPrefix(chunk, chunkPrefix))
		if err != nil || !strings.HasPrefix(chunk, chunkPrefix) || len(raw) != 16 {
			return nil, "", fmt.Errorf("%w: chunk_id", ErrInvalid)
		}
		after = raw
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(user), 0)
		cur := tx.Bucket(bucketReceiptsByUser).Cursor()
		var k []byte
		if after == nil {
			k = lastWithPrefix(cur, prefix)
		} else {
			if sk, _ := cur.Seek(append(append([]byte{}, prefix...), after...)); sk == nil {
				k, _ = cur.Last()
			} else {
				k, _ = cur.Prev()
			}
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Prev() {
			if len(list) == limit {
				next = chunkPrefix + hex.EncodeToString(list[len(list)-1].key())
				return nil
			}
			var r Receipt
			if err := getJSON(tx.Bucket(bucketReceipts), k[len(k)-8:], &r); err != nil {
				return err
			}
			list = append(list, r)
		}
		return nil
	})
	return list, next, err
}

func (r Receipt) key() []byte { return tsID(r.Created, r.ID) }

// lastWithPrefix puts the cursor on the last key with prefix.
func lastWithPrefix(cur *bolt.Cursor, prefix []byte) []byte {
	end := append(append([]byte{}, prefix[:len(prefix)-1]...), prefix[len(prefix)-1]+1)
	k, _ := cur.Seek(end)
	if k == nil {
		k, _ = cur.Last()
	} else {
		k, _ = cur.Prev()
	}
	return k
}

// Search is a user's search.
type Search struct {
	Query    string
	Statuses []receipts.Status
	Retailer string // "" or "*": every receipt, with a retailer or not
	Page     int
	PageSize int
}

// SearchReceipts finds the user's receipts through the indexes: the search
// terms' entries (words of item names, retailer and receipt code, each word
// matching as a prefix), the per-status and per-retailer entries; only the
// page's records are read. Newest first.
func (s *Store) SearchReceipts(user string, q Search) (page []Receipt, total int, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		var sets [][]idAt
		terms := receipts.Terms(q.Query)
		for _, t := range terms {
			sets = append(sets, termIDs(tx, user, t))
		}
		if len(q.Statuses) > 0 {
			var u []idAt
			for _, st := range q.Statuses {
				u = append(u, scanTS(tx.Bucket(bucketReceiptsByUserStatus), join([]byte(user), []byte(st)))...)
			}
			sets = append(sets, u)
		}
		if q.Retailer != "" && q.Retailer != "*" {
			sets = append(sets, scanTS(tx.Bucket(bucketReceiptsByUserRetail), join([]byte(user), []byte(q.Retailer))))
		}
		if len(sets) == 0 {
			sets = append(sets, scanTS(tx.Bucket(bucketReceiptsByUser), []byte(user)))
		}
		ids := intersect(sets)
		sort.Slice(ids, func(i, j int) bool { return ids[i].newer(ids[j]) })
		total = len(ids)
		from := q.Page * q.PageSize
		for i := from; i < len(ids) && i < from+q.PageSize; i++ {
			var r Receipt
			if err := getJSON(tx.Bucket(bucketReceipts), itob(ids[i].id), &r); err != nil {
				return err
			}
			page = append(page, r)
		}
		return nil
	})
	return page, total, err
}

// idAt is a receipt id with its creation time (0 when the index has none).
type idAt struct {
	ts uint64
	id uint64
}

func (a idAt) newer(b idAt) bool {
	if a.ts != b.ts {
		return a.ts > b.ts
	}
	return a.id > b.id
}

// scanTS reads the ts+id suffixes under prefix \x00.
func scanTS(b *bolt.Bucket, prefix []byte) []idAt {
	prefix = append(prefix, 0)
	var out []idAt
	cur := b.Cursor()
	for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		if len(k) != len(prefix)+16 {
			continue
		}
		out = append(out, idAt{btoi(k[len(k)-16 : len(k)-8]), btoi(k[len(k)-8:])})
	}
	return out
}

// termIDs are the receipts with a term starting with t.
func termIDs(tx *bolt.Tx, user, t string) []idAt {
	prefix := join([]byte(user), []byte(t))
	var out []idAt
	cur := tx.Bucket(bucketReceiptsByTerm).Cursor()
	for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		out = append(out, idAt{0, btoi(k[len(k)-8:])})
	}
	return out
}

// intersect keeps the ids in every set, with the best time known.
func intersect(sets [][]idAt) []idAt {
	sort.Slice(sets, func(i, j int) bool { return len(sets[i]) < len(sets[j]) })
	keep := map[uint64]uint64{}
	for _, a := range sets[0] {
		keep[a.id] = max(keep[a.id], a.ts)
	}
	for _, set := range sets[1:] {
		next := make(map[uint64]uint64, len(keep))
		for _, a := range set {
			if ts, ok := keep[a.id]; ok {
				next[a.id] = max(ts, a.ts, next[a.id])
			}
		}
		keep = next
	}
	out := make([]idAt, 0, len(keep))
	for id, ts := range keep {
		out = append(out, idAt{ts, id})
	}
	return out
}

// RetailerQuery is the staff list's filters, sort and page.
type RetailerQuery struct {
	UserID                   string
	ReceiptCode              string
	UploadedFrom, UploadedTo time.Time
	IssuedFrom, IssuedTo     time.Time
	Statuses                 []receipts.Status
	GTIN                     string
	TotalFrom, TotalTo       *int64 // cents
	SortBy                   string // issued_at, ts, receipt_code, status, total, user_id
	Desc                     bool
	Page, PageSize           int
}

type listed struct {
	at  idAt
	sum retailerSummary
}

// RetailerReceipts lists a retailer's receipts through its indexes. The
// most selective filter given (receipt code, user, GTIN, one status) picks
// the candidates from receipts_by_retailer_key; otherwise the retailer's
// range of receipts_by_retailer (narrowed by the upload window) is walked.
// Either way the filters and sorts read the entries' summaries, and only
// the page's records are read. With no filter and the default order the
// index order is the answer and no summary is decoded.
func (s *Store) RetailerReceipts(retailerID string, q RetailerQuery) (page []Receipt, total int, err error) {
	plain := q.UserID == "" && q.ReceiptCode == "" && q.IssuedFrom.IsZero() && q.IssuedTo.IsZero() &&
		len(q.Statuses) == 0 && q.GTIN == "" && q.TotalFrom == nil && q.TotalTo == nil && (q.SortBy == "" || q.SortBy == "ts")
	statuses := map[receipts.Status]bool{}
	for _, st := range q.Statuses {
		statuses[st] = true
	}
	var from, to uint64 = 0, 1<<64 - 1
	if !q.UploadedFrom.IsZero() {
		from = uint64(q.UploadedFrom.UnixNano())
	}
	if !q.UploadedTo.IsZero() {
		to = uint64(q.UploadedTo.UnixNano())
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		ret := []byte(retailerID)
		main := tx.Bucket(bucketReceiptsByRetailer)
		var rows []listed
		visit := func(at idAt, v []byte) error {
			if at.ts < from || at.ts > to {
				return nil
			}
			row := listed{at: at}
			if !plain {
				sum, err := decodeSummary(v, q.GTIN != "")
				if err != nil {
					return err
				}
				if !q.matches(sum, statuses) {
					return nil
				}
				row.sum = sum
			}
			rows = append(rows, row)
			return nil
		}
		if plain && from == 0 && to == 1<<64-1 {
			return s.plainPage(tx, ret, q, &page, &total)
		}
		if kind, value := q.selective(); kind != "" {
			prefix := append(join(ret, []byte(kind), []byte(value)), 0)
			cur := tx.Bucket(bucketReceiptsByRetailKey).Cursor()
			for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
				suffix := k[len(k)-16:]
				if err := visit(idAt{btoi(suffix[:8]), btoi(suffix[8:])}, main.Get(join(ret, suffix))); err != nil {
					return err
				}
			}
		} else {
			prefix := append(append([]byte{}, ret...), 0)
			cur := main.Cursor()
			for k, v := cur.Seek(append(append([]byte{}, prefix...), itob(from)...)); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
				at := idAt{btoi(k[len(k)-16 : len(k)-8]), btoi(k[len(k)-8:])}
				if at.ts > to {
					break
				}
				if err := visit(at, v); err != nil {
					return err
				}
			}
		}
		total = len(rows)
		if plain {
			if q.Desc {
				for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
					rows[i], rows[j] = rows[j], rows[i]
				}
			}
		} else {
			q.sort(rows)
		}
		start := q.Page * q.PageSize
		for i := start; i < len(rows) && i < start+q.PageSize; i++ {
			var r Receipt
			if err := getJSON(tx.Bucket(bucketReceipts), itob(rows[i].at.id), &r); err != nil {
				return err
			}
			page = append(page, r)
		}
		return nil
	})
	return page, total, err
}

// plainPage is the unfiltered list in upload order: the total is the
// retailer's counter and the page is found by walking from the right end.
func (s *Store) plainPage(tx *bolt.Tx, ret []byte, q RetailerQuery, page *[]Receipt, total *int) error {
	if v := tx.Bucket(bucketReceiptCounts).Get(retailerCountKey(string(ret))); v != nil {
		*total = int(btoi(v))
	}
	prefix := append(append([]byte{}, ret...), 0)
	cur := tx.Bucket(bucketReceiptsByRetailer).Cursor()
	var k []byte
	step := cur.Next
	if q.Desc {
		k, step = lastWithPrefix(cur, prefix), func() ([]byte, []byte) { return cur.Prev() }
	} else {
		k, _ = cur.Seek(prefix)
	}
	for skip := q.Page * q.PageSize; k != nil && bytes.HasPrefix(k, prefix) && len(*page) < q.PageSize; k, _ = step() {
		if skip > 0 {
			skip--
			continue
		}
		var r Receipt
		if err := getJSON(tx.Bucket(bucketReceipts), k[len(k)-8:], &r); err != nil {
			return err
		}
		*page = append(*page, r)
	}
	return nil
}

// selective is the key index to start from: the most selective filter.
func (q RetailerQuery) selective() (kind, value string) {
	switch {
	case q.ReceiptCode != "":
		return "c", q.ReceiptCode
	case q.UserID != "":
		return "u", q.UserID
	case q.GTIN != "":
		return "g", q.GTIN
	case len(q.Statuses) == 1:
		return "s", string(q.Statuses[0])
	}
	return "", ""
}

func (q RetailerQuery) matches(s retailerSummary, statuses map[receipts.Status]bool) bool {
	switch {
	case q.UserID != "" && s.User != q.UserID,
		q.ReceiptCode != "" && s.Code != q.ReceiptCode,
		len(statuses) > 0 && !statuses[s.Status],
		!q.IssuedFrom.IsZero() && (s.Issued == 0 || s.Issued < q.IssuedFrom.Unix()),
		!q.IssuedTo.IsZero() && (s.Issued == 0 || s.Issued > q.IssuedTo.Unix()),
		q.TotalFrom != nil && s.Total < *q.TotalFrom,
		q.TotalTo != nil && s.Total > *q.TotalTo:
		return false
	}
	if q.GTIN != "" {
		for _, g := range s.GTINs {
			if g == q.GTIN {
				return true
			}
		}
		return false
	}
	return true
}

func (q RetailerQuery) sort(rows []listed) {
	less := func(a, b listed) int {
		switch q.SortBy {
		case "issued_at":
			return cmp3(a.sum.Issued, b.sum.Issued)
		case "receipt_code":
			return strings.Compare(a.sum.Code, b.sum.Code)
		case "status":
			return strings.Compare(string(a.sum.Status), string(b.sum.Status))
		case "total":
			return cmp3(a.sum.Total, b.sum.Total)
		case "user_id":
			return strings.Compare(a.sum.User, b.sum.User)
		}
		return 0
	}
	sort.SliceStable(rows, func(i, j int) bool {
		c := less(rows[i], rows[j])
		if c == 0 { // then by upload time and id, the index's own order
			c = cmp3(int64(rows[i].at.ts), int64(rows[j].at.ts))
		}
		if c == 0 {
			c = cmp3(int64(rows[i].at.id), int64(rows[j].at.id))
		}
		if q.Desc {
			return c > 0
		}
		return c < 0
	})
}

func cmp3(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
