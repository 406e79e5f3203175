package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"tillroll/ocr"
)

// The intake stage (package intake: the mail server, watch folders, IMAP)
// stores what it takes in through SaveUpload and CreateDocuments, the same
// road as an HTTP upload, and needs neither the OCR engine nor HTTP. These
// are the file-kind refusals of SaveUpload, under names that need no
// import of package ocr.
var (
	ErrEmptyFile       = ocr.ErrEmpty
	ErrUnsupportedFile = ocr.ErrUnsupported
)

// ErrDuplicate is returned by CreateDocuments when the intake's first mark
// is already recorded: the same message or file was taken in before.
var ErrDuplicate = errors.New("already taken in")

// Source says where a document came from when it did not come through the
// HTTP API: a mail (SMTP or IMAP) or a watched folder.
type Source struct {
	Via       string `json:"via"` // "smtp", "imap" or "watch"
	From      string `json:"from,omitempty"`
	Subject   string `json:"subject,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	Part      string `json:"part,omitempty"` // which part of the mail: an attachment's name, "text" for the mail's own text
	Path      string `json:"path,omitempty"` // a watched file, relative to its folder
	// ReplyTo is where the reply goes when the document is processed; set
	// only by the mail server, when replies are on and the sender may get
	// one (intake.SMTPConfig.Reply).
	ReplyTo string `json:"reply_to,omitempty"`
}

// IntakeAddressToken is the random-looking token in an account's intake
// address (shop+k3j9x2ab@...). It is derived from the data directory's
// secret key, so it needs no record, cannot be guessed from the username,
// and is the same on every start.
func (s *Store) IntakeAddressToken(username string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("tillroll intake address\x00"))
	m.Write([]byte(username))
	return strings.ToLower(base32.StdEncoding.EncodeToString(m.Sum(nil))[:8])
}

// IntakeLocal is the local part of the account's intake address (before
// the @): the username, its own @ (usernames may be e-mail addresses)
// written as =, then + and the token.
func (s *Store) IntakeLocal(username string) string {
	return strings.Replace(username, "@", "=", 1) + "+" + s.IntakeAddressToken(username)
}

// IntakeAccount is the account whose intake address has this local part
// ("shop+k3j9x2ab", any case). A wrong token is ErrNotFound, as an unknown
// account is.
func (s *Store) IntakeAccount(local string) (Account, error) {
	local = strings.ToLower(local)
	i := strings.LastIndex(local, "+")
	if i < 0 {
		return Account{}, fmt.Errorf("intake address %q: %w", local, ErrNotFound)
	}
	user, token := strings.Replace(local[:i], "=", "@", 1), local[i+1:]
	if !usernameRE.MatchString(user) {
		return Account{}, fmt.Errorf("intake address %q: %w", local, ErrNotFound)
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.IntakeAddressToken(user))) != 1 {
		return Account{}, fmt.Errorf("intake address %q: %w", local, ErrNotFound)
	}
	return s.Account(user)
}

// CheckPassword checks an account's password (one of its four capture-API
// credentials), in constant time: the mail server's SMTP AUTH.
func (s *Store) CheckPassword(username, password string) (Account, error) {
	a, err := s.Account(username)
	if err != nil {
		secretMatches(password, make([]byte, 32))
		return Account{}, ErrUnauthorized
	}
	if !secretMatches(password, a.PasswordHash) {
		return Account{}, ErrUnauthorized
	}
	return a, nil
}

// IntakeMark is a key that records that something was taken in: a mail's
// account, Message-ID and bytes, an IMAP message's UID, a watched file.
// Callers build it with MarkKey.
type IntakeMark []byte

// MarkKey joins the parts of a mark with NULs.
func MarkKey(parts ...string) IntakeMark {
	return IntakeMark(strings.Join(parts, "\x00"))
}

// IntakeMarked reports whether the mark is recorded.
func (s *Store) IntakeMarked(m IntakeMark) (bool, error) {
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
		found = tx.Bucket(bucketIntakeMarks).Get(m) != nil
		return nil
	})
	return found, err
}

// MarkIntake records marks with no document: a message seen again under a
// new IMAP UID, a mail with nothing in it to read.
func (s *Store) MarkIntake(marks ...IntakeMark) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return putMarks(tx, marks, nil)
	})
}

// CreateDocuments records the documents of one intake (every part of a
// mail, or one watched file), whose files are already saved, and queues
// their jobs, all in one transaction with the marks: either all of it is
// committed or none. When the first mark is already recorded nothing is
// written and the error is ErrDuplicate.
func (s *Store) CreateDocuments(ins []NewDocument, marks ...IntakeMark) ([]Document, error) {
	now := s.now().UTC()
	var out []Document
	err := s.db.Update(func(tx *bolt.Tx) error {
		out = out[:0]
		if len(marks) > 0 && tx.Bucket(bucketIntakeMarks).Get(marks[0]) != nil {
			return ErrDuplicate
		}
		for _, in := range ins {
			if !hasAccount(tx, in.Account) {
				return fmt.Errorf("account %q: %w", in.Account, ErrNotFound)
			}
			d := newDocument(in, now)
			if err := s.charge(tx, in.Account, d.Size); err != nil {
				return err
			}
			if err := insertDocument(tx, &d, stem(d.FileName), s.datedKeys); err != nil {
				return err
			}
			out = append(out, d)
		}
		ids := make([]byte, 0, 8*len(out))
		for _, d := range out {
			ids = append(ids, itob(d.ID)...)
		}
		return putMarks(tx, marks, ids)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// putMarks records each mark with the ids of the documents it made (8-byte
// big-endian each). A mark is never overwritten.
func putMarks(tx *bolt.Tx, marks []IntakeMark, ids []byte) error {
	b := tx.Bucket(bucketIntakeMarks)
	for _, m := range marks {
		if len(m) == 0 || len(m) > bolt.MaxKeySize {
			return fmt.Errorf("%w: intake mark of %d bytes", ErrInvalid, len(m))
		}
		if b.Get(m) != nil {
			continue
		}
		if err := b.Put(bytes.Clone(m), bytes.Clone(ids)); err != nil {
			return fmt.Errorf("record intake mark: %w", err)
		}
	}
	return nil
}
