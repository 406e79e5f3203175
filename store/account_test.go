package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestRegenerateCredentials(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s, err := Open(dir, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	old := newAccount(t, s, "shop")
	if err := s.SetWebhook("shop", "https://hooks.example.com/t"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(48 * time.Hour)
	fresh, err := s.RegenerateCredentials("shop")
	if err != nil {
		t.Fatalf("regenerate: %v", err)
	}
	if fresh.Username != "shop" || fresh.ClientID == old.ClientID || fresh.APIKey == old.APIKey ||
		fresh.Password == old.Password || fresh.SecretKey == old.SecretKey || len(fresh.ClientID) != 32 {
		t.Fatalf("regenerated %+v from %+v: want four new values", fresh, old)
	}
	if _, err := s.Authenticate(old); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("old credentials: want ErrUnauthorized, got %v", err)
	}
	// No old value still counts, whichever new ones come with it.
	for name, mix := range map[string]func(*Credentials){
		"old client id":  func(c *Credentials) { c.ClientID = old.ClientID },
		"old api key":    func(c *Credentials) { c.APIKey = old.APIKey },
		"old password":   func(c *Credentials) { c.Password = old.Password },
		"old secret key": func(c *Credentials) { c.SecretKey = old.SecretKey },
	} {
		c := fresh
		mix(&c)
		if _, err := s.Authenticate(c); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: want ErrUnauthorized, got %v", name, err)
		}
	}
	a, err := s.Authenticate(fresh)
	if err != nil {
		t.Fatalf("new credentials: %v", err)
	}
	created := now.Add(-48 * time.Hour)
	if a.Email != "shop@example.com" || a.WebhookURL != "https://hooks.example.com/t" || !a.Created.Equal(created) || !a.Issued.Equal(now) {
		t.Fatalf("after regenerating: %+v", a)
	}
	// Webhooks are signed with the new secret key.
	if key, err := s.SigningKey("shop"); err != nil || string(key) != fresh.SecretKey {
		t.Fatalf("signing key after regenerating: %v", err)
	}
	// The client id index follows: the old id is gone, the new one leads to the account.
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccountsByID)
		if v := b.Get([]byte(old.ClientID)); v != nil {
			t.Errorf("old client id still indexed to %q", v)
		}
		if v := b.Get([]byte(fresh.ClientID)); string(v) != "shop" {
			t.Errorf("new client id indexed to %q", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// It holds after a restart, and no secret is in the file in clear.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	if _, err := s.Authenticate(fresh); err != nil {
		t.Fatalf("new credentials after reopening: %v", err)
	}
	if _, err := s.Authenticate(old); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("old credentials after reopening: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{fresh.APIKey, fresh.Password, fresh.SecretKey} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatal("a regenerated secret is stored in clear")
		}
	}

	for _, name := range []string{"nobody", ReceiptsAccount, "../shop", ""} {
		if _, err := s.RegenerateCredentials(name); !errors.Is(err, ErrNotFound) {
			t.Errorf("regenerate %q: want ErrNotFound, got %v", name, err)
		}
	}
}

func TestSetEmail(t *testing.T) {
	s := openTest(t, t.TempDir())
	c := newAccount(t, s, "shop")
	if err := s.SetEmail("shop", "office@example.org"); err != nil {
		t.Fatalf("set email: %v", err)
	}
	a, err := s.Account("shop")
	if err != nil || a.Email != "office@example.org" {
		t.Fatalf("email %q %v", a.Email, err)
	}
	for _, bad := range []string{"", "not an address", "Office <office@example.org>", "office@example.org\r\nBcc: x@example.com", " office@example.org"} {
		if err := s.SetEmail("shop", bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetEmail(%q): want ErrInvalid, got %v", bad, err)
		}
	}
	if a, err := s.Account("shop"); err != nil || a.Email != "office@example.org" {
		t.Fatalf("a refused address changed the email to %q (%v)", a.Email, err)
	}
	for _, name := range []string{"nobody", ReceiptsAccount} {
		if err := s.SetEmail(name, "a@example.com"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetEmail on %q: want ErrNotFound, got %v", name, err)
		}
	}
	// The credentials are untouched.
	if _, err := s.Authenticate(c); err != nil {
		t.Fatalf("credentials after setting the email: %v", err)
	}
}
