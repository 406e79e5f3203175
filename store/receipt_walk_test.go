package store

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/capture"
	"tillroll/receipts"
)

// putTestReceipts writes n receipts through putReceipt (record, indexes,
// counters), as loadReceipts does for the benchmark: users u0..u2,
// retailers r0, r1 and none, upload times out of id order. Every fifth
// receipt has a document whose OCR read a currency.
func putTestReceipts(t *testing.T, s *Store, n int) {
	t.Helper()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i := range n {
			id, err := tx.Bucket(bucketReceipts).NextSequence()
			if err != nil {
				return err
			}
			r := Receipt{
				ID: id, UUID: fmt.Sprintf("00000000-0000-4000-8000-%012d", id), User: fmt.Sprintf("u%d", i%3),
				RetailerID: []string{"r0", "r1", ""}[i%7%3], Status: receipts.Completed,
				// Upload times go back and forth, so index order is not id order.
				Created: start.Add(time.Duration((i*7919)%n) * time.Minute),
			}
			if i%5 == 0 {
				d := Document{Account: ReceiptsAccount, Status: capture.StatusCompleted, Result: &capture.Result{Currency_Code: "EUR"}}
				if d.ID, err = tx.Bucket(bucketDocuments).NextSequence(); err != nil {
					return err
				}
				if err := putJSON(tx.Bucket(bucketDocuments), itob(d.ID), d); err != nil {
					return err
				}
				r.DocIDs = []uint64{d.ID}
			}
			if err := insertTestReceipt(tx, &r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// insertTestReceipt stores a made-up receipt with its indexes, as
// CreateReceipt would once its OCR is done.
func insertTestReceipt(tx *bolt.Tx, r *Receipt) error {
	if err := tx.Bucket(bucketReceiptsByUUID).Put([]byte(r.UUID), itob(r.ID)); err != nil {
		return err
	}
	return putReceipt(tx, nil, r)
}

func TestEachReceipt(t *testing.T) {
	s, _ := openClock(t)
	const n = 3*walkBatch + 17
	putTestReceipts(t, s, n)
	var all []Receipt
	_ = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketReceipts).ForEach(func(_, v []byte) error {
			var r Receipt
			if err := jsonUnmarshal(v, &r); err != nil {
				t.Fatal(err)
			}
			all = append(all, r)
			return nil
		})
	})
	if len(all) != n {
		t.Fatalf("%d records", len(all))
	}
	for _, q := range []ReceiptWalk{{}, {User: "u1"}, {RetailerID: "r0"}, {User: "u2", RetailerID: "r1"}, {User: "nobody"}, {RetailerID: "gone"}} {
		t.Run(fmt.Sprintf("%+v", q), func(t *testing.T) {
			var want []uint64
			for _, r := range all {
				if (q.User == "" || r.User == q.User) && (q.RetailerID == "" || r.RetailerID == q.RetailerID) {
					want = append(want, r.ID)
				}
			}
			byID := map[uint64]Receipt{}
			for _, r := range all {
				byID[r.ID] = r
			}
			if q == (ReceiptWalk{}) {
				slices.Sort(want) // the records' own order
			} else {
				sort.Slice(want, func(i, j int) bool {
					a, b := byID[want[i]], byID[want[j]]
					return a.Created.Before(b.Created) || a.Created.Equal(b.Created) && a.ID < b.ID
				})
			}
			var got []uint64
			err := s.EachReceipt(q, func(w WalkedReceipt) error {
				if open := s.db.Stats().OpenTxN; open != 0 {
					t.Fatalf("%d read transactions open while fn runs", open)
				}
				if wantCur := map[bool]string{true: "EUR"}[len(w.DocIDs) > 0]; w.Currency != wantCur {
					t.Fatalf("receipt %d: currency %q, want %q", w.ID, w.Currency, wantCur)
				}
				got = append(got, w.ID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("visited %d receipts, want %d in upload order (first %v, want %v)", len(got), len(want), got[:min(5, len(got))], want[:min(5, len(want))])
			}
		})
	}

	// Writes go on while the walk's callback runs: a new receipt uploaded
	// later than all is visited at the end, a deleted one is not visited,
	// and none is visited twice.
	var late Receipt
	var got []uint64
	deleted := uint64(0)
	err := s.EachReceipt(ReceiptWalk{User: "u0"}, func(w WalkedReceipt) error {
		got = append(got, w.ID)
		if len(got) != 1 {
			return nil
		}
		return s.db.Update(func(tx *bolt.Tx) error {
			id, _ := tx.Bucket(bucketReceipts).NextSequence()
			late = Receipt{ID: id, UUID: "late", User: "u0", Status: receipts.Initial, Created: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			if err := putReceipt(tx, nil, &late); err != nil {
				return err
			}
			// The last of u0's receipts in upload order goes.
			cur := tx.Bucket(bucketReceiptsByUser).Cursor()
			lastWithPrefix(cur, []byte("u0\x00"))
			k, _ := cur.Prev() // the one before the late one
			var r Receipt
			if err := getJSON(tx.Bucket(bucketReceipts), k[len(k)-8:], &r); err != nil {
				return err
			}
			deleted = r.ID
			if err := indexReceipt(tx, &r, false); err != nil {
				return err
			}
			return tx.Bucket(bucketReceipts).Delete(itob(r.ID))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(got, deleted) || got[len(got)-1] != late.ID {
		t.Fatalf("after writes in the walk: deleted %d visited %v, last %d want %d", deleted, slices.Contains(got, deleted), got[len(got)-1], late.ID)
	}
	seen := map[uint64]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("receipt %d visited twice", id)
		}
		seen[id] = true
	}

	// An error from fn ends the walk and comes back.
	stop := errors.New("client went away")
	calls := 0
	if err := s.EachReceipt(ReceiptWalk{}, func(WalkedReceipt) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("error from fn: %v after %d calls", err, calls)
	}
}

// BenchmarkEachReceipt walks 100k receipts, as an export of every user's
// receipts does.
func BenchmarkEachReceipt(b *testing.B) {
	s := openLoaded(b, 100_000)
	b.ResetTimer()
	for range b.N {
		n := 0
		if err := s.EachReceipt(ReceiptWalk{}, func(WalkedReceipt) error { n++; return nil }); err != nil || n != 100_000 {
			b.Fatal(n, err)
		}
	}
}
