package mailer_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"tillroll/internal/smtptest"
	"tillroll/mailer"
	"tillroll/store"
)

// The mailer follows the settings an admin saves, without a restart: the
// flags' settings until then, the saved ones after, the flags again once
// they are forgotten.
func TestMailerFollowsSavedSettings(t *testing.T) {
	st := openStore(t, nil)
	newAccount(t, st, "shop")
	var logs logBuffer
	flags := mailer.SMTPConfig{From: "flags@example.com"} // no --smtp-addr
	m := mailer.NewMailerFunc(st, mailer.SavedOr(st, flags), mailer.Options{Logger: logs.Logger()})
	start(t, m.Run)

	finish(t, st, "shop", "first.jpg", "", "")
	m.Kick()
	waitFor(t, "the no-relay notice", func() bool { return strings.Contains(logs.String(), "no SMTP relay set") })
	if w := ofKind(outbox(t, st, false), store.KindMail); len(w) != 1 || w[0].Attempts != 0 {
		t.Fatalf("with no relay the mail must wait untried: %+v", w)
	}

	// An admin saves a relay: the waiting mail goes through it, with its login.
	first := smtptest.Start(t)
	first.RequireAuth("receipts", "s3cret")
	if err := st.SaveSMTPSettings(store.SMTPSettings{Addr: first.Addr, From: "saved@example.com", User: "receipts", Password: "s3cret"}, false); err != nil {
		t.Fatal(err)
	}
	m.Kick()
	got, ok := first.Wait(1, waitTimeout)
	if !ok {
		t.Fatal("the waiting mail did not go through the saved relay")
	}
	if got[0].From != "saved@example.com" || got[0].User != "receipts" {
		t.Errorf("sent from %q as %q, want the saved settings", got[0].From, got[0].User)
	}
	waitFor(t, "the mail recorded as sent", func() bool { return len(outbox(t, st, true)) == 1 })

	// Another relay saved: the next mail goes there.
	second := smtptest.Start(t)
	if err := st.SaveSMTPSettings(store.SMTPSettings{Addr: second.Addr, From: "saved@example.com"}, false); err != nil {
		t.Fatal(err)
	}
	finish(t, st, "shop", "second.jpg", "", "")
	m.Kick()
	if _, ok := second.Wait(1, waitTimeout); !ok {
		t.Fatal("the second mail did not go through the newly saved relay")
	}
	if n := len(first.Messages()); n != 1 {
		t.Errorf("the first relay got %d messages, want 1", n)
	}

	// Forgotten: the flags (no relay) apply again.
	if err := st.ClearSMTPSettings(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second mail recorded as sent", func() bool { return len(outbox(t, st, true)) == 2 })
	finish(t, st, "shop", "third.jpg", "", "")
	m.Kick()
	waitFor(t, "the no-relay notice again", func() bool { return strings.Count(logs.String(), "no SMTP relay set") == 2 })
	if w := ofKind(outbox(t, st, false), store.KindMail); len(w) != 1 || w[0].Attempts != 0 {
		t.Fatalf("after forgetting the settings the mail must wait untried: %+v", w)
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("the password is in the log:\n%s", logs.String())
	}
}

func TestMailerTest(t *testing.T) {
	const password = "correct-horse-battery-staple"
	st := openStore(t, nil)
	m := mailer.NewMailerFunc(st, mailer.SavedOr(st, mailer.SMTPConfig{From: "flags@example.com"}), mailer.Options{})
	save := func(cfg store.SMTPSettings) {
		t.Helper()
		if err := st.SaveSMTPSettings(cfg, false); err != nil {
			t.Fatal(err)
		}
	}

	if err := m.Test(t.Context(), "admin@example.com"); !errors.Is(err, mailer.ErrNoRelay) {
		t.Fatalf("with no relay: %v, want ErrNoRelay", err)
	}

	relay := smtptest.Start(t)
	relay.RequireAuth("receipts", password)
	save(store.SMTPSettings{Addr: relay.Addr, From: "Tillroll <tillroll@example.com>", User: "receipts", Password: password})
	if err := m.Test(t.Context(), "admin@example.com"); err != nil {
		t.Fatalf("test mail: %v", err)
	}
	got := relay.Messages()
	if len(got) != 1 || got[0].To[0] != "admin@example.com" || got[0].From != "tillroll@example.com" || got[0].User != "receipts" {
		t.Fatalf("relay got %+v", got)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(msg.Body)
	if msg.Header.Get("Subject") != mailer.TestSubject || !strings.Contains(string(body), relay.Addr) {
		t.Errorf("test mail: subject %q body %q", msg.Header.Get("Subject"), body)
	}
	if n := len(outbox(t, st, false)) + len(outbox(t, st, true)); n != 0 {
		t.Errorf("the test mail left %d messages in the outbox", n)
	}

	closed := smtptest.ClosedAddr(t)
	for _, tc := range []struct {
		name string
		cfg  store.SMTPSettings
		want []string
	}{
		{"nothing listens", store.SMTPSettings{Addr: closed, From: "tillroll@example.com"}, []string{closed, "refused"}},
		{"wrong password", store.SMTPSettings{Addr: relay.Addr, From: "tillroll@example.com", User: "receipts", Password: "wrong-" + password}, []string{"AUTH", "535", "credentials invalid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			save(tc.cfg)
			err := m.Test(t.Context(), "admin@example.com")
			if err == nil {
				t.Fatal("the test mail was sent")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error %q holds the password", err)
			}
		})
	}
	if n := len(relay.Messages()); n != 1 {
		t.Errorf("the relay has %d messages, want only the first test mail", n)
	}
}

// A relay that echoes the password in its refusal never gets it shown.
func TestMailerTestRedactsPassword(t *testing.T) {
	const password = "correct-horse-battery-staple"
	cfg := mailer.SMTPConfig{Addr: startEchoAuth(t), From: "tillroll@example.com", User: "receipts", Password: password}
	m := mailer.NewMailer(openStore(t, nil), cfg, mailer.Options{})
	err := m.Test(t.Context(), "admin@example.com")
	if err == nil || strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "[password]") {
		t.Fatalf("error %q: want the password replaced", err)
	}
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 535 {
		t.Errorf("the relay's answer is lost: %v", err)
	}
}

// Nor does the outbox record it, or the log, when the relay echoes it.
func TestMailerRedactsPasswordInOutbox(t *testing.T) {
	const password = "correct-horse-battery-staple"
	addr := startEchoAuth(t)
	st := openStore(t, nil)
	newAccount(t, st, "shop")
	finish(t, st, "shop", "r.jpg", "", "")
	var logs logBuffer
	cfg := mailer.SMTPConfig{Addr: addr, From: "tillroll@example.com", User: "receipts", Password: password}
	m := mailer.NewMailer(st, cfg, mailer.Options{Logger: logs.Logger()})
	start(t, m.Run)
	m.Kick()
	var failed store.Message
	waitFor(t, "a failed attempt", func() bool {
		w := outbox(t, st, false)
		if len(w) == 1 && w[0].Attempts == 1 {
			failed = w[0]
			return true
		}
		return false
	})
	if strings.Contains(failed.LastError, password) || !strings.Contains(failed.LastError, "[password]") {
		t.Errorf("last error %q: want the password replaced", failed.LastError)
	}
	if strings.Contains(logs.String(), password) {
		t.Errorf("the password is in the log:\n%s", logs.String())
	}
}

// startEchoAuth runs an echoAuth relay on loopback until the test ends.
func startEchoAuth(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(echoAuth{})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// echoAuth is a relay that refuses every login, quoting the password.
type echoAuth struct{}

func (echoAuth) NewSession(*smtp.Conn) (smtp.Session, error) { return echoSession{}, nil }

type echoSession struct{}

func (echoSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (echoSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, _, password string) error {
		return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad password " + password}
	}), nil
}
func (echoSession) Mail(string, *smtp.MailOptions) error { return nil }
func (echoSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (echoSession) Data(io.Reader) error                 { return nil }
func (echoSession) Reset()                               {}
func (echoSession) Logout() error                        { return nil }
