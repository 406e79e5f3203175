package store

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// IMAPMailbox is a mailbox an admin added for Tillroll to pull documents
// from (package intake polls it). The password is in clear here only: on
// disk it is sealed with the data directory's key, as the SMTP relay's is.
type IMAPMailbox struct {
	ID       uint64
	Account  string // whose documents its mails become
	Host     string
	Port     int
	Security string // "tls", "starttls" or "none"
	User     string
	Password string
	Folder   string        // "" is INBOX
	After    string        // "seen", "move:FOLDER" or "delete"
	Interval time.Duration // 0 is a minute
	Created  time.Time
	AddedBy  string
}

type imapRecord struct {
	ID             uint64        `json:"id"`
	Account        string        `json:"account"`
	Host           string        `json:"host"`
	Port           int           `json:"port"`
	Security       string        `json:"security"`
	User           string        `json:"user"`
	SealedPassword []byte        `json:"sealed_password,omitempty"`
	Folder         string        `json:"folder,omitempty"`
	After          string        `json:"after"`
	Interval       time.Duration `json:"interval,omitempty"`
	Created        time.Time     `json:"created"`
	AddedBy        string        `json:"added_by,omitempty"`
}

// Addr is host:port.
func (m IMAPMailbox) Addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// ValidateIMAPMailbox checks what needs no connection.
func ValidateIMAPMailbox(m IMAPMailbox) error {
	switch {
	case m.Host == "" || strings.ContainsAny(m.Host, " /\\@") || len(m.Host) > 253:
		return fmt.Errorf("%w: IMAP host %q", ErrInvalid, m.Host)
	case m.Port < 1 || m.Port > 65535:
		return fmt.Errorf("%w: IMAP port %d", ErrInvalid, m.Port)
	case m.Security != "tls" && m.Security != "starttls" && m.Security != "none":
		return fmt.Errorf("%w: IMAP security must be tls, starttls or none", ErrInvalid)
	case m.User == "" || len(m.User) > 320:
		return fmt.Errorf("%w: IMAP user is required", ErrInvalid)
	case m.After != "seen" && m.After != "delete" && !(strings.HasPrefix(m.After, "move:") && len(m.After) > 5):
		return fmt.Errorf("%w: after must be seen, move:FOLDER or delete", ErrInvalid)
	case m.Interval != 0 && m.Interval < 10*time.Second:
		return fmt.Errorf("%w: IMAP interval must be at least 10 s", ErrInvalid)
	case len(m.Folder) > 200 || strings.ContainsAny(m.Folder, "\r\n"):
		return fmt.Errorf("%w: IMAP folder %q", ErrInvalid, m.Folder)
	}
	return nil
}

// AddIMAPMailbox checks and saves a mailbox, its password sealed, and
// gives it its id.
func (s *Store) AddIMAPMailbox(m IMAPMailbox) (IMAPMailbox, error) {
	m.Host, m.User, m.Folder, m.After = strings.TrimSpace(m.Host), strings.TrimSpace(m.User), strings.TrimSpace(m.Folder), strings.TrimSpace(m.After)
	if err := ValidateIMAPMailbox(m); err != nil {
		return IMAPMailbox{}, err
	}
	var sealed []byte
	if m.Password != "" {
		var err error
		if sealed, err = s.seal([]byte(m.Password)); err != nil {
			return IMAPMailbox{}, err
		}
	}
	m.Created = s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if !hasAccount(tx, m.Account) {
			return fmt.Errorf("account %q: %w", m.Account, ErrNotFound)
		}
		b := tx.Bucket(bucketIMAPMailboxes)
		id, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("next id: %w", err)
		}
		m.ID = id
		return putJSON(b, itob(id), imapRecord{
			ID: id, Account: m.Account, Host: m.Host, Port: m.Port, Security: m.Security, User: m.User,
			SealedPassword: sealed, Folder: m.Folder, After: m.After, Interval: m.Interval, Created: m.Created, AddedBy: m.AddedBy,
		})
	})
	if err != nil {
		return IMAPMailbox{}, err
	}
	return m, nil
}

// IMAPMailboxes lists the saved mailboxes in the order they were added,
// passwords unsealed.
func (s *Store) IMAPMailboxes() ([]IMAPMailbox, error) {
	var recs []imapRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIMAPMailboxes).ForEach(func(_, v []byte) error {
			var r imapRecord
			if err := jsonUnmarshal(v, &r); err != nil {
				return err
			}
			recs = append(recs, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("IMAP mailboxes: %w", err)
	}
	out := make([]IMAPMailbox, 0, len(recs))
	for _, r := range recs {
		m := IMAPMailbox{ID: r.ID, Account: r.Account, Host: r.Host, Port: r.Port, Security: r.Security, User: r.User,
			Folder: r.Folder, After: r.After, Interval: r.Interval, Created: r.Created, AddedBy: r.AddedBy}
		if len(r.SealedPassword) > 0 {
			p, err := s.unseal(r.SealedPassword)
			if err != nil {
				return nil, fmt.Errorf("IMAP password of mailbox %d: %w", r.ID, err)
			}
			m.Password = string(p)
		}
		out = append(out, m)
	}
	return out, nil
}

// DeleteIMAPMailbox removes a saved mailbox. What it took in stays, and so
// do the marks of the mails taken.
func (s *Store) DeleteIMAPMailbox(id uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIMAPMailboxes)
		if b.Get(itob(id)) == nil {
			return fmt.Errorf("IMAP mailbox %d: %w", id, ErrNotFound)
		}
		return b.Delete(itob(id))
	})
}
