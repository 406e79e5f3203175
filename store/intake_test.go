package store

import (
	"errors"
	"strings"
	"testing"
	"time"
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

func TestIMAPMailboxes(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	newAccount(t, s, "shop")
	good := IMAPMailbox{Account: "shop", Host: "imap.example.com", Port: 993, Security: "tls", User: "u", Password: "pw", After: "move:Done"}
	for name, change := range map[string]func(*IMAPMailbox){
		"no host":        func(m *IMAPMailbox) { m.Host = "" },
		"bad port":       func(m *IMAPMailbox) { m.Port = 70000 },
		"bad security":   func(m *IMAPMailbox) { m.Security = "ssl3" },
		"no user":        func(m *IMAPMailbox) { m.User = " " },
		"bad after":      func(m *IMAPMailbox) { m.After = "move:" },
		"short interval": func(m *IMAPMailbox) { m.Interval = time.Second },
	} {
		m := good
		change(&m)
		if _, err := s.AddIMAPMailbox(m); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	ghost := good
	ghost.Account = "ghost"
	if _, err := s.AddIMAPMailbox(ghost); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	m, err := s.AddIMAPMailbox(good)
	if err != nil || m.ID == 0 {
		t.Fatalf("add: %+v %v", m, err)
	}
	list, err := s.IMAPMailboxes()
	if err != nil || len(list) != 1 || list[0].Password != "pw" || list[0].Addr() != "imap.example.com:993" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := s.DeleteIMAPMailbox(m.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIMAPMailbox(m.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}
