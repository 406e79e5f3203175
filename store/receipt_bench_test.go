package store

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/receipts"
)

// loadReceipts writes n generated receipts, 1000 a transaction, through
// the same putReceipt (record + every index and counter) as the service.
// Users u0..u99, retailers r0..r4, items from a vocabulary of 300 names.
func loadReceipts(b *testing.B, s *Store, n int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var words []string
	for i := range 300 {
		words = append(words, fmt.Sprintf("%s %s %d", []string{"milk", "bread", "eggs", "apples", "cheese", "rice", "pasta", "tea", "coffee", "soap"}[i%10],
			[]string{"whole", "white", "free range", "gala", "cheddar", "basmati", "penne", "green", "ground", "lemon"}[i/30], i))
	}
	statuses := []receipts.Status{receipts.Completed, receipts.Completed, receipts.Completed, receipts.SetProducts, receipts.SetRetailers, receipts.Failed, receipts.Unrecognized, receipts.Hidden}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.PutRetailers([]Retailer{{ID: "r0"}, {ID: "r1"}, {ID: "r2"}, {ID: "r3"}, {ID: "r4"}}); err != nil {
		b.Fatal(err)
	}
	for done := 0; done < n; {
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i := 0; i < 1000 && done < n; i, done = i+1, done+1 {
				id, _ := tx.Bucket(bucketReceipts).NextSequence()
				st := statuses[rng.IntN(len(statuses))]
				r := Receipt{
					ID: id, UUID: fmt.Sprintf("00000000-0000-4000-8000-%012d", id), User: fmt.Sprintf("u%d", rng.IntN(100)),
					Status: st, Created: start.Add(time.Duration(id) * time.Minute), Links: []string{"x"},
				}
				if st != receipts.SetRetailers {
					r.RetailerID = fmt.Sprintf("r%d", rng.IntN(5))
				}
				r.Updated = r.Created
				r.Analysis = receipts.Analysis{OCRDone: true, OCRStatus: "success", TotalCents: int64(rng.IntN(20000)),
					ReceiptCode: fmt.Sprintf("n%d", rng.IntN(5000)), Issued: r.Created.Add(-time.Hour), OCRHash: fmt.Sprintf("%040x", id)}
				for range 3 + rng.IntN(4) {
					it := receipts.Item{Name: words[rng.IntN(len(words))], Quantity: 1}
					if rng.IntN(2) == 0 {
						it.GTIN = fmt.Sprintf("%013d", rng.IntN(1000))
					}
					r.Analysis.Items = append(r.Analysis.Items, it)
				}
				if err := insertTestReceipt(tx, &r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// samples is how many times each read runs, whatever b.N is: `make bench`
// runs every benchmark once (-benchtime 1x) and a p99 needs a hundred.
const samples = 300

// measure runs op samples times per b.N and reports the 99th percentile,
// also printed as name_p99_ms=value for `make bench`.
func measure(b *testing.B, name string, op func(i int) error) {
	b.Helper()
	durations := make([]time.Duration, 0, b.N*samples)
	b.ResetTimer()
	for i := 0; i < b.N*samples; i++ {
		t0 := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	p99 := float64(durations[(len(durations)*99)/100].Microseconds()) / 1000
	b.ReportMetric(p99, "p99-ms")
	fmt.Printf("%s_p99_ms=%.2f (100k receipts; target < 50)\n", name, p99)
}

// openLoaded is a store in a real bbolt file with n generated receipts,
// closed when the benchmark ends.
func openLoaded(b *testing.B, n int) *Store {
	b.Helper()
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	loadReceipts(b, s, n)
	return s
}

// BenchmarkSearch loads 100k receipts into a real bbolt file and measures
// the index-backed reads: a user's search, groups (counters), the first
// page of a user's list, and a retailer's staff list with and without
// filters.
func BenchmarkSearch(b *testing.B) {
	s := openLoaded(b, 100_000)
	queries := []string{"milk", "free range", "gala apples 12", "n42", "r3", "coffee lemon", "c"}
	b.Run("search", func(b *testing.B) {
		measure(b, "search", func(i int) error {
			_, _, err := s.SearchReceipts(fmt.Sprintf("u%d", i%100), Search{Query: queries[i%len(queries)], PageSize: 10})
			return err
		})
	})
	b.Run("search_status_retailer", func(b *testing.B) {
		measure(b, "search_status_retailer", func(i int) error {
			_, _, err := s.SearchReceipts(fmt.Sprintf("u%d", i%100), Search{Statuses: []receipts.Status{receipts.Completed, receipts.Failed}, Retailer: "r1", PageSize: 10, Page: 1})
			return err
		})
	})
	b.Run("groups", func(b *testing.B) {
		measure(b, "groups", func(i int) error {
			_, err := s.CountReceipts(fmt.Sprintf("u%d", i%100))
			return err
		})
	})
	b.Run("user_list", func(b *testing.B) {
		measure(b, "user_list", func(i int) error {
			_, _, err := s.UserReceipts(fmt.Sprintf("u%d", i%100), "", 20)
			return err
		})
	})
	b.Run("retailer_list", func(b *testing.B) {
		measure(b, "retailer_list", func(i int) error {
			_, _, err := s.RetailerReceipts(fmt.Sprintf("r%d", i%5), RetailerQuery{PageSize: 10, Desc: true})
			return err
		})
	})
	b.Run("retailer_list_filtered_sorted", func(b *testing.B) {
		from := int64(5000)
		measure(b, "retailer_list_filtered_sorted", func(i int) error {
			_, _, err := s.RetailerReceipts(fmt.Sprintf("r%d", i%5), RetailerQuery{
				Statuses: []receipts.Status{receipts.Completed}, TotalFrom: &from, SortBy: "total", Desc: true, PageSize: 10,
			})
			return err
		})
	})
	b.Run("retailer_list_receipt_code", func(b *testing.B) {
		measure(b, "retailer_list_receipt_code", func(i int) error {
			_, _, err := s.RetailerReceipts(fmt.Sprintf("r%d", i%5), RetailerQuery{ReceiptCode: fmt.Sprintf("n%d", i%5000), PageSize: 10})
			return err
		})
	})
}
