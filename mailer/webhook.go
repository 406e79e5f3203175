package mailer

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"tillroll/store"
)

// Webhook request headers.
const (
	// SignatureHeader holds "sha256=" and the hex HMAC-SHA256 of the exact
	// body under the account's secret key.
	SignatureHeader = "X-Tillroll-Signature"
	// IdempotencyHeader holds the idempotency key, the same on a repeat.
	IdempotencyHeader = "X-Tillroll-Idempotency-Key"
)

const (
	webhookTimeout = 30 * time.Second
	// drainLimit is the most of a receiver's answer that is read: enough to
	// reuse the connection, never a large body.
	drainLimit = 4 << 10
)

// Keys gives the key an account's webhooks are signed with.
type Keys interface {
	SigningKey(account string) ([]byte, error)
}

// Webhooks posts the webhooks of the outbox.
type Webhooks struct {
	keys   Keys
	client *http.Client
	s      *sender
}

// NewWebhooks returns a Webhooks over the outbox, signing with keys; Run
// starts it.
func NewWebhooks(outbox Outbox, keys Keys, opt Options) *Webhooks {
	opt = opt.withDefaults()
	client := &http.Client{Timeout: webhookTimeout}
	if opt.HTTPClient != nil {
		c := *opt.HTTPClient
		client = &c
	}
	// A redirect is an answer, not a delivery: the receiver gets the body
	// only at the URL it was given.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	w := &Webhooks{keys: keys, client: client}
	w.s = newSender(store.KindWebhook, outbox, func() (deliverFunc, error) { return w.post, nil }, opt)
	return w
}

// Kick wakes the sender to look at the outbox now. It never blocks.
func (w *Webhooks) Kick() { w.s.Kick() }

// Run posts webhooks until ctx ends, then returns nil.
func (w *Webhooks) Run(ctx context.Context) error { return w.s.run(ctx) }

// post delivers one webhook: any 2xx answer is delivery; anything else is
// a failure to retry.
func (w *Webhooks) post(ctx context.Context, m store.Message) error {
	if err := store.ValidateWebhookURL(m.URL); err != nil {
		return err
	}
	host := m.URL
	if u, err := url.Parse(m.URL); err == nil {
		host = u.Host // the URL itself may carry a token
	}
	key, err := w.keys.SigningKey(m.Account)
	if err != nil {
		return fmt.Errorf("signing key of %q: %w", m.Account, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Payload))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tillroll")
	req.Header.Set(SignatureHeader, sign(key, m.Payload))
	req.Header.Set(IdempotencyHeader, m.IdempotencyKey)
	if m.AuthToken != "" {
		req.Header.Set("Authorization", m.AuthToken)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook to %s: %w", host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit)) // only to reuse the connection
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook to %s: answered %s", host, resp.Status)
	}
	return nil
}

// sign is the signature header's value for body under key.
func sign(key, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
