package store

import (
	"errors"
	"strings"
	"testing"
)

func TestIntakeAddressAndMarks(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	newAccount(t, s, "shop")
	newAccount(t, s, "cafe")
	if _, err := s.CreateAccount("anna@firm.example", "anna@firm.example"); err != nil {
		t.Fatal(err)
	}
	if a, err := s.IntakeAccount(s.IntakeLocal("anna@firm.example")); err != nil || a.Username != "anna@firm.example" {
		t.Fatalf("e-mail username: %q %v (local %q)", a.Username, err, s.IntakeLocal("anna@firm.example"))
	}
	tok := s.IntakeAddressToken("shop")
	if len(tok) != 8 || tok == s.IntakeAddressToken("cafe") {
		t.Fatalf("tokens %q and %q", tok, s.IntakeAddressToken("cafe"))
	}
	for local, want := range map[string]error{
		"shop+" + tok:                            nil,
		"SHOP+" + strings.ToUpper(tok):           nil,
		"shop":                                   ErrNotFound,
		"shop+" + s.IntakeAddressToken("cafe"):   ErrNotFound,
		"ghost+" + s.IntakeAddressToken("ghost"): ErrNotFound, // no such account
	} {
		a, err := s.IntakeAccount(local)
		if !errors.Is(err, want) || (want == nil && a.Username != "shop") {
			t.Errorf("IntakeAccount(%q) = %q, %v; want %v", local, a.Username, err, want)
		}
	}

	f, _, err := s.SaveUpload(strings.NewReader("%PDF-1.4 test"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	mark := MarkKey("mail", "shop", "id@x", "abc")
	in := []NewDocument{{Account: "shop", FileName: "a.pdf", File: f, Kind: "pdf", Source: &Source{Via: "smtp", MessageID: "id@x"}}}
	docs, err := s.CreateDocuments(in, mark, MarkKey("imap", "1"))
	if err != nil || len(docs) != 1 || docs[0].Source.MessageID != "id@x" {
		t.Fatalf("CreateDocuments: %+v, %v", docs, err)
	}
	if _, err := s.CreateDocuments(in, mark); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("again: %v, want ErrDuplicate", err)
	}
	for _, m := range []IntakeMark{mark, MarkKey("imap", "1")} {
		if ok, err := s.IntakeMarked(m); !ok || err != nil {
			t.Errorf("mark %q: %v %v", m, ok, err)
		}
	}
	// A document of an unknown account commits nothing, marks included.
	other := MarkKey("mail", "ghost", "x", "y")
	if _, err := s.CreateDocuments([]NewDocument{{Account: "ghost", File: f}}, other); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
	if ok, _ := s.IntakeMarked(other); ok {
		t.Error("a failed intake left its mark")
	}
	if n, _ := s.QueueDepth(); n != 1 {
		t.Errorf("queue depth %d, want 1", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
