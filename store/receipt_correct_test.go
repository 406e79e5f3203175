package store

import (
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"

	"tillroll/receipts"
)

func TestSetReceiptTotal(t *testing.T) {
	s, _ := openClock(t)
	for _, u := range []string{"alice", "bob"} {
		if _, err := s.CreateUser(NewUser{Name: u, Password: u + "-password"}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.CreateReceipt(NewReceipt{User: "alice", Links: []string{"https://cdn.example.com/r.jpg"}})
	if err != nil {
		t.Fatal(err)
	}
	// Not read yet: nothing to correct.
	if _, err := s.SetReceiptTotal("alice", r.UUID, "12.10"); !errors.Is(err, receipts.ErrTransition) {
		t.Fatalf("INITIAL receipt: %v", err)
	}
	// As if it had been read and needs its retailer.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		old := r
		r.Status, r.Analysis.OCRDone = receipts.SetRetailers, true
		return putReceipt(tx, &old, &r)
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"12.10", "12.10", nil},
		{" 7,5 ", "7.50", nil},
		{"3", "3.00", nil},
		{"12.5.0", "", ErrInvalid},
		{"-1", "", ErrInvalid},
		{"NaN", "", ErrInvalid},
		{"", "", ErrInvalid},
	} {
		got, err := s.SetReceiptTotal("alice", r.UUID, tc.in)
		if !errors.Is(err, tc.err) || (err == nil && (got.Analysis.Total != tc.want || !got.TotalByUser || got.Status != receipts.SetRetailers)) {
			t.Errorf("%q: %v %q %v %s", tc.in, err, got.Analysis.Total, got.TotalByUser, got.Status)
		}
	}
	if _, err := s.SetReceiptTotal("bob", r.UUID, "1.00"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("bob corrects alice's receipt: %v", err)
	}
	got, err := s.ReceiptByUUID(r.UUID)
	if err != nil || got.Analysis.Total != "3.00" || got.Analysis.TotalCents != 300 {
		t.Fatalf("stored: %+v %v", got.Analysis, err)
	}
}
