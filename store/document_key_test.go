package store

import (
	"testing"
	"time"
)

// With DatedKeys new documents get Photon's dated keys; the keys given out
// before, in either form, stay valid when the setting changes.
func TestDatedKeys(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 1, 5, 23, 40, 12, 67728123, time.FixedZone("CET", 3600))
	open := func(dated bool) *Store {
		s, err := Open(dir, Options{Now: func() time.Time { return at }, DatedKeys: dated})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open(false)
	if _, err := s.CreateAccount("johndoe@abc.com", "johndoe@abc.com"); err != nil {
		t.Fatal(err)
	}
	before := upload(t, s, "johndoe@abc.com", "receipt.jpg", []byte("a"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(true)
	dated := []Document{
		upload(t, s, "johndoe@abc.com", "receipt.jpg", []byte("b")),
		upload(t, s, "johndoe@abc.com", "receipt.jpg", []byte("c")), // the same name in the same microsecond
	}
	for i, want := range []string{
		"data/johndoe@abc.com/2026-01-05/22-40-12-067728_receipt.json",
		"data/johndoe@abc.com/2026-01-05/22-40-12-067728_receipt-2.json",
	} {
		if dated[i].Key != want {
			t.Errorf("dated key %q, want %q", dated[i].Key, want)
		}
	}
	if p := dated[0].DocPath(); p != "data/johndoe@abc.com/2026-01-05/22-40-12-067728_receipt.jpg" {
		t.Errorf("doc_path %q", p)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(false)
	defer s.Close()
	if after := upload(t, s, "johndoe@abc.com", "receipt.jpg", []byte("d")); after.Key != "data/johndoe@abc.com/receipt-2.json" {
		t.Errorf("plain key after dated ones: %q", after.Key)
	}
	for _, d := range append(dated, before) {
		if got, err := s.DocumentByKey("johndoe@abc.com", d.Key); err != nil || got.ID != d.ID {
			t.Errorf("key %s: %v", d.Key, err)
		}
		if got, err := s.DocumentByDocPath("johndoe@abc.com", d.DocPath()); err != nil || got.ID != d.ID {
			t.Errorf("doc_path %s: %v", d.DocPath(), err)
		}
	}
}
