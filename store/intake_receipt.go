package store

import (
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

// Receipts-service users (shoppers, retailer staff) have intake addresses
// too: mail to one becomes that user's receipts, as if the app had
// uploaded each attachment (POST .../user/receipt/image) and then made a
// receipt of it (POST .../user/receipt). One identity may have both a
// capture account and a web user (store/identity.go), whose documents and
// receipts are different things, so a user's token is derived under
// another label: "alice+TOKEN" is either alice's capture address or her
// receipts address, never both.

// ImageLinkPath is where the receipts service serves an uploaded image
// (ImageLinkPath + token + "." + extension).
const ImageLinkPath = "/receipts-service/image/"

// Intake receipts stand for the app's fields, which a mail has not got.
const (
	IntakeStoreID  = "mail"
	IntakeLocation = "E-mail"
)

// UserIntakeToken is the random-looking token in a user's intake address.
func (s *Store) UserIntakeToken(name string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("tillroll receipts user intake address\x00"))
	m.Write([]byte(name))
	return strings.ToLower(base32.StdEncoding.EncodeToString(m.Sum(nil))[:8])
}

// UserIntakeLocal is the local part of the user's intake address.
func (s *Store) UserIntakeLocal(name string) string {
	return name + "+" + s.UserIntakeToken(name)
}

// IntakeTarget is whose documents a mail to an intake address becomes:
// a capture account's documents, or a receipts-service user's receipts.
// Exactly one of the two is set.
type IntakeTarget struct {
	Account string
	User    string
}

// Name is the account's or the user's name.
func (t IntakeTarget) Name() string { return t.Account + t.User }

// IntakeTarget finds whose intake address has this local part ("shop+k3j9x2ab",
// any case): an account's, else a user's. A wrong token is ErrNotFound, as
// an unknown name is.
func (s *Store) IntakeTarget(local string) (IntakeTarget, error) {
	a, err := s.IntakeAccount(local)
	if err == nil {
		return IntakeTarget{Account: a.Username}, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return IntakeTarget{}, err
	}
	local = strings.ToLower(local)
	i := strings.LastIndex(local, "+")
	if i < 0 {
		return IntakeTarget{}, fmt.Errorf("intake address %q: %w", local, ErrNotFound)
	}
	name, token := local[:i], local[i+1:]
	if !usernameRE.MatchString(name) || subtle.ConstantTimeCompare([]byte(token), []byte(s.UserIntakeToken(name))) != 1 {
		return IntakeTarget{}, fmt.Errorf("intake address %q: %w", local, ErrNotFound)
	}
	u, err := s.User(name)
	if err != nil {
		return IntakeTarget{}, err
	}
	return IntakeTarget{User: u.Name}, nil
}

// CheckUserPassword checks a receipts-service user's password (the mail
// server's SMTP AUTH), as slowly for an unknown name as for a known one.
func (s *Store) CheckUserPassword(name, password string) (User, error) {
	u, uerr := s.User(name)
	salt, want := dummySalt, make([]byte, kdfLen)
	if uerr == nil {
		salt, want = u.Salt, u.PasswordHash
	}
	if subtle.ConstantTimeCompare(hashPassword(password, salt), want) != 1 || uerr != nil {
		return User{}, ErrUnauthorized
	}
	return u, nil
}

// CreateIntakeReceipts makes each saved file (the attachments of one mail)
// a receipt of the user: an uploaded image and a receipt naming it, in
// status OCR with its job queued, as the API's two calls make them, but
// all the mail's receipts in one transaction with the marks, so a mail is
// acknowledged only once every receipt is committed, and a crash leaves
// no image without its receipt. The receipt's link is the image's path on
// this box (ImageLinkPath...), which the API and the web app show as a
// link to the host they were asked on. When the first mark is already
// recorded nothing is written and the error is ErrDuplicate.
func (s *Store) CreateIntakeReceipts(user string, files []NewDocument, marks ...IntakeMark) ([]Receipt, error) {
	type prepared struct {
		img  ReceiptImage
		in   NewReceipt
		uuid string
	}
	now := s.now().UTC()
	var list []prepared
	for _, f := range files {
		token, err := newToken(s.rand, 16)
		if err != nil {
			return nil, err
		}
		uuid, err := newUUID(s)
		if err != nil {
			return nil, err
		}
		img := ReceiptImage{Token: token, User: user, Path: f.File.Path, SHA256: f.File.SHA256, Kind: f.Kind, Size: f.File.Size, Created: now}
		list = append(list, prepared{img: img, uuid: uuid, in: NewReceipt{
			User: user, Accuracy: "0", Latitude: "0", Longitude: "0", StoreID: IntakeStoreID, LocationName: IntakeLocation,
			Links: []string{ImageLinkPath + token + "." + ocr.Kind(f.Kind).Ext()}, Images: []string{token}, Source: f.Source,
		}})
	}
	var out []Receipt
	err := s.db.Update(func(tx *bolt.Tx) error {
		out = out[:0]
		if len(marks) > 0 && tx.Bucket(bucketIntakeMarks).Get(marks[0]) != nil {
			return ErrDuplicate
		}
		ids := make([]byte, 0, 8*len(list))
		for _, p := range list {
			if err := s.putReceiptImage(tx, p.img); err != nil {
				return err
			}
			r, err := createReceipt(tx, p.in, p.uuid, now)
			if err != nil {
				return err
			}
			out = append(out, r)
			ids = append(ids, itob(r.DocIDs[0])...)
		}
		return putMarks(tx, marks, ids)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
