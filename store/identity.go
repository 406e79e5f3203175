package store

import (
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Identity is one person (or program) the box knows: one name, one record.
// It may sign in to the web app and the receipts service (User: a password
// and a role), call the capture API (Account: four credentials, the email
// notifications go to, a webhook, a quota), or both. Since schema 3 the two
// are halves of this one record, not two records that share a name: the web
// user "alice" who makes API credentials on her account page gets them on
// her own identity, and an anonymous /api/v4/register can never take a name
// a web user has.
type Identity struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	User    *User     `json:"user,omitempty"`
	Account *Account  `json:"account,omitempty"`
}

// HasCredentials tells whether the identity can call the capture API now:
// it has credentials that were not revoked.
func (id Identity) HasCredentials() bool { return id.Account != nil && id.Account.ClientID != "" }

// internalIdentity is a name no person has (the receipts service's
// capture account): never listed.
func internalIdentity(name string) bool { return strings.HasPrefix(name, "~") }

// Identities lists every identity by name, but the internal ones.
func (s *Store) Identities() ([]Identity, error) {
	var out []Identity
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIdentities).ForEach(func(k, v []byte) error {
			if internalIdentity(string(k)) {
				return nil
			}
			var id Identity
			if err := jsonUnmarshal(v, &id); err != nil {
				return err
			}
			out = append(out, id)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("identities: %w", err)
	}
	return out, nil
}

// Identity returns the identity with that name.
func (s *Store) Identity(name string) (Identity, error) {
	var id Identity
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		id, err = getIdentity(tx, name)
		return err
	})
	if err != nil {
		return Identity{}, fmt.Errorf("identity %q: %w", name, err)
	}
	return id, nil
}

func getIdentity(tx *bolt.Tx, name string) (Identity, error) {
	var id Identity
	err := getJSON(tx.Bucket(bucketIdentities), []byte(name), &id)
	return id, err
}

func putIdentity(tx *bolt.Tx, id Identity) error {
	return putJSON(tx.Bucket(bucketIdentities), []byte(id.Name), id)
}

// txAccount is the identity's capture account; ErrNotFound when it has none.
func txAccount(tx *bolt.Tx, name string) (Account, error) {
	id, err := getIdentity(tx, name)
	if err != nil {
		return Account{}, err
	}
	if id.Account == nil {
		return Account{}, ErrNotFound
	}
	return *id.Account, nil
}

// txUser is the identity's web sign-in; ErrNotFound when it has none.
func txUser(tx *bolt.Tx, name string) (User, error) {
	id, err := getIdentity(tx, name)
	if err != nil {
		return User{}, err
	}
	if id.User == nil {
		return User{}, ErrNotFound
	}
	return *id.User, nil
}

func hasAccount(tx *bolt.Tx, name string) bool {
	_, err := txAccount(tx, name)
	return err == nil
}

func hasUser(tx *bolt.Tx, name string) bool {
	_, err := txUser(tx, name)
	return err == nil
}

// putAccount writes the capture half of an identity that exists (or, for
// a new one, makes the identity).
func putAccount(tx *bolt.Tx, a Account) error {
	id, err := getIdentity(tx, a.Username)
	if err != nil {
		id = Identity{Name: a.Username, Created: a.Created}
	}
	id.Account = &a
	return putIdentity(tx, id)
}

// putUser writes the web half of an identity, as putAccount.
func putUser(tx *bolt.Tx, u User) error {
	id, err := getIdentity(tx, u.Name)
	if err != nil {
		id = Identity{Name: u.Name, Created: u.Created}
	}
	id.User = &u
	return putIdentity(tx, id)
}

// migrateIdentities is schema 2 -> 3: the users and accounts buckets,
// whose records of one name were one person by convention, become one
// identity each; the old buckets go. Credentials, password hashes, tickets
// (keyed by name) and documents (owned by name) keep working unchanged.
func migrateIdentities(tx *bolt.Tx) error {
	ids := tx.Bucket(bucketIdentities)
	merge := func(bucket []byte, set func(*Identity, []byte) (time.Time, error)) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		err := b.ForEach(func(k, v []byte) error {
			var id Identity
			if err := getJSON(ids, k, &id); err != nil {
				id = Identity{Name: string(k)}
			}
			created, err := set(&id, v)
			if err != nil {
				return fmt.Errorf("%s %q: %w", bucket, k, err)
			}
			if id.Created.IsZero() || (!created.IsZero() && created.Before(id.Created)) {
				id.Created = created
			}
			return putJSON(ids, k, id)
		})
		if err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucket); err != nil {
			return fmt.Errorf("delete bucket %s: %w", bucket, err)
		}
		return nil
	}
	err := merge(oldBucketAccounts, func(id *Identity, v []byte) (time.Time, error) {
		var a Account
		if err := jsonUnmarshal(v, &a); err != nil {
			return time.Time{}, err
		}
		id.Account = &a
		return a.Created, nil
	})
	if err != nil {
		return err
	}
	return merge(oldBucketUsers, func(id *Identity, v []byte) (time.Time, error) {
		var u User
		if err := jsonUnmarshal(v, &u); err != nil {
			return time.Time{}, err
		}
		id.User = &u
		return u.Created, nil
	})
}
