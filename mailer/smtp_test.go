package mailer_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"tillroll/internal/smtptest"
	"tillroll/mailer"
	"tillroll/store"
)

func TestMailDelivered(t *testing.T) {
	st := openStore(t, nil)
	newAccount(t, st, "shop")
	d := finish(t, st, "shop", "café receipt.jpg", "", "")
	waiting := ofKind(outbox(t, st, false), store.KindMail)
	if len(waiting) != 1 {
		t.Fatalf("want 1 mail waiting, got %d", len(waiting))
	}
	relay := smtptest.Start(t)

	m := mailer.NewMailer(st, mailer.SMTPConfig{Addr: relay.Addr, From: "Tillroll <tillroll@example.com>"}, mailer.Options{})
	stop := start(t, m.Run)
	m.Kick()
	got, ok := relay.Wait(1, waitTimeout)
	if !ok {
		t.Fatal("no mail arrived")
	}
	waitFor(t, "the mail recorded as sent", func() bool { return len(outbox(t, st, true)) == 1 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	msg := got[0]
	if msg.From != "tillroll@example.com" || len(msg.To) != 1 || msg.To[0] != "shop@example.com" || msg.User != "" {
		t.Errorf("envelope: from %q to %q user %q", msg.From, msg.To, msg.User)
	}
	if n, crlf := bytes.Count(msg.Data, []byte("\n")), bytes.Count(msg.Data, []byte("\r\n")); n != crlf {
		t.Errorf("%d of %d line ends are not CRLF", n-crlf, n)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(msg.Data))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, msg.Data)
	}
	h := parsed.Header
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	for name, want := range map[string]string{
		"From":         `"Tillroll" <tillroll@example.com>`,
		"To":           "<shop@example.com>",
		"Subject":      "Tillroll - The document has been processed",
		"Message-Id":   "<" + waiting[0].IdempotencyKey + "@example.com>",
		"Mime-Version": "1.0",
		"Content-Type": "text/plain; charset=utf-8",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(parsed.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	for _, want := range []string{d.Key, d.FileName, "completed"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}

	sent := outbox(t, st, true)[0]
	if sent.ID != waiting[0].ID || sent.Attempts != 1 || sent.LastError != "" {
		t.Errorf("sent record: %+v", sent)
	}
	if left := outbox(t, st, false); len(left) != 0 {
		t.Errorf("still waiting: %+v", left)
	}
}

func TestMailRetriesUntilRelayAccepts(t *testing.T) {
	st := openStore(t, nil)
	newAccount(t, st, "shop")
	d := finish(t, st, "shop", "r.jpg", "", "")
	relay := smtptest.Start(t)
	relay.Refuse(1)

	m := mailer.NewMailer(st, mailer.SMTPConfig{Addr: relay.Addr, From: "tillroll@example.com"},
		mailer.Options{BackoffBase: 50 * time.Millisecond, BackoffMax: time.Second})
	start(t, m.Run)
	m.Kick()
	waitFor(t, "the mail recorded as sent", func() bool { return len(outbox(t, st, true)) == 1 })

	got := relay.Messages()
	if len(got) != 1 || !bytes.Contains(got[0].Data, []byte(d.Key)) {
		t.Fatalf("relay has %d messages, want the one mail", len(got))
	}
	if sent := outbox(t, st, true)[0]; sent.Attempts != 2 {
		t.Errorf("attempts %d, want 2 (one refused, one accepted)", sent.Attempts)
	}
}

func TestMailAuth(t *testing.T) {
	const password = "correct-horse-battery-staple"
	relay := smtptest.Start(t)
	_, port, err := net.SplitHostPort(relay.Addr)
	if err != nil {
		t.Fatal(err)
	}
	for name, addr := range map[string]string{"loopback IP": relay.Addr, "localhost": net.JoinHostPort("localhost", port)} {
		t.Run(name, func(t *testing.T) {
			st := openStore(t, nil)
			newAccount(t, st, "shop")
			finish(t, st, "shop", "r.jpg", "", "")
			var logs logBuffer
			before := len(relay.Messages())

			m := mailer.NewMailer(st, mailer.SMTPConfig{Addr: addr, From: "tillroll@example.com", User: "receipts", Password: password},
				mailer.Options{Logger: logs.Logger()})
			start(t, m.Run)
			m.Kick()
			got, ok := relay.Wait(before+1, waitTimeout)
			if !ok {
				t.Fatal("no mail arrived")
			}
			if user := got[before].User; user != "receipts" {
				t.Errorf("logged in as %q, want receipts", user)
			}
			waitFor(t, "the mail recorded as sent", func() bool { return len(outbox(t, st, true)) == 1 })
			if strings.Contains(logs.String(), password) {
				t.Errorf("the password is in the log:\n%s", logs.String())
			}
		})
	}
}

// A relay elsewhere that offers no TLS must never see the password; without
// a password the same relay gets the mail.
func TestMailRefusesClearPasswordToRemoteRelay(t *testing.T) {
	const password = "correct-horse-battery-staple"
	ip := nonLoopbackIP(t)
	relay := smtptest.Start(t)
	remote := proxy(t, net.JoinHostPort(ip, "0"), relay.Addr)

	for _, tc := range []struct {
		name          string
		user          string
		wantDelivered bool
	}{
		{"without password", "", true},
		{"with password", "receipts", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t, nil)
			newAccount(t, st, "shop")
			finish(t, st, "shop", "r.jpg", "", "")
			var logs logBuffer
			before := len(relay.Messages())
			cfg := mailer.SMTPConfig{Addr: remote, From: "tillroll@example.com", User: tc.user}
			if tc.user != "" {
				cfg.Password = password
			}
			m := mailer.NewMailer(st, cfg, mailer.Options{Logger: logs.Logger()})
			stop := start(t, m.Run)
			m.Kick()

			if tc.wantDelivered {
				waitFor(t, "the mail recorded as sent", func() bool { return len(outbox(t, st, true)) == 1 })
				return
			}
			var failed store.Message
			waitFor(t, "a failed attempt", func() bool {
				w := outbox(t, st, false)
				if len(w) == 1 && w[0].Attempts == 1 {
					failed = w[0]
					return true
				}
				return false
			})
			if err := stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !strings.Contains(failed.LastError, "in clear") {
				t.Errorf("last error %q does not say why", failed.LastError)
			}
			if n := len(relay.Messages()); n != before {
				t.Errorf("the relay got the mail")
			}
			if strings.Contains(logs.String(), password) {
				t.Errorf("the password is in the log:\n%s", logs.String())
			}
		})
	}
}

// A relay that offers STARTTLS gets it, and the login goes over TLS: this
// relay offers AUTH only after STARTTLS. A certificate that does not verify
// stops the delivery rather than falling back to clear text.
func TestMailSTARTTLS(t *testing.T) {
	const password = "correct-horse-battery-staple"
	relay := smtptest.Start(t)
	cert, roots := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(relay) // the same recording backend, with TLS
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = waitTimeout, waitTimeout
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	for _, tc := range []struct {
		name          string
		tls           *tls.Config
		wantDelivered bool
	}{
		{"trusted certificate", &tls.Config{RootCAs: roots}, true},
		{"untrusted certificate", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t, nil)
			newAccount(t, st, "shop")
			finish(t, st, "shop", "r.jpg", "", "")
			before := len(relay.Messages())
			m := mailer.NewMailer(st, mailer.SMTPConfig{
				Addr: ln.Addr().String(), From: "tillroll@example.com",
				User: "receipts", Password: password, TLSConfig: tc.tls,
			}, mailer.Options{})
			start(t, m.Run)
			m.Kick()

			if tc.wantDelivered {
				got, ok := relay.Wait(before+1, waitTimeout)
				if !ok {
					t.Fatal("no mail arrived")
				}
				if got[before].User != "receipts" {
					t.Errorf("logged in as %q, want receipts", got[before].User)
				}
				waitFor(t, "the mail recorded as sent", func() bool { return len(outbox(t, st, true)) == 1 })
				return
			}
			waitFor(t, "a failed attempt", func() bool {
				w := outbox(t, st, false)
				return len(w) == 1 && w[0].Attempts == 1
			})
			if w := outbox(t, st, false)[0]; !strings.Contains(w.LastError, "certificate") {
				t.Errorf("last error %q does not name the certificate", w.LastError)
			}
			if n := len(relay.Messages()); n != before {
				t.Errorf("the relay got the mail")
			}
		})
	}
}

func TestMailWithoutRelayWaitsInOutbox(t *testing.T) {
	st := openStore(t, nil)
	newAccount(t, st, "shop")
	finish(t, st, "shop", "r.jpg", "", "")
	var logs logBuffer

	m := mailer.NewMailer(st, mailer.SMTPConfig{From: "tillroll@example.com"}, mailer.Options{Logger: logs.Logger()})
	for range 3 {
		m.Kick() // never blocks, running or not
	}
	stop := start(t, m.Run)
	waitFor(t, "the log line", func() bool {
		return strings.Contains(logs.String(), `level=INFO msg="no SMTP relay set: mail waits in the outbox"`)
	})
	m.Kick()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	waiting := outbox(t, st, false)
	if len(waiting) != 1 || waiting[0].Kind != store.KindMail || waiting[0].Attempts != 0 {
		t.Fatalf("want the mail waiting, untried: %+v", waiting)
	}
	if strings.Count(logs.String(), "no SMTP relay set") != 1 {
		t.Errorf("want the relay notice logged once:\n%s", logs.String())
	}
}

func TestMailerRunRejectsBadConfig(t *testing.T) {
	st := openStore(t, nil)
	for _, cfg := range []mailer.SMTPConfig{
		{Addr: "relay.example.com", From: "tillroll@example.com"},
		{Addr: "relay.example.com:587", From: "not an address"},
	} {
		m := mailer.NewMailer(st, cfg, mailer.Options{})
		if err := m.Run(t.Context()); err == nil {
			t.Errorf("Run with %q from %q: want an error", cfg.Addr, cfg.From)
		}
	}
}

// nonLoopbackIP is an address of this host that is not loopback, so that a
// relay listening there counts as remote.
func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skipf("interface addresses: %v", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Skip("this host has no non-loopback IPv4 address")
	return ""
}

// proxy forwards connections from a listener at addr to target until the
// test ends, and returns the listener's address.
func proxy(t *testing.T, addr, target string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				_ = in.Close()
				continue
			}
			pipe := func(dst, src net.Conn) {
				_, _ = io.Copy(dst, src)
				_ = dst.Close()
				_ = src.Close()
			}
			go pipe(in, out)
			go pipe(out, in)
		}
	}()
	return ln.Addr().String()
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and a pool
// that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test relay"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
