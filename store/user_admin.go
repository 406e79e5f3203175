package store

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ErrInUse is a record that cannot go because something still needs it.
var ErrInUse = errors.New("still in use")

func checkPassword(password string) error {
	if len(password) < 8 || len(password) > 1024 {
		return fmt.Errorf("%w: password must be 8 to 1024 bytes", ErrInvalid)
	}
	return nil
}

// Users lists every identity that can sign in, by name.
func (s *Store) Users() ([]User, error) {
	ids, err := s.Identities()
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	var out []User
	for _, id := range ids {
		if id.User != nil {
			out = append(out, *id.User)
		}
	}
	return out, nil
}

// SetPassword gives a user a new password (and a new salt) and ends every
// ticket the user holds: whoever knew the old password is signed out. An
// identity with only a capture account gets a web sign-in with it, as a
// plain user (RoleUser): an admin's way to let a program's or a person's
// account made with `tillroll account create` into the web app.
func (s *Store) SetPassword(name, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return fmt.Errorf("random: %w", err)
	}
	hash := hashPassword(password, salt)
	return s.db.Update(func(tx *bolt.Tx) error {
		id, err := getIdentity(tx, name)
		if err != nil || internalIdentity(name) {
			return fmt.Errorf("user %q: %w", name, ErrNotFound)
		}
		u := User{Name: name, Role: RoleUser, Created: s.now().UTC()}
		if id.User != nil {
			u = *id.User
		}
		u.Salt, u.PasswordHash = salt, hash
		if err := putUser(tx, u); err != nil {
			return err
		}
		return deleteTickets(tx, name)
	})
}

// DeleteUser deletes a user who owns nothing, with the user's tickets.
// A user with receipts, or with a capture-API account of the same name,
// is ErrInUse: a later user given the name would inherit them. So is the
// last admin, who alone can manage the box from the web app.
func (s *Store) DeleteUser(name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		u, err := txUser(tx, name)
		if err != nil {
			return fmt.Errorf("user %q: %w", name, err)
		}
		prefix := join([]byte(name), nil)
		if k, _ := tx.Bucket(bucketReceiptsByUser).Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
			return fmt.Errorf("%w: %s has receipts", ErrInUse, name)
		}
		if hasAccount(tx, name) {
			return fmt.Errorf("%w: %s has a capture-API account", ErrInUse, name)
		}
		ids := tx.Bucket(bucketIdentities)
		if u.Role == RoleAdmin {
			admins := 0
			err := ids.ForEach(func(_, v []byte) error {
				var o Identity
				if err := jsonUnmarshal(v, &o); err != nil {
					return err
				}
				if o.User != nil && o.User.Role == RoleAdmin {
					admins++
				}
				return nil
			})
			if err != nil {
				return err
			}
			if admins <= 1 {
				return fmt.Errorf("%w: %s is the last admin", ErrInUse, name)
			}
		}
		// What a user with no receipts may still have left: counters at
		// zero and the coins of the days of receipts since deleted.
		for _, b := range [][]byte{bucketReceiptCounts, bucketCoinsDaily} {
			if err := deletePrefix(tx.Bucket(b), prefix); err != nil {
				return err
			}
		}
		if err := deleteTickets(tx, name); err != nil {
			return err
		}
		if err := ids.Delete([]byte(name)); err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		return nil
	})
}

// deleteTickets ends every ticket of the user.
func deleteTickets(tx *bolt.Tx, name string) error {
	b := tx.Bucket(bucketTickets)
	var mine [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var t ticketRecord
		if err := jsonUnmarshal(v, &t); err != nil {
			return err
		}
		if t.User == name {
			mine = append(mine, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range mine {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("delete ticket: %w", err)
		}
	}
	return nil
}

func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("delete %q: %w", k, err)
		}
	}
	return nil
}
