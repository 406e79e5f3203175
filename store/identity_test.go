package store

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A web user and a capture account of one person are one identity: the
// account page's credentials land on the user's record, an anonymous
// registration cannot take a web user's name, and an admin can let a
// capture-only identity into the web app.
func TestOneIdentity(t *testing.T) {
	s, _ := openClock(t)
	if _, err := s.CreateFirstAdmin("alice", "alice password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount("alice", "alice@example.com"); !errors.Is(err, ErrExists) {
		t.Fatalf("CreateAccount on a web user's name: want ErrExists, got %v", err)
	}
	creds, err := s.AddCredentials("alice", "alice@example.com")
	if err != nil {
		t.Fatalf("add credentials: %v", err)
	}
	if _, err := s.AddCredentials("alice", "alice@example.com"); !errors.Is(err, ErrExists) {
		t.Fatalf("AddCredentials twice: want ErrExists, got %v", err)
	}
	if _, err := s.AddCredentials("nobody", "n@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("AddCredentials to no identity: want ErrNotFound, got %v", err)
	}
	a, err := s.Authenticate(creds)
	if err != nil || a.Username != "alice" {
		t.Fatalf("authenticate alice: %+v %v", a, err)
	}
	id, err := s.Identity("alice")
	if err != nil || id.User == nil || id.User.Role != RoleAdmin || !id.HasCredentials() || id.Account.Email != "alice@example.com" {
		t.Fatalf("alice's identity: %+v %v", id, err)
	}

	// A capture-only identity, as `tillroll account create` makes it.
	shop := newAccount(t, s, "shop")
	if _, err := s.CreateUser(NewUser{Name: "shop", Password: "shop password"}); !errors.Is(err, ErrExists) {
		t.Fatalf("CreateUser on an account's name: want ErrExists, got %v", err)
	}
	if _, err := s.User("shop"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("shop signs in before it has a password: %v", err)
	}
	if err := s.SetPassword("shop", "shop password"); err != nil {
		t.Fatalf("give shop a web sign-in: %v", err)
	}
	if u, err := s.User("shop"); err != nil || u.Role != RoleUser {
		t.Fatalf("shop's web sign-in: %+v %v", u, err)
	}
	if _, _, err := s.Login("shop", "shop password", time.Hour); err != nil {
		t.Fatalf("shop signs in: %v", err)
	}
	if _, err := s.Authenticate(shop); err != nil {
		t.Fatalf("shop's capture credentials after the password: %v", err)
	}

	// The receipts service's internal account is an identity no list shows.
	if err := s.db.Update(func(tx *bolt.Tx) error { return ensureReceiptsAccount(tx, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	ids, err := s.Identities()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, id := range ids {
		names = append(names, id.Name)
	}
	if len(names) != 2 || names[0] != "alice" || names[1] != "shop" {
		t.Fatalf("identities %v, want [alice shop]", names)
	}
}

// Revoking ends the credentials and keeps the rest of the account; new
// ones can be made after.
func TestRevokeCredentials(t *testing.T) {
	s, _ := openClock(t)
	old := newAccount(t, s, "shop")
	if err := s.SetWebhook("shop", "https://example.com/hook"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeCredentials("shop"); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := s.Authenticate(old); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("revoked credentials: want ErrUnauthorized, got %v", err)
	}
	if _, err := s.Authenticate(Credentials{Username: "shop"}); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("empty credentials of a revoked account: want ErrUnauthorized, got %v", err)
	}
	if _, err := s.SigningKey("shop"); err == nil {
		t.Fatal("a revoked account still signs webhooks")
	}
	if err := s.RevokeCredentials("shop"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke twice: want ErrNotFound, got %v", err)
	}
	if _, err := s.RegenerateCredentials("shop"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("regenerate revoked: want ErrNotFound, got %v", err)
	}
	a, err := s.Account("shop")
	if err != nil || a.Revoked.IsZero() || a.WebhookURL != "https://example.com/hook" {
		t.Fatalf("revoked account: %+v %v", a, err)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAccountsByID).Get([]byte(old.ClientID)) != nil {
			t.Error("the revoked client id is still indexed")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	fresh, err := s.AddCredentials("shop", "office@example.com")
	if err != nil {
		t.Fatalf("new credentials after revoking: %v", err)
	}
	if a, err := s.Authenticate(fresh); err != nil || a.WebhookURL != "https://example.com/hook" || !a.Revoked.IsZero() || a.Email != "office@example.com" {
		t.Fatalf("new credentials: %+v %v", a, err)
	}
}

// A data directory of schema 2 keeps web users and capture accounts in two
// buckets, linked only by name. Opening it makes one identity of each
// name; every credential, password and ticket keeps working.
func TestMigrateIdentities(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir) // makes secret.key, with which the old secret was sealed
	now := time.Date(2024, 3, 15, 3, 0, 0, 0, time.UTC)
	shopCreds, shop, err := s.newCredentials("shop")
	if err != nil {
		t.Fatal(err)
	}
	aliceCreds, alice, err := s.newCredentials("alice")
	if err != nil {
		t.Fatal(err)
	}
	shop.Email, shop.Created, shop.WebhookURL = "shop@example.com", now, "https://example.com/hook"
	alice.Email, alice.Created = "alice@example.com", now.Add(time.Hour)
	salt := []byte("0123456789abcdef")
	aliceUser := User{Name: "alice", Role: RoleAdmin, Salt: salt, PasswordHash: hashPassword("alice password", salt), Created: now}
	bobUser := User{Name: "bob", Role: RoleUser, Salt: salt, PasswordHash: hashPassword("bob password", salt), Created: now}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// The schema 2 layout, as Tillroll before identities wrote it.
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	ticket := "an old session ticket"
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketIdentities); err != nil {
			return err
		}
		put := func(bucket string, key string, v any) error {
			b, err := tx.CreateBucketIfNotExists([]byte(bucket))
			if err != nil {
				return err
			}
			data, err := json.Marshal(v)
			if err != nil {
				return err
			}
			return b.Put([]byte(key), data)
		}
		for _, p := range []struct {
			bucket, key string
			v           any
		}{
			{"accounts", "shop", shop}, {"accounts", "alice", alice},
			{"accounts", ReceiptsAccount, Account{Username: ReceiptsAccount, Created: now}},
			{"users", "alice", aliceUser}, {"users", "bob", bobUser},
			{"tickets", string(hashSecret(ticket)), ticketRecord{User: "bob", Created: now, Expires: now.Add(100 * 365 * 24 * time.Hour)}},
		} {
			if err := put(p.bucket, p.key, p.v); err != nil {
				return err
			}
		}
		for _, a := range []Account{shop, alice} {
			if err := tx.Bucket(bucketAccountsByID).Put([]byte(a.ClientID), []byte(a.Username)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), itob(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, dir)
	for _, c := range []Credentials{shopCreds, aliceCreds} {
		if _, err := s.Authenticate(c); err != nil {
			t.Errorf("%s's old credentials: %v", c.Username, err)
		}
	}
	if key, err := s.SigningKey("shop"); err != nil || string(key) != shopCreds.SecretKey {
		t.Errorf("shop's signing key after the migration: %v", err)
	}
	if _, _, err := s.Login("alice", "alice password", time.Hour); err != nil {
		t.Errorf("alice's old password: %v", err)
	}
	if u, err := s.UserByTicket(ticket); err != nil || u.Name != "bob" {
		t.Errorf("bob's old ticket: %+v %v", u, err)
	}
	want := map[string][2]bool{"alice": {true, true}, "bob": {true, false}, "shop": {false, true}}
	ids, err := s.Identities()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(want) {
		t.Errorf("%d identities, want %d: %+v", len(ids), len(want), ids)
	}
	for _, id := range ids {
		if w := want[id.Name]; w != [2]bool{id.User != nil, id.HasCredentials()} {
			t.Errorf("%s: user %v, credentials %v; want %v", id.Name, id.User != nil, id.HasCredentials(), w)
		}
		if !id.Created.Equal(now) {
			t.Errorf("%s created %v, want the earlier half's %v", id.Name, id.Created, now)
		}
	}
	if _, err := s.Account(ReceiptsAccount); err != nil {
		t.Errorf("the receipts service's account after the migration: %v", err)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{oldBucketAccounts, oldBucketUsers} {
			if tx.Bucket(b) != nil {
				t.Errorf("bucket %s is still there", b)
			}
		}
		if got := tx.Bucket(bucketMeta).Get([]byte("schema")); string(got) != string(itob(schemaVersion)) {
			t.Errorf("schema %x after the migration", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
