package mailer_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tillroll/mailer"
	"tillroll/store"
)

// request is what a test receiver saw of one webhook.
type request struct {
	method, path string
	header       http.Header
	body         []byte
}

// receiver is a real HTTP server that records webhooks and answers them
// with the statuses given, then 200.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []request
	statuses []int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, request{req.Method, req.URL.Path, req.Header.Clone(), body})
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		if status == http.StatusFound {
			http.Redirect(w, req, "/elsewhere", status)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.got...)
}

func TestWebhookSignedAndDelivered(t *testing.T) {
	for _, tc := range []struct {
		name, accountURL, uploadURL, wantPath string
	}{
		{"account URL", "/account", "", "/account"},
		{"upload URL overrides the account's", "/account", "/upload", "/upload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t, nil)
			creds := newAccount(t, st, "shop")
			recv := newReceiver(t)
			if err := st.SetWebhook("shop", recv.URL+tc.accountURL); err != nil {
				t.Fatal(err)
			}
			upload := ""
			if tc.uploadURL != "" {
				upload = recv.URL + tc.uploadURL
			}
			d := finish(t, st, "shop", "r.jpg", upload, "")

			hooks := mailer.NewWebhooks(st, st, mailer.Options{})
			stop := start(t, hooks.Run)
			hooks.Kick()
			waitFor(t, "the webhook recorded as sent", func() bool {
				return len(ofKind(outbox(t, st, true), store.KindWebhook)) == 1
			})
			if err := stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}

			got := recv.requests()
			if len(got) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(got))
			}
			req := got[0]
			if req.method != http.MethodPost || req.path != tc.wantPath {
				t.Errorf("%s %s, want POST %s", req.method, req.path, tc.wantPath)
			}
			if ct, ua := req.header.Get("Content-Type"), req.header.Get("User-Agent"); ct != "application/json" || ua != "Tillroll" {
				t.Errorf("Content-Type %q, User-Agent %q", ct, ua)
			}
			// The receiver checks the body with the secret key it was given
			// when the account was made.
			if !validSignature(req.header.Get("X-Tillroll-Signature"), req.body, creds.SecretKey) {
				t.Errorf("signature %q does not verify", req.header.Get("X-Tillroll-Signature"))
			}
			if validSignature(req.header.Get("X-Tillroll-Signature"), req.body, creds.SecretKey+"x") {
				t.Errorf("signature verifies under the wrong key")
			}
			var p struct {
				PhotonKey      string `json:"photon_key"`
				IdempotencyKey string `json:"idempotency_key"`
				Data           struct {
					Status string
					Total  float64
				} `json:"data"`
			}
			if err := json.Unmarshal(req.body, &p); err != nil {
				t.Fatalf("body: %v", err)
			}
			if p.PhotonKey != d.Key || p.Data.Status != "completed" || p.Data.Total != 12.5 {
				t.Errorf("body: %s", req.body)
			}
			if h := req.header.Get("X-Tillroll-Idempotency-Key"); h == "" || h != p.IdempotencyKey {
				t.Errorf("idempotency header %q, body %q", h, p.IdempotencyKey)
			}
		})
	}
}

func validSignature(header string, body []byte, secret string) bool {
	sig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

func TestWebhookRetriesWithSameKey(t *testing.T) {
	st := openStore(t, nil)
	creds := newAccount(t, st, "shop")
	recv := newReceiver(t, http.StatusInternalServerError)
	d := finish(t, st, "shop", "r.jpg", recv.URL+"/hook", "")

	hooks := mailer.NewWebhooks(st, st, mailer.Options{BackoffBase: 50 * time.Millisecond, BackoffMax: time.Second})
	start(t, hooks.Run)
	hooks.Kick()
	waitFor(t, "the webhook recorded as sent", func() bool {
		return len(ofKind(outbox(t, st, true), store.KindWebhook)) == 1
	})

	got := recv.requests()
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests, want 2 (a 500, then a 200)", len(got))
	}
	first, second := got[0], got[1]
	key := first.header.Get("X-Tillroll-Idempotency-Key")
	if key == "" || second.header.Get("X-Tillroll-Idempotency-Key") != key {
		t.Errorf("idempotency keys %q then %q", key, second.header.Get("X-Tillroll-Idempotency-Key"))
	}
	if string(first.body) != string(second.body) || !strings.Contains(string(first.body), d.Key) {
		t.Errorf("bodies differ or lack the photon key:\n%s\n%s", first.body, second.body)
	}
	for _, r := range got {
		if !validSignature(r.header.Get("X-Tillroll-Signature"), r.body, creds.SecretKey) {
			t.Errorf("signature does not verify")
		}
	}
	if sent := ofKind(outbox(t, st, true), store.KindWebhook)[0]; sent.Attempts != 2 || sent.IdempotencyKey != key {
		t.Errorf("sent record: attempts %d key %q", sent.Attempts, sent.IdempotencyKey)
	}
}

// A redirect is not delivery, and the body never goes to where it points.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	st := openStore(t, nil)
	newAccount(t, st, "shop")
	recv := newReceiver(t, http.StatusFound)
	finish(t, st, "shop", "r.jpg", recv.URL+"/hook", "")

	hooks := mailer.NewWebhooks(st, st, mailer.Options{})
	stop := start(t, hooks.Run)
	hooks.Kick()
	waitFor(t, "a failed attempt", func() bool {
		w := ofKind(outbox(t, st, false), store.KindWebhook)
		return len(w) == 1 && w[0].Attempts == 1
	})
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if w := ofKind(outbox(t, st, false), store.KindWebhook)[0]; !strings.Contains(w.LastError, "302") {
		t.Errorf("last error %q", w.LastError)
	}
	for _, r := range recv.requests() {
		if r.path != "/hook" {
			t.Errorf("request to %s", r.path)
		}
	}
}

// The retry schedule, on an injected clock shared with the store: 30 s
// after the first failure, doubling, at most an hour.
func TestBackoffSchedule(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	st := openStore(t, clk.Now)
	newAccount(t, st, "shop")
	recv := newReceiver(t, http.StatusServiceUnavailable, http.StatusServiceUnavailable,
		http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable,
		http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable,
		http.StatusServiceUnavailable)
	finish(t, st, "shop", "r.jpg", recv.URL+"/hook", "")

	hooks := mailer.NewWebhooks(st, st, mailer.Options{Now: clk.Now})
	start(t, hooks.Run)
	hooks.Kick()
	want := []time.Duration{
		30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour,
	}
	for i, wait := range want {
		attempts := i + 1
		var m store.Message
		waitFor(t, "a failed attempt", func() bool {
			w := ofKind(outbox(t, st, false), store.KindWebhook)
			if len(w) == 1 && w[0].Attempts == attempts {
				m = w[0]
				return true
			}
			return false
		})
		if got := m.NextAttempt.Sub(clk.Now()); got != wait {
			t.Errorf("after attempt %d: next in %v, want %v", attempts, got, wait)
		}
		if m.LastError == "" {
			t.Errorf("after attempt %d: no last error", attempts)
		}
		clk.Set(m.NextAttempt)
		hooks.Kick()
	}
	waitFor(t, "the webhook recorded as sent", func() bool {
		return len(ofKind(outbox(t, st, true), store.KindWebhook)) == 1
	})
	if n := len(recv.requests()); n != len(want)+1 {
		t.Errorf("receiver got %d requests, want %d", n, len(want)+1)
	}
}

// Shutting down during a delivery leaves the message waiting, its attempt
// not counted: it goes out on the next start.
func TestShutdownKeepsMessage(t *testing.T) {
	st := openStore(t, nil)
	newAccount(t, st, "shop")
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case arrived <- struct{}{}:
		default:
		}
		// A receiver that hangs until the sender gives up.
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(recv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	finish(t, st, "shop", "r.jpg", recv.URL+"/hook", "")

	hooks := mailer.NewWebhooks(st, st, mailer.Options{})
	stop := start(t, hooks.Run)
	hooks.Kick()
	select {
	case <-arrived:
	case <-time.After(waitTimeout):
		t.Fatal("the webhook never arrived")
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	w := ofKind(outbox(t, st, false), store.KindWebhook)
	if len(w) != 1 || w[0].Attempts != 0 || w[0].LastError != "" {
		t.Fatalf("want the webhook waiting, untried: %+v", w)
	}
}
