package store

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/argon2"
)

// Roles of receipts-service users.
const (
	RoleUser  = "user"  // own receipts only
	RoleStaff = "staff" // the staff ("system" user) of one retailer
	RoleAdmin = "admin" // retailers, products, coin rates; every retailer
)

// User is a receipts-service user. The password is kept as an argon2id hash.
type User struct {
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	RetailerID   string    `json:"retailer_id,omitempty"` // staff only
	PasswordHash []byte    `json:"password_hash"`
	Salt         []byte    `json:"salt"`
	Created      time.Time `json:"created"`
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Name       string `json:"name"`
	Password   string `json:"password"`
	Role       string `json:"role,omitempty"`
	RetailerID string `json:"retailer_id,omitempty"`
}

// argon2id parameters: OWASP's 19 MiB, two passes, one lane. A login costs
// a few tens of milliseconds, which with the rate limit makes guessing slow.
const (
	kdfTime    = 2
	kdfMemory  = 19 * 1024
	kdfThreads = 1
	kdfLen     = 32
)

func hashPassword(password string, salt []byte) []byte {
	return argon2.IDKey([]byte(password), salt, kdfTime, kdfMemory, kdfThreads, kdfLen)
}

// CreateUser makes a receipts-service user. Staff need the id of an
// existing retailer; others have none.
func (s *Store) CreateUser(in NewUser) (User, error) {
	return s.createUser(in, false)
}

// CreateFirstAdmin makes an admin only while the box has no user at all:
// the check and the write are one transaction, so of two first visitors
// only one becomes admin. It returns ErrExists when a user is there.
func (s *Store) CreateFirstAdmin(name, password string) (User, error) {
	return s.createUser(NewUser{Name: name, Password: password, Role: RoleAdmin}, true)
}

// HasUsers tells whether any identity can sign in to the web app.
func (s *Store) HasUsers() (bool, error) {
	has := false
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		has, err = anyUser(tx)
		return err
	})
	return has, err
}

func anyUser(tx *bolt.Tx) (bool, error) {
	has := false
	err := tx.Bucket(bucketIdentities).ForEach(func(_, v []byte) error {
		var id Identity
		if err := jsonUnmarshal(v, &id); err != nil {
			return err
		}
		has = has || id.User != nil
		return nil
	})
	return has, err
}

func (s *Store) createUser(in NewUser, first bool) (User, error) {
	if !usernameRE.MatchString(in.Name) {
		return User{}, fmt.Errorf("%w: user name must be 1-64 of a-z 0-9 . _ - and start with a letter or digit", ErrInvalid)
	}
	if err := checkPassword(in.Password); err != nil {
		return User{}, err
	}
	if in.Role == "" {
		in.Role = RoleUser
	}
	switch in.Role {
	case RoleUser, RoleAdmin:
		if in.RetailerID != "" {
			return User{}, fmt.Errorf("%w: only staff belong to a retailer", ErrInvalid)
		}
	case RoleStaff:
		if in.RetailerID == "" {
			return User{}, fmt.Errorf("%w: staff need --retailer ID", ErrInvalid)
		}
	default:
		return User{}, fmt.Errorf("%w: role must be user, staff or admin", ErrInvalid)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return User{}, fmt.Errorf("random: %w", err)
	}
	u := User{Name: in.Name, Role: in.Role, RetailerID: in.RetailerID, Salt: salt,
		PasswordHash: hashPassword(in.Password, salt), Created: s.now().UTC()}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if has, err := anyUser(tx); err != nil {
			return err
		} else if first && has {
			return fmt.Errorf("a first admin: the box has users already: %w", ErrExists)
		}
		// Any identity, also one with only a capture account: giving that
		// one a web sign-in is an admin's explicit act (SetPassword).
		if tx.Bucket(bucketIdentities).Get([]byte(u.Name)) != nil {
			return fmt.Errorf("user %q: the name is taken: %w", u.Name, ErrExists)
		}
		if u.RetailerID != "" && tx.Bucket(bucketRetailers).Get([]byte(u.RetailerID)) == nil {
			return fmt.Errorf("%w: retailer %q does not exist", ErrInvalid, u.RetailerID)
		}
		return putUser(tx, u)
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// User returns the user with that name.
func (s *Store) User(name string) (User, error) {
	var u User
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		u, err = txUser(tx, name)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

// dummySalt keeps a login for an unknown name as slow as a real one.
var dummySalt = make([]byte, 16)

// Login checks a user's password and, if right, issues a ticket valid for
// ttl. Only the ticket's hash is stored. A wrong name or password is
// ErrUnauthorized, after the same work either way.
func (s *Store) Login(name, password string, ttl time.Duration) (ticket string, expires time.Time, err error) {
	u, uerr := s.User(name)
	salt, want := dummySalt, make([]byte, kdfLen)
	if uerr == nil {
		salt, want = u.Salt, u.PasswordHash
	}
	ok := subtle.ConstantTimeCompare(hashPassword(password, salt), want) == 1
	if uerr != nil || !ok {
		return "", time.Time{}, ErrUnauthorized
	}
	if ticket, err = newToken(s.rand, 32); err != nil {
		return "", time.Time{}, err
	}
	now := s.now().UTC()
	expires = now.Add(ttl)
	err = s.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketTickets), hashSecret(ticket), ticketRecord{User: u.Name, Created: now, Expires: expires})
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return ticket, expires, nil
}

type ticketRecord struct {
	User    string    `json:"user"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// UserByTicket is the user a live ticket belongs to; an unknown or expired
// ticket is ErrUnauthorized.
func (s *Store) UserByTicket(ticket string) (User, error) {
	if ticket == "" {
		return User{}, ErrUnauthorized
	}
	var u User
	err := s.db.View(func(tx *bolt.Tx) error {
		var t ticketRecord
		if err := getJSON(tx.Bucket(bucketTickets), hashSecret(ticket), &t); err != nil {
			return ErrUnauthorized
		}
		if !s.now().Before(t.Expires) {
			return ErrUnauthorized
		}
		var err error
		if u, err = txUser(tx, t.User); err != nil {
			return ErrUnauthorized
		}
		return nil
	})
	return u, err
}

// Logout ends a ticket (and sweeps expired ones while it is there).
func (s *Store) Logout(ticket string) error {
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTickets)
		if err := b.Delete(hashSecret(ticket)); err != nil {
			return fmt.Errorf("delete ticket: %w", err)
		}
		var stale [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var t ticketRecord
			if err := jsonUnmarshal(v, &t); err != nil {
				return err
			}
			if !now.Before(t.Expires) {
				stale = append(stale, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return fmt.Errorf("delete ticket: %w", err)
			}
		}
		return nil
	})
}
