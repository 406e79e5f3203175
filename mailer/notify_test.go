package mailer_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/mailer"
	"tillroll/store"
)

func TestNotifications(t *testing.T) {
	created := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	completed := capture.Result{Vendor_Name: "Corner Shop", Total: 12.5, Line_Items: []capture.LineItem{}, Confidence: map[string]int{"Total": 90}}
	doc := func(status, reason, webhook string) store.Document {
		r := completed
		return store.Document{
			ID: 7, Key: "data/shop/receipt.json", Account: "shop", FileName: "receipt.jpg",
			Status: status, Reason: reason, WebhookURL: webhook, Result: &r, Created: created,
		}
	}
	tests := []struct {
		name        string
		doc         store.Document
		acct        store.Account
		wantKinds   []string
		wantURL     string
		wantInBody  []string
		wantNotBody []string
	}{
		{
			name: "nothing to notify",
			doc:  doc(capture.StatusCompleted, "", ""),
			acct: store.Account{Username: "shop"},
		},
		{
			name:        "mail only",
			doc:         doc(capture.StatusCompleted, "", ""),
			acct:        store.Account{Username: "shop", Email: "shop@example.com"},
			wantKinds:   []string{store.KindMail},
			wantInBody:  []string{"data/shop/receipt.json", "receipt.jpg", "completed"},
			wantNotBody: []string{"Reason"},
		},
		{
			name:       "failed, with reason",
			doc:        doc(capture.StatusFailed, "the file is damaged or truncated", ""),
			acct:       store.Account{Username: "shop", Email: "shop@example.com"},
			wantKinds:  []string{store.KindMail},
			wantInBody: []string{"data/shop/receipt.json", "failed", "the file is damaged or truncated"},
		},
		{
			name:      "account webhook",
			doc:       doc(capture.StatusCompleted, "", ""),
			acct:      store.Account{Username: "shop", Email: "shop@example.com", WebhookURL: "https://hooks.example.com/account"},
			wantKinds: []string{store.KindMail, store.KindWebhook},
			wantURL:   "https://hooks.example.com/account",
		},
		{
			name:      "upload webhook overrides the account's",
			doc:       doc(capture.StatusCompleted, "", "https://hooks.example.com/upload"),
			acct:      store.Account{Username: "shop", WebhookURL: "https://hooks.example.com/account"},
			wantKinds: []string{store.KindWebhook},
			wantURL:   "https://hooks.example.com/upload",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msgs := mailer.Notifications(tc.doc, tc.acct)
			var kinds []string
			for _, m := range msgs {
				kinds = append(kinds, m.Kind)
				if m.Account != "shop" || m.DocID != 7 || m.IdempotencyKey == "" {
					t.Errorf("%s: account %q doc %d key %q", m.Kind, m.Account, m.DocID, m.IdempotencyKey)
				}
			}
			if !slices.Equal(kinds, tc.wantKinds) {
				t.Fatalf("kinds %v, want %v", kinds, tc.wantKinds)
			}
			// The same document always gives the same keys: a repeat is
			// recognisable.
			again := mailer.Notifications(tc.doc, tc.acct)
			for i := range msgs {
				if again[i].IdempotencyKey != msgs[i].IdempotencyKey {
					t.Errorf("idempotency key not deterministic: %q then %q", msgs[i].IdempotencyKey, again[i].IdempotencyKey)
				}
			}
			if len(msgs) == 2 && msgs[0].IdempotencyKey == msgs[1].IdempotencyKey {
				t.Errorf("mail and webhook share the key %q", msgs[0].IdempotencyKey)
			}
			for _, m := range msgs {
				switch m.Kind {
				case store.KindMail:
					checkMail(t, m, tc.acct.Email, tc.wantInBody, tc.wantNotBody)
				case store.KindWebhook:
					checkWebhook(t, m, tc.doc, tc.wantURL)
				}
			}
		})
	}
}

func checkMail(t *testing.T, m store.Message, to string, in, notIn []string) {
	t.Helper()
	if m.To != to || m.Subject != "Tillroll - The document has been processed" {
		t.Errorf("mail to %q subject %q", m.To, m.Subject)
	}
	for _, s := range in {
		if !strings.Contains(m.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, m.Body)
		}
	}
	for _, s := range notIn {
		if strings.Contains(m.Body, s) {
			t.Errorf("body has %q:\n%s", s, m.Body)
		}
	}
}

func checkWebhook(t *testing.T, m store.Message, d store.Document, url string) {
	t.Helper()
	if m.URL != url {
		t.Errorf("webhook URL %q, want %q", m.URL, url)
	}
	var p struct {
		PhotonKey      string                     `json:"photon_key"`
		Data           map[string]json.RawMessage `json:"data"`
		IdempotencyKey string                     `json:"idempotency_key"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatalf("payload: %v\n%s", err, m.Payload)
	}
	if p.PhotonKey != d.Key || p.IdempotencyKey != m.IdempotencyKey {
		t.Errorf("payload photon_key %q idempotency_key %q; message key %q", p.PhotonKey, p.IdempotencyKey, m.IdempotencyKey)
	}
	if string(p.Data["Status"]) != `"completed"` || string(p.Data["Total"]) != "12.5" || string(p.Data["Vendor_Name"]) != `"Corner Shop"` {
		t.Errorf("payload data: %s", m.Payload)
	}
	if _, ok := p.Data["Confidence"]; ok {
		t.Errorf("payload data has Confidence, which the API shows only on request")
	}
}

// A document with the same id in a new data directory is another document:
// it must not share the idempotency key receivers drop repeats by.
func TestIdempotencyKeyDiffersAcrossDataDirectories(t *testing.T) {
	acct := store.Account{Username: "shop", Email: "shop@example.com"}
	d := store.Document{ID: 1, Key: "data/shop/r.json", Account: "shop", Status: capture.StatusCompleted, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	first := mailer.Notifications(d, acct)[0].IdempotencyKey
	d.Created = d.Created.Add(time.Hour)
	if again := mailer.Notifications(d, acct)[0].IdempotencyKey; again == first {
		t.Errorf("same key %q for two documents", first)
	}
}
