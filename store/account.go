package store

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"tillroll/ocr"
)

// Account is a capture-API account. Its secrets are kept hashed; the secret
// key is also kept sealed, because webhooks are signed with it.
type Account struct {
	Username      string    `json:"username"`
	Email         string    `json:"email"`
	ClientID      string    `json:"client_id"`
	APIKeyHash    []byte    `json:"api_key_hash"`
	PasswordHash  []byte    `json:"password_hash"`
	SecretKeyHash []byte    `json:"secret_key_hash"`
	SealedSecret  []byte    `json:"sealed_secret"`
	WebhookURL    string    `json:"webhook_url,omitempty"`
	Created       time.Time `json:"created"`
	// Issued is when the current credentials were made (at creation, or
	// when they were last regenerated).
	Issued time.Time `json:"issued,omitempty"`
	// Quota is the account's storage quota for originals, in bytes:
	// QuotaDefault (the server's --quota) or QuotaNone.
	Quota int64 `json:"quota,omitempty"`
	// Lang is the OCR language setting the account's documents are read
	// in when an upload names none (ocr.CheckLanguages: "auto", "deu",
	// "deu+eng"); "" is the server's --lang.
	Lang string `json:"lang,omitempty"`
	// Revoked is when the credentials were revoked with none made since
	// (ClientID and the hashes are empty then).
	Revoked time.Time `json:"revoked,omitzero"`
}

// Credentials are an account's secrets in clear, shown once at creation.
type Credentials struct {
	Username  string `json:"username"`
	ClientID  string `json:"client_id"`
	APIKey    string `json:"api_key"`
	Password  string `json:"password"`
	SecretKey string `json:"secret_key"`
}

// Usernames appear in photon keys (data/<username>/...), so they are
// plain: a name, or an e-mail address as Photon's usernames are. A photon
// key is only ever a key in the database, never a path on disk, and these
// characters hold no "/" or "..".
var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._+-]{0,63}(@[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)+)?$`)

// CreateAccount makes a new identity that has a capture account, and
// returns its credentials in clear: the only time they exist outside the
// client. A name any identity has is ErrExists: neither `tillroll account
// create` nor an anonymous /api/v4/register may give credentials to a web
// user; a web user makes their own with AddCredentials.
func (s *Store) CreateAccount(username, email string) (Credentials, error) {
	return s.issueAccount(username, email, false)
}

// AddCredentials gives an existing identity capture credentials, in clear
// once: a web user's own, made on the account page, or new ones after
// RevokeCredentials (the email, webhook, quota and documents stay). An
// identity whose credentials work is ErrExists.
func (s *Store) AddCredentials(name, email string) (Credentials, error) {
	return s.issueAccount(name, email, true)
}

func (s *Store) issueAccount(username, email string, existing bool) (Credentials, error) {
	username = strings.ToLower(username) // e-mail addresses are not told apart by case
	if !usernameRE.MatchString(username) || strings.Contains(username, "..") || len(username) > 254 {
		return Credentials{}, fmt.Errorf("%w: username must be 1-64 of a-z 0-9 . _ + - starting with a letter or digit, or an e-mail address", ErrInvalid)
	}
	if err := validateEmail(email); err != nil {
		return Credentials{}, err
	}
	c, fresh, err := s.newCredentials(username)
	if err != nil {
		return Credentials{}, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		id, err := getIdentity(tx, username)
		switch {
		case err == nil && !existing:
			return fmt.Errorf("account %q: the name is taken: %w", username, ErrExists)
		case errors.Is(err, ErrNotFound) && existing:
			return fmt.Errorf("identity %q: %w", username, ErrNotFound)
		case err != nil && !errors.Is(err, ErrNotFound):
			return err
		case id.HasCredentials():
			return fmt.Errorf("account %q: %w", username, ErrExists)
		}
		a := fresh
		if id.Account != nil { // revoked: the rest of the account stays
			a = *id.Account
			a.ClientID, a.APIKeyHash, a.PasswordHash = fresh.ClientID, fresh.APIKeyHash, fresh.PasswordHash
			a.SecretKeyHash, a.SealedSecret, a.Issued = fresh.SecretKeyHash, fresh.SealedSecret, fresh.Issued
			a.Revoked = time.Time{}
		} else {
			a.Created = fresh.Issued
		}
		a.Email = email
		if err := tx.Bucket(bucketAccountsByID).Put([]byte(a.ClientID), []byte(username)); err != nil {
			return fmt.Errorf("index account: %w", err)
		}
		return putAccount(tx, a)
	})
	if err != nil {
		return Credentials{}, err
	}
	return c, nil
}

// RegenerateCredentials gives the account four new credentials and returns
// them in clear, once. The old ones stop working when the transaction
// commits; the email address, webhook URL and documents stay. The secret key
// is sealed again, so webhooks are signed with the new one from then on.
func (s *Store) RegenerateCredentials(username string) (Credentials, error) {
	if !usernameRE.MatchString(username) {
		// Also the internal receipts account, which has no credentials.
		return Credentials{}, fmt.Errorf("account %q: %w", username, ErrNotFound)
	}
	c, fresh, err := s.newCredentials(username)
	if err != nil {
		return Credentials{}, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		byID := tx.Bucket(bucketAccountsByID)
		a, err := txAccount(tx, username)
		if err == nil && a.ClientID == "" {
			err = ErrNotFound // revoked: AddCredentials makes new ones
		}
		if err != nil {
			return fmt.Errorf("account %q: %w", username, err)
		}
		if err := byID.Delete([]byte(a.ClientID)); err != nil {
			return fmt.Errorf("unindex account: %w", err)
		}
		if err := byID.Put([]byte(fresh.ClientID), []byte(username)); err != nil {
			return fmt.Errorf("index account: %w", err)
		}
		a.ClientID, a.APIKeyHash, a.PasswordHash = fresh.ClientID, fresh.APIKeyHash, fresh.PasswordHash
		a.SecretKeyHash, a.SealedSecret, a.Issued = fresh.SecretKeyHash, fresh.SealedSecret, fresh.Issued
		return putAccount(tx, a)
	})
	if err != nil {
		return Credentials{}, err
	}
	return c, nil
}

// RevokeCredentials ends the account's capture credentials at once, with
// no new ones: the API, the mail server's login and the webhook signature
// stop working for it. The identity keeps its documents, email, webhook
// URL and quota; AddCredentials makes new credentials later.
func (s *Store) RevokeCredentials(username string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		a, err := txAccount(tx, username)
		if err == nil && a.ClientID == "" {
			err = ErrNotFound
		}
		if err != nil || internalIdentity(username) {
			return fmt.Errorf("credentials of %q: %w", username, ErrNotFound)
		}
		if err := tx.Bucket(bucketAccountsByID).Delete([]byte(a.ClientID)); err != nil {
			return fmt.Errorf("unindex account: %w", err)
		}
		a.ClientID, a.APIKeyHash, a.PasswordHash, a.SecretKeyHash, a.SealedSecret = "", nil, nil, nil, nil
		a.Revoked = s.now().UTC()
		return putAccount(tx, a)
	})
}

// newCredentials makes four random credentials and the account fields that
// keep them: hashes, and the secret key sealed for signing webhooks.
func (s *Store) newCredentials(username string) (Credentials, Account, error) {
	c := Credentials{Username: username}
	var err error
	for _, p := range []*string{&c.ClientID, &c.APIKey, &c.Password, &c.SecretKey} {
		if *p, err = newToken(s.rand, 32); err != nil {
			return Credentials{}, Account{}, err
		}
	}
	c.ClientID = c.ClientID[:32] // an identifier, not a secret: shorter reads better
	sealed, err := s.seal([]byte(c.SecretKey))
	if err != nil {
		return Credentials{}, Account{}, err
	}
	a := Account{
		Username:      username,
		ClientID:      c.ClientID,
		APIKeyHash:    hashSecret(c.APIKey),
		PasswordHash:  hashSecret(c.Password),
		SecretKeyHash: hashSecret(c.SecretKey),
		SealedSecret:  sealed,
		Issued:        s.now().UTC(),
	}
	return c, a, nil
}

// validateEmail accepts a plain address ("a@example.com"), nothing more.
func validateEmail(email string) error {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email {
		return fmt.Errorf("%w: email %q is not a plain address", ErrInvalid, email)
	}
	return nil
}

// Account returns the account with that username.
func (s *Store) Account(username string) (Account, error) {
	var a Account
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		a, err = txAccount(tx, username)
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("account %q: %w", username, err)
	}
	return a, nil
}

// Authenticate checks the four credentials of the capture API. Every secret
// is compared in constant time and all of them are always compared, so the
// answer takes as long whichever one is wrong.
func (s *Store) Authenticate(c Credentials) (Account, error) {
	a, err := s.Account(strings.ToLower(c.Username))
	if err != nil || a.ClientID == "" { // none, or revoked
		// Compare against something anyway to keep the timing flat.
		secretMatches(c.APIKey, make([]byte, 32))
		return Account{}, ErrUnauthorized
	}
	ok := secretMatches(c.APIKey, a.APIKeyHash)
	ok = secretMatches(c.Password, a.PasswordHash) && ok
	ok = secretMatches(c.SecretKey, a.SecretKeyHash) && ok
	ok = subtle.ConstantTimeCompare([]byte(c.ClientID), []byte(a.ClientID)) == 1 && ok
	if !ok {
		return Account{}, ErrUnauthorized
	}
	return a, nil
}

// SigningKey is the account's secret key, with which its webhooks are signed.
func (s *Store) SigningKey(username string) ([]byte, error) {
	a, err := s.Account(username)
	if err != nil {
		return nil, err
	}
	if a.ClientID == "" {
		return nil, fmt.Errorf("account %q: its credentials are revoked: %w", username, ErrNotFound)
	}
	return s.unseal(a.SealedSecret)
}

// SetWebhook sets (or, with "", clears) the account's webhook URL.
func (s *Store) SetWebhook(username, rawURL string) error {
	if rawURL != "" {
		if err := ValidateWebhookURL(rawURL); err != nil {
			return err
		}
	}
	return s.updateAccount(username, func(a *Account) { a.WebhookURL = rawURL })
}

// SetEmail changes the address the account's notifications go to, with
// the same check as CreateAccount.
func (s *Store) SetEmail(username, email string) error {
	if !usernameRE.MatchString(username) {
		return fmt.Errorf("account %q: %w", username, ErrNotFound)
	}
	if err := validateEmail(email); err != nil {
		return err
	}
	return s.updateAccount(username, func(a *Account) { a.Email = email })
}

// SetLanguage sets (or, with "", clears) the account's OCR language
// setting. The caller checks that its languages are installed
// (ocr.CheckLanguages); the store keeps only a setting Tesseract could
// take.
func (s *Store) SetLanguage(username, setting string) error {
	if setting != "" {
		if _, _, err := ocr.ParseLanguages(setting); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	return s.updateAccount(username, func(a *Account) { a.Lang = setting })
}

// updateAccount changes one account in one transaction.
func (s *Store) updateAccount(username string, change func(*Account)) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		a, err := txAccount(tx, username)
		if err != nil {
			return fmt.Errorf("account %q: %w", username, err)
		}
		change(&a)
		return putAccount(tx, a)
	})
}

// ValidateWebhookURL accepts absolute http and https URLs only.
func ValidateWebhookURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	// Not UTF-8 (or decoded from bytes that were not: U+FFFD), or with
	// spaces or control characters: no receiver has such a URL.
	plain := utf8.ValidString(rawURL) && !strings.ContainsFunc(rawURL, func(r rune) bool {
		return r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r)
	})
	if err != nil || !plain || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(rawURL) > 2048 {
		return fmt.Errorf("%w: webhook URL must be an absolute http or https URL", ErrInvalid)
	}
	return nil
}
