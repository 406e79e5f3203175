package store

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestSetPassword(t *testing.T) {
	s, _ := openClock(t)
	if _, err := s.CreateUser(NewUser{Name: "alice", Password: "old password"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(NewUser{Name: "bob", Password: "bob password"}); err != nil {
		t.Fatal(err)
	}
	alice, _, err := s.Login("alice", "old password", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	bob, _, err := s.Login("bob", "bob password", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.User("alice")

	if err := s.SetPassword("alice", "short"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("short password: %v", err)
	}
	if err := s.SetPassword("nobody", "long enough"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := s.UserByTicket(alice); err != nil {
		t.Fatalf("a refused change ended the session: %v", err)
	}
	if err := s.SetPassword("alice", "new password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Login("alice", "old password", time.Hour); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("old password still works: %v", err)
	}
	if _, _, err := s.Login("alice", "new password", time.Hour); err != nil {
		t.Fatalf("new password: %v", err)
	}
	after, _ := s.User("alice")
	if slices.Equal(after.Salt, before.Salt) || after.Role != before.Role || !after.Created.Equal(before.Created) {
		t.Fatalf("user after the change %+v, before %+v", after, before)
	}
	// Her old sessions ended; bob's did not.
	if _, err := s.UserByTicket(alice); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("alice's old ticket: %v", err)
	}
	if _, err := s.UserByTicket(bob); err != nil {
		t.Fatalf("bob's ticket: %v", err)
	}
}

func TestDeleteUser(t *testing.T) {
	s, _ := openClock(t)
	if err := s.PutRetailers([]Retailer{{ID: "corner", Name: "Corner"}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []NewUser{
		{Name: "root", Password: "root password", Role: RoleAdmin},
		{Name: "alice", Password: "alice password"},
		{Name: "bob", Password: "bob password"},
		{Name: "carol", Password: "carol password"},
		{Name: "till", Password: "till password", Role: RoleStaff, RetailerID: "corner"},
		{Name: "root2", Password: "root password", Role: RoleAdmin},
	} {
		if _, err := s.CreateUser(u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateReceipt(NewReceipt{User: "alice", Links: []string{"x"}, Images: []string{newImage(t, s, "alice", "a")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCredentials("bob", "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	till, _, err := s.Login("till", "till password", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Leftovers of a user whose receipts were deleted.
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketReceiptCounts).Put(join([]byte("till"), []byte("s"), []byte("COMPLETED")), itob(0)); err != nil {
			return err
		}
		return tx.Bucket(bucketCoinsDaily).Put(join([]byte("till"), []byte("2024-03-15")), []byte("3"))
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		err  error
	}{
		{"nobody", ErrNotFound},
		{"alice", ErrInUse}, // her receipts would pass to a new alice
		{"bob", ErrInUse},   // so would his capture account
		{"till", nil},
		{"carol", nil},
		{"root2", nil},
		{"root", ErrInUse}, // the last admin
	} {
		if err := s.DeleteUser(tc.name); !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("delete %s: %v, want %v", tc.name, err, tc.err)
		}
	}
	users, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if !slices.Equal(names, []string{"alice", "bob", "root"}) {
		t.Fatalf("users left %v", names)
	}
	// Nothing of till is left for a new till to inherit: not the counters,
	// not the coins of the day, not the session.
	_ = s.db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketReceiptCounts, bucketCoinsDaily} {
			if k, _ := tx.Bucket(b).Cursor().Seek([]byte("till\x00")); k != nil && strings.HasPrefix(string(k), "till\x00") {
				t.Errorf("%s: %q left", b, k)
			}
		}
		return nil
	})
	if _, err := s.CreateUser(NewUser{Name: "till", Password: "new till pw", Role: RoleStaff, RetailerID: "corner"}); err != nil {
		t.Fatalf("the name is free again: %v", err)
	}
	if u, err := s.UserByTicket(till); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("the old till's ticket signs in as the new one: %v %v", u.Name, err)
	}
}

func TestProductsPage(t *testing.T) {
	s, _ := openClock(t)
	gtins := []string{"00000000", "96385074", "9311995843710", "4006381333931", "5012345678900"}
	var ps []Product
	for i, g := range gtins {
		ps = append(ps, Product{GTIN: g, Name: "P" + string(rune('a'+i))})
	}
	if err := s.PutProducts(ps); err != nil {
		t.Fatal(err)
	}
	slices.Sort(gtins)
	for _, tc := range []struct {
		offset, limit int
		want          []string
	}{
		{0, 2, gtins[:2]},
		{2, 2, gtins[2:4]},
		{4, 2, gtins[4:]},
		{5, 2, nil},
		{0, 0, nil},
		{0, 100, gtins},
	} {
		page, total, err := s.ProductsPage(tc.offset, tc.limit)
		var got []string
		for _, p := range page {
			got = append(got, p.GTIN)
		}
		if err != nil || total != 5 || !slices.Equal(got, tc.want) {
			t.Errorf("ProductsPage(%d, %d) = %v, %d, %v; want %v, 5", tc.offset, tc.limit, got, total, err, tc.want)
		}
	}
}
