package store

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"
)

// SMTPSettings is the SMTP relay an admin saved on the web page. Once saved
// they win over the serve command's --smtp-* flags, until ClearSMTPSettings.
type SMTPSettings struct {
	// Addr is the relay's host:port; "" keeps mail waiting in the outbox.
	Addr string
	// From is the sender of notification mail.
	From string
	// User and Password log in with AUTH PLAIN when User is set. The
	// password is in clear here only: on disk it is sealed with the data
	// directory's key, as the accounts' secret keys are.
	User, Password string
	Updated        time.Time
	UpdatedBy      string
}

// smtpRecord is SMTPSettings as stored, under "smtp" in the settings bucket.
type smtpRecord struct {
	Addr           string    `json:"addr"`
	From           string    `json:"from"`
	User           string    `json:"user,omitempty"`
	SealedPassword []byte    `json:"sealed_password,omitempty"`
	Updated        time.Time `json:"updated"`
	UpdatedBy      string    `json:"updated_by,omitempty"`
}

var keySMTP = []byte("smtp")

// SMTPSettings returns the saved relay settings, the password unsealed; ok
// is false when an admin has saved none (the flags apply).
func (s *Store) SMTPSettings() (SMTPSettings, bool, error) {
	var r smtpRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketSettings), keySMTP, &r)
	})
	if errors.Is(err, ErrNotFound) {
		return SMTPSettings{}, false, nil
	}
	if err != nil {
		return SMTPSettings{}, false, fmt.Errorf("SMTP settings: %w", err)
	}
	out := SMTPSettings{Addr: r.Addr, From: r.From, User: r.User, Updated: r.Updated, UpdatedBy: r.UpdatedBy}
	if len(r.SealedPassword) > 0 {
		p, err := s.unseal(r.SealedPassword)
		if err != nil {
			return SMTPSettings{}, false, fmt.Errorf("SMTP password: %w", err)
		}
		out.Password = string(p)
	}
	return out, true, nil
}

// SaveSMTPSettings checks and saves the relay settings (Updated is set
// here). With keepPassword the saved password stays and in.Password is
// ignored; otherwise in.Password replaces it ("" removes it).
func (s *Store) SaveSMTPSettings(in SMTPSettings, keepPassword bool) error {
	in.Addr, in.From, in.User = strings.TrimSpace(in.Addr), strings.TrimSpace(in.From), strings.TrimSpace(in.User)
	if err := ValidateSMTPSettings(in); err != nil {
		return err
	}
	var sealed []byte
	if !keepPassword && in.Password != "" {
		var err error
		if sealed, err = s.seal([]byte(in.Password)); err != nil {
			return err
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSettings)
		if keepPassword {
			var old smtpRecord
			if err := getJSON(b, keySMTP, &old); err != nil && !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("SMTP settings: %w", err)
			}
			sealed = old.SealedPassword
		}
		if len(sealed) > 0 && in.User == "" {
			return fmt.Errorf("%w: a password is set but the user name is empty: enter the user name, or remove the password", ErrInvalid)
		}
		return putJSON(b, keySMTP, smtpRecord{
			Addr: in.Addr, From: in.From, User: in.User, SealedPassword: sealed,
			Updated: s.now().UTC(), UpdatedBy: in.UpdatedBy,
		})
	})
}

// ClearSMTPSettings forgets the saved settings: the flags apply again.
func (s *Store) ClearSMTPSettings() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketSettings).Delete(keySMTP); err != nil {
			return fmt.Errorf("delete SMTP settings: %w", err)
		}
		return nil
	})
}

// ValidateSMTPSettings checks the address, sender, user and password (but
// not the rule that a password needs a user, which depends on the saved
// password).
func ValidateSMTPSettings(in SMTPSettings) error {
	if in.Addr != "" {
		if err := validateRelayAddr(in.Addr); err != nil {
			return err
		}
	}
	if in.From == "" {
		return fmt.Errorf("%w: enter the sender address (From), as in tillroll@example.com", ErrInvalid)
	}
	if a, err := mail.ParseAddress(in.From); err != nil || len(in.From) > 320 || !strings.Contains(a.Address, "@") {
		return fmt.Errorf("%w: the sender %q is not a mail address, as in tillroll@example.com or Tillroll <tillroll@example.com>", ErrInvalid, in.From)
	}
	if len(in.User) > 255 || strings.ContainsFunc(in.User, unicode.IsControl) {
		return fmt.Errorf("%w: the user name must be at most 255 characters, without control characters", ErrInvalid)
	}
	if len(in.Password) > 1024 || strings.ContainsRune(in.Password, 0) {
		return fmt.Errorf("%w: the password must be at most 1024 characters, without NUL", ErrInvalid)
	}
	return nil
}

func validateRelayAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	bad := err != nil || host == "" || len(addr) > 255 ||
		strings.ContainsFunc(host, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/' })
	if !bad {
		n, perr := strconv.Atoi(port)
		bad = perr != nil || n < 1 || n > 65535
	}
	if bad {
		return fmt.Errorf("%w: the relay address %q is not host:port, as in mail.example.com:587", ErrInvalid, addr)
	}
	return nil
}
