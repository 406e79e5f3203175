package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestSMTPSettingsRoundTrip(t *testing.T) {
	const password = "correct-horse-battery-staple"
	now := time.Date(2026, 3, 14, 9, 26, 0, 0, time.UTC)
	s, err := Open(t.TempDir(), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })

	if _, ok, err := s.SMTPSettings(); ok || err != nil {
		t.Fatalf("before any save: ok=%v err=%v, want none saved", ok, err)
	}
	in := SMTPSettings{Addr: " relay.example.com:587 ", From: "Tillroll <tillroll@example.com>", User: "receipts", Password: password, UpdatedBy: "root"}
	if err := s.SaveSMTPSettings(in, false); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.SMTPSettings()
	want := SMTPSettings{Addr: "relay.example.com:587", From: "Tillroll <tillroll@example.com>", User: "receipts", Password: password, Updated: now, UpdatedBy: "root"}
	if err != nil || !ok || got != want {
		t.Fatalf("read back: %+v ok=%v err=%v\nwant %+v", got, ok, err, want)
	}

	// The password is sealed on disk: neither the record nor the file holds it.
	var raw []byte
	if err := s.db.View(func(tx *bolt.Tx) error {
		raw = bytes.Clone(tx.Bucket(bucketSettings).Get(keySMTP))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 || bytes.Contains(raw, []byte(password)) || !bytes.Contains(raw, []byte("sealed_password")) {
		t.Fatalf("stored record: %s", raw)
	}
	file, err := os.ReadFile(filepath.Join(s.Dir(), DBFile))
	if err != nil || bytes.Contains(file, []byte(password)) {
		t.Fatalf("the database file holds the SMTP password in clear (or cannot be read: %v)", err)
	}

	// Keep the password while changing the rest; then remove it.
	if err := s.SaveSMTPSettings(SMTPSettings{Addr: "127.0.0.1:25", From: "shop@example.com", User: "other", Password: "ignored"}, true); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.SMTPSettings(); got.Password != password || got.User != "other" || got.Addr != "127.0.0.1:25" {
		t.Fatalf("after keeping the password: %+v", got)
	}
	if err := s.SaveSMTPSettings(SMTPSettings{Addr: "127.0.0.1:25", From: "shop@example.com"}, false); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.SMTPSettings(); got.Password != "" || got.User != "" {
		t.Fatalf("after removing the password: %+v", got)
	}

	if err := s.ClearSMTPSettings(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.SMTPSettings(); ok || err != nil {
		t.Fatalf("after clearing: ok=%v err=%v", ok, err)
	}
}

func TestSaveSMTPSettingsValidates(t *testing.T) {
	s := openTest(t, t.TempDir())
	if err := s.SaveSMTPSettings(SMTPSettings{Addr: "relay:25", From: "a@example.com", User: "u", Password: "p"}, false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   SMTPSettings
		keep bool
		want string
	}{
		{"no port", SMTPSettings{Addr: "relay.example.com", From: "a@example.com"}, false, "host:port"},
		{"port not a number", SMTPSettings{Addr: "relay.example.com:smtp", From: "a@example.com"}, false, "host:port"},
		{"port out of range", SMTPSettings{Addr: "relay.example.com:70000", From: "a@example.com"}, false, "host:port"},
		{"no host", SMTPSettings{Addr: ":25", From: "a@example.com"}, false, "host:port"},
		{"space in host", SMTPSettings{Addr: "relay example.com:25", From: "a@example.com"}, false, "host:port"},
		{"no sender", SMTPSettings{Addr: "relay.example.com:25"}, false, "sender address"},
		{"sender not an address", SMTPSettings{Addr: "relay.example.com:25", From: "tillroll"}, false, "not a mail address"},
		{"header injection in sender", SMTPSettings{Addr: "relay.example.com:25", From: "a@example.com\r\nBcc: b@example.com"}, false, "not a mail address"},
		{"control character in user", SMTPSettings{Addr: "relay.example.com:25", From: "a@example.com", User: "u\x00"}, false, "user name"},
		{"NUL in password", SMTPSettings{Addr: "relay.example.com:25", From: "a@example.com", User: "u", Password: "p\x00"}, false, "password"},
		{"new password without user", SMTPSettings{Addr: "relay.example.com:25", From: "a@example.com", Password: "p"}, false, "user name is empty"},
		{"kept password without user", SMTPSettings{Addr: "relay.example.com:25", From: "a@example.com"}, true, "user name is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.SaveSMTPSettings(tc.in, tc.keep)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrInvalid saying %q", err, tc.want)
			}
			// Nothing changed.
			if got, _, _ := s.SMTPSettings(); got.Addr != "relay:25" || got.Password != "p" {
				t.Fatalf("a refused save changed the settings: %+v", got)
			}
		})
	}
	// No relay at all is a valid choice: mail waits in the outbox.
	if err := s.SaveSMTPSettings(SMTPSettings{From: "a@example.com"}, false); err != nil {
		t.Fatalf("empty address: %v", err)
	}
}

func TestOutboxOverviewAndRetryNow(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	s, err := Open(t.TempDir(), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })

	var msgs []Message
	for i := range 5 {
		msgs = append(msgs, Message{Kind: KindMail, Account: "shop", To: strings.Repeat("x", i+1) + "@example.com"})
	}
	if err := s.Enqueue(msgs...); err != nil {
		t.Fatal(err)
	}
	// 1 and 2 are sent (2 first), 3 failed once and waits an hour.
	now = now.Add(time.Minute)
	if err := s.MarkSent(2); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if err := s.MarkSent(1); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Hour)
	if err := s.MarkRetry(3, later, "SMTP relay 127.0.0.1:25: 451 try again later"); err != nil {
		t.Fatal(err)
	}

	o, err := s.OutboxOverview(2)
	if err != nil {
		t.Fatal(err)
	}
	if o.WaitingCount != 3 || o.SentCount != 2 || len(o.Waiting) != 2 || len(o.Sent) != 2 {
		t.Fatalf("counts: waiting %d (%d shown), sent %d (%d shown)", o.WaitingCount, len(o.Waiting), o.SentCount, len(o.Sent))
	}
	if o.Waiting[0].ID != 3 || o.Waiting[1].ID != 4 {
		t.Fatalf("waiting shown: %d, %d; want the oldest, 3 and 4", o.Waiting[0].ID, o.Waiting[1].ID)
	}
	if o.Sent[0].ID != 1 || o.Sent[1].ID != 2 {
		t.Fatalf("sent shown: %d, %d; want the last sent first (1, then 2)", o.Sent[0].ID, o.Sent[1].ID)
	}
	if w := o.Waiting[0]; w.Attempts != 1 || w.LastError == "" || !w.NextAttempt.Equal(later) {
		t.Fatalf("failed message: %+v", w)
	}
	if due, _ := s.DueMessages(KindMail, 10); len(due) != 2 {
		t.Fatalf("%d due before the retry, want 2 (4 and 5)", len(due))
	}

	// Retry now: due at once, with its attempts and error kept.
	now = now.Add(time.Minute)
	m, err := s.RetryNow(3)
	if err != nil {
		t.Fatal(err)
	}
	if !m.NextAttempt.Equal(now) || m.Attempts != 1 || m.LastError == "" {
		t.Fatalf("after retry now: %+v", m)
	}
	due, err := s.DueMessages(KindMail, 10)
	if err != nil || len(due) != 3 || due[0].ID != 3 {
		t.Fatalf("due after the retry: %d messages, err %v; want 3, 4, 5", len(due), err)
	}
	for _, id := range []uint64{1, 99} { // sent, never was
		if _, err := s.RetryNow(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("retry %d: %v, want ErrNotFound", id, err)
		}
	}
}
