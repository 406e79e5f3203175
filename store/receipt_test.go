package store

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/capture"
	"tillroll/receipts"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func openClock(t *testing.T) (*Store, *testClock) {
	t.Helper()
	clk := &testClock{t: time.Date(2024, 3, 15, 3, 0, 0, 0, time.UTC)}
	s, err := Open(t.TempDir(), Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, clk
}

func TestUsersAndTickets(t *testing.T) {
	s, clk := openClock(t)
	if err := s.PutRetailers([]Retailer{{ID: "coles", Name: "Coles"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in  NewUser
		err error
	}{
		{NewUser{Name: "alice", Password: "long enough"}, nil},
		{NewUser{Name: "alice", Password: "long enough"}, ErrExists},
		{NewUser{Name: "Bad Name", Password: "long enough"}, ErrInvalid},
		{NewUser{Name: "bob", Password: "short"}, ErrInvalid},
		{NewUser{Name: "bob", Password: "long enough", Role: "root"}, ErrInvalid},
		{NewUser{Name: "bob", Password: "long enough", Role: RoleStaff}, ErrInvalid},
		{NewUser{Name: "bob", Password: "long enough", Role: RoleStaff, RetailerID: "aldi"}, ErrInvalid},
		{NewUser{Name: "bob", Password: "long enough", RetailerID: "coles"}, ErrInvalid},
		{NewUser{Name: "bob", Password: "long enough", Role: RoleStaff, RetailerID: "coles"}, nil},
	} {
		if _, err := s.CreateUser(tc.in); !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("%+v: %v, want %v", tc.in, err, tc.err)
		}
	}
	u, err := s.User("alice")
	if err != nil || u.Role != RoleUser || bytes.Contains(u.PasswordHash, []byte("long enough")) || len(u.Salt) != 16 {
		t.Fatalf("stored user %+v %v", u, err)
	}
	if _, _, err := s.Login("alice", "wrong password", time.Hour); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong password: %v", err)
	}
	if _, _, err := s.Login("nobody", "long enough", time.Hour); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("unknown user: %v", err)
	}
	ticket, exp, err := s.Login("alice", "long enough", time.Hour)
	if err != nil || !exp.Equal(clk.now().Add(time.Hour)) {
		t.Fatal(err, exp)
	}
	// Only the ticket's hash is stored.
	_ = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTickets).ForEach(func(k, v []byte) error {
			if bytes.Contains(k, []byte(ticket)) || bytes.Contains(v, []byte(ticket)) {
				t.Errorf("ticket stored in clear")
			}
			return nil
		})
	})
	if got, err := s.UserByTicket(ticket); err != nil || got.Name != "alice" {
		t.Fatalf("ticket: %v %v", got, err)
	}
	clk.add(59 * time.Minute)
	if _, err := s.UserByTicket(ticket); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	clk.add(time.Minute)
	if _, err := s.UserByTicket(ticket); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("at expiry: %v", err)
	}
	t2, _, _ := s.Login("alice", "long enough", time.Hour)
	if err := s.Logout(t2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByTicket(t2); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("after logout: %v", err)
	}
	// The logout swept the expired ticket too.
	_ = s.db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bucketTickets).Stats().KeyN; n != 0 {
			t.Errorf("%d tickets left", n)
		}
		return nil
	})
}

// readReceipt OCRs a receipt's documents "by hand": the result is given.
func readReceipt(t *testing.T, s *Store, r Receipt, res capture.Result, textHash string) Receipt {
	t.Helper()
	for range r.DocIDs {
		d, _, ok, err := s.ClaimOCRJob()
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if _, err := s.CompleteOCRJob(d.ID, res, textHash, nil); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.AnalyzeReceipt(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func newImage(t *testing.T, s *Store, user, content string) string {
	t.Helper()
	f, err := s.SaveFile(strings.NewReader(content), 1<<20, "png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := s.SaveReceiptImage(user, f, "png")
	if err != nil {
		t.Fatal(err)
	}
	return img.Token
}

func TestReceiptLifecycleKeepsIndexes(t *testing.T) {
	s, clk := openClock(t)
	if err := s.PutRetailers([]Retailer{{ID: "corner", Name: "Corner", Words: []string{"corner grocer"}, TimeZone: "Europe/London"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutProducts([]Product{{GTIN: "9311995843710", Name: "Milk", Partner: true, Names: []string{"WHOLE MILK 2L"}}}); err != nil {
		t.Fatal(err)
	}
	one, _ := receipts.ParseCoins("1")
	if err := s.SetRates(receipts.Rates{Partner: one, NonPartner: one, DailyLimit: one.Mul(3)}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if _, err := s.CreateUser(NewUser{Name: u, Password: "password!"}); err != nil {
			t.Fatal(err)
		}
	}
	res := func(vendor, item string) capture.Result {
		return capture.Result{Status: capture.StatusCompleted, Vendor_Name: vendor, Total: 3, Raw_Text: vendor + "\n" + item + " 3.00\nTOTAL 3.00",
			Line_Items: []capture.LineItem{{Description: item, QTY: 1, Amount: 3}}}
	}
	var ids []Receipt
	for i, tc := range []struct {
		user, vendor, item string
		want               receipts.Status
	}{
		{"alice", "CORNER GROCER", "WHOLE MILK 2L", receipts.Completed},
		{"alice", "UNKNOWN SHOP", "WHOLE MILK 2L", receipts.SetRetailers},
		{"alice", "CORNER GROCER", "MYSTERY ITEM", receipts.SetProducts},
		{"bob", "CORNER GROCER", "WHOLE MILK 2L", receipts.Completed},
	} {
		r, err := s.CreateReceipt(NewReceipt{User: tc.user, Links: []string{"x"}, Images: []string{newImage(t, s, tc.user, fmt.Sprint("img", i))}})
		if err != nil || r.Status != receipts.OCR {
			t.Fatalf("create: %v %v", r.Status, err)
		}
		if _, err := s.AnalyzeReceipt(r.ID); !errors.Is(err, ErrNotReady) {
			t.Fatalf("before OCR: %v", err)
		}
		r = readReceipt(t, s, r, res(tc.vendor, tc.item), fmt.Sprint("hash", i))
		if r.Status != tc.want {
			t.Fatalf("receipt %d: %s, want %s", i, r.Status, tc.want)
		}
		ids = append(ids, r)
		clk.add(time.Minute)
	}
	if _, err := s.CreateReceipt(NewReceipt{User: "bob", Links: []string{"x"}, Images: []string{newImage(t, s, "alice", "z")}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("someone else's image: %v", err)
	}
	if ids[0].PartnerEarned.Decimal() != "1" {
		t.Errorf("earned %s", ids[0].PartnerEarned.Decimal())
	}
	c, err := s.CountReceipts("alice")
	if err != nil || c.Total != 3 || c.ByRetailer["corner"] != 2 || c.ByRetailer[""] != 1 || c.NeedByRetID[""] != 1 || c.NeedByRetID["corner"] != 1 || c.ByStatus[receipts.Completed] != 1 {
		t.Fatalf("counts %+v %v", c, err)
	}
	// Transitions by hand, then the counters still match a recount.
	if _, err := s.SetReceiptRetailer("bob", ids[1].UUID, "corner"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("bob sets alice's: %v", err)
	}
	if _, err := s.SetReceiptRetailer("alice", ids[1].UUID, "corner"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.AnalyzeReceipt(ids[1].ID); err != nil || r.Status != receipts.Completed {
		t.Fatalf("after the retailer: %v %v", r.Status, err)
	}
	if _, err := s.SetReceiptProducts("alice", ids[2].UUID, []ProductMapping{{Line: 1, GTIN: "9311995843710"}}); err != nil {
		t.Fatal(err)
	}
	if r, err := s.AnalyzeReceipt(ids[2].ID); err != nil || r.Status != receipts.Completed || r.PartnerEarned.Decimal() != "1" {
		t.Fatalf("after the products: %v %v %v", r.Status, r.PartnerEarned.Decimal(), err)
	}
	// The fourth coin of alice's day is over the cap of 3.
	r4, err := s.CreateReceipt(NewReceipt{User: "alice", Links: []string{"x"}, Images: []string{newImage(t, s, "alice", "img-4")}})
	if err != nil {
		t.Fatal(err)
	}
	if r4 = readReceipt(t, s, r4, res("CORNER GROCER", "MYSTERY ITEM"), "hash-4"); r4.Status != receipts.Completed || r4.PartnerEarned.Sign() != 0 {
		t.Fatalf("learned and capped: %s %s", r4.Status, r4.PartnerEarned.Decimal())
	}
	lim, err := s.Limits("alice", "corner", clk.now())
	if err != nil || lim.Sum.Decimal() != "3" || lim.Limit.Decimal() != "3" {
		t.Fatalf("limits %+v %v", lim, err)
	}
	if _, err := s.HideReceipt("other", ids[0].UUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("hide by another retailer: %v", err)
	}
	if _, err := s.HideReceipt("corner", ids[0].UUID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteReceipt("alice", ids[1].UUID); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, s)
	// No index entry points at the deleted receipt, except the duplicate
	// indexes, which remember it on purpose.
	_ = s.db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketReceiptsByUser, bucketReceiptsByUserStatus, bucketReceiptsByUserRetail, bucketReceiptsByStatus, bucketReceiptsByRetailer, bucketReceiptsByTerm} {
			_ = tx.Bucket(b).ForEach(func(k, _ []byte) error {
				if btoi(k[len(k)-8:]) == ids[1].ID {
					t.Errorf("%s still holds the deleted receipt", b)
				}
				return nil
			})
		}
		return nil
	})
	page, total, err := s.SearchReceipts("alice", Search{Query: "myst", PageSize: 10})
	if err != nil || total != 2 || page[0].ID != r4.ID || page[1].ID != ids[2].ID {
		t.Fatalf("search myst: %d %v", total, err)
	}
	if _, total, _ := s.SearchReceipts("alice", Search{Query: "whole milk", Statuses: []receipts.Status{receipts.Hidden}, Retailer: "corner", PageSize: 10}); total != 1 {
		t.Fatalf("search whole milk, hidden, corner: %d", total)
	}
	page, total, err = s.RetailerReceipts("corner", RetailerQuery{Statuses: []receipts.Status{receipts.Hidden}, PageSize: 10})
	if err != nil || total != 1 || page[0].ID != ids[0].ID {
		t.Fatalf("retailer hidden: %d %v", total, err)
	}
}

// checkCounts recounts every user's receipts from the records and compares
// with the counters.
func checkCounts(t *testing.T, s *Store) {
	t.Helper()
	want := map[string]*ReceiptCounts{}
	_ = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketReceipts).ForEach(func(_, v []byte) error {
			var r Receipt
			if err := jsonUnmarshal(v, &r); err != nil {
				return err
			}
			c := want[r.User]
			if c == nil {
				c = &ReceiptCounts{ByStatus: map[receipts.Status]int{}, ByRetailer: map[string]int{}, NeedByRetID: map[string]int{}}
				want[r.User] = c
			}
			c.Total++
			c.ByStatus[r.Status]++
			c.ByRetailer[r.RetailerID]++
			if r.Status.NeedsAttention() {
				c.NeedByRetID[r.RetailerID]++
			}
			return nil
		})
	})
	for user, w := range want {
		got, err := s.CountReceipts(user)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(*w) {
			t.Errorf("%s: counters %v, recount %v", user, got, *w)
		}
	}
}

// TestDuplicatesOutOfOrder: of two copies, the one analyzed second is the
// duplicate, whichever OCR finished first.
func TestDuplicatesOutOfOrder(t *testing.T) {
	s, _ := openClock(t)
	if _, err := s.CreateUser(NewUser{Name: "alice", Password: "password!"}); err != nil {
		t.Fatal(err)
	}
	res := capture.Result{Status: capture.StatusCompleted, Total: 3, Raw_Text: "SHOP\nTOTAL 3.00"}
	for _, sameImage := range []bool{false, true} {
		imgA := newImage(t, s, "alice", fmt.Sprint("a", sameImage))
		imgB := newImage(t, s, "alice", fmt.Sprint("b", sameImage))
		if sameImage {
			imgB = newImage(t, s, "alice", fmt.Sprint("a", sameImage))
		}
		a, _ := s.CreateReceipt(NewReceipt{User: "alice", Links: []string{"x"}, Images: []string{imgA}})
		b, _ := s.CreateReceipt(NewReceipt{User: "alice", Links: []string{"x"}, Images: []string{imgB}})
		// OCR finishes both; B is analyzed first.
		for range 2 {
			d, _, ok, err := s.ClaimOCRJob()
			if err != nil || !ok {
				t.Fatal(ok, err)
			}
			if _, err := s.CompleteOCRJob(d.ID, res, fmt.Sprint("text", sameImage), nil); err != nil {
				t.Fatal(err)
			}
		}
		rb, err := s.AnalyzeReceipt(b.ID)
		if err != nil {
			t.Fatal(err)
		}
		ra, err := s.AnalyzeReceipt(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rb.Duplicate || !ra.Duplicate {
			t.Errorf("same image %v: first analyzed duplicate=%v, second %v", sameImage, rb.Duplicate, ra.Duplicate)
		}
	}
}
