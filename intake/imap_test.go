package intake

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"tillroll/internal/testrun"
)

// imapBox is a real IMAP server (go-imap's in-memory one) on loopback.
type imapBox struct {
	mem  *imapmemserver.Server
	addr string
	srv  *imapserver.Server
}

func startIMAP(t *testing.T, mem *imapmemserver.Server) *imapBox {
	t.Helper()
	tlsCfg, err := LoadTLS(t.TempDir(), "", "", "imap.test")
	if err != nil {
		t.Fatal(err)
	}
	srv := imapserver.New(&imapserver.Options{
		TLSConfig: tlsCfg,
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		InsecureAuth: true,
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &imapBox{mem: mem, addr: ln.Addr().String(), srv: srv}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

func newMailbox(t *testing.T) *imapmemserver.Server {
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("invoices", "s3cret")
	for _, f := range []string{"INBOX", "Done"} {
		if err := u.Create(f, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(u)
	return mem
}

// supplier is a second, ordinary IMAP client: it appends, deletes and
// counts mail as a mail client would.
func supplier(t *testing.T, b *imapBox) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(b.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login("invoices", "s3cret").Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

func appendMail(t *testing.T, c *imapclient.Client, folder string, msg []byte, flags ...imap.Flag) {
	t.Helper()
	cmd := c.Append(folder, int64(len(msg)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, c *imapclient.Client, folder string) uint32 {
	t.Helper()
	s, err := c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return *s.NumMessages
}

func TestIMAPPull(t *testing.T) {
	st := openStore(t)
	mem := newMailbox(t)
	b := startIMAP(t, mem)
	sup := supplier(t, b)
	mailA := buildMail(t, "a@supplier.example", "Invoice A", "attached", attachment{name: "a.pdf", mediaType: "application/pdf", data: testPDF()})
	appendMail(t, sup, "INBOX", mailA)
	appendMail(t, sup, "INBOX", buildMail(t, "old@supplier.example", "Read already", "x", attachment{name: "old.pdf", mediaType: "application/pdf", data: testPDF()}), imap.FlagSeen)

	cfg := IMAPConfig{Account: "shop", Addr: b.addr, Security: "none", User: "invoices", Password: "s3cret"}
	poll := func(cfg IMAPConfig) error {
		return NewIMAPPoller(NewTaker(st, nil, Limits{}, nil), cfg).Poll(context.Background())
	}
	if err := poll(cfg); err != nil {
		t.Fatalf("poll: %v", err)
	}
	docs := documents(t, st)
	if len(docs) != 1 || docs[0].Source.Via != "imap" || docs[0].Source.MessageID != "a@supplier.example" || docs[0].Source.Subject != "Invoice A" {
		t.Fatalf("documents %+v", docs)
	}
	unseen, err := sup.Status("INBOX", &imap.StatusOptions{NumUnseen: true}).Wait()
	if err != nil || *unseen.NumUnseen != 0 {
		t.Fatalf("the taken mail is not marked read: %v %v", unseen, err)
	}
	// A restart (a new poller, a new connection): nothing again.
	if err := poll(cfg); err != nil || len(documents(t, st)) != 1 {
		t.Fatalf("second poll: %v, %d documents", err, len(documents(t, st)))
	}

	// The folder is deleted and made again: a new UIDVALIDITY, and mail A
	// comes back under a new UID beside a new mail D. Only D is new.
	if err := sup.Delete("INBOX").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := sup.Create("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	appendMail(t, sup, "INBOX", mailA)
	appendMail(t, sup, "INBOX", buildMail(t, "d@supplier.example", "Invoice D", "attached", attachment{name: "d.pdf", mediaType: "application/pdf", data: testPDF()}))
	if err := poll(cfg); err != nil {
		t.Fatalf("poll after UIDVALIDITY changed: %v", err)
	}
	docs = documents(t, st)
	if len(docs) != 2 || docs[1].Source.MessageID != "d@supplier.example" {
		t.Fatalf("after UIDVALIDITY changed: %d documents, last %+v", len(docs), docs[len(docs)-1].Source)
	}

	// Clear errors.
	for _, tc := range []struct {
		name string
		cfg  func(IMAPConfig) IMAPConfig
		want string
	}{
		{"wrong password", func(c IMAPConfig) IMAPConfig { c.Password = "nope"; return c }, "wrong user or password"},
		{"folder missing", func(c IMAPConfig) IMAPConfig { c.Folder = "Invoices"; return c }, `folder "Invoices" cannot be opened`},
		{"certificate not trusted", func(c IMAPConfig) IMAPConfig {
			c.Security, c.TLS = "starttls", &tls.Config{ServerName: "localhost"}
			return c
		}, "certificate is not trusted"},
		{"server gone", func(c IMAPConfig) IMAPConfig { c.Addr = "127.0.0.1:1"; return c }, "connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewIMAPPoller(NewTaker(st, nil, Limits{}, nil), tc.cfg(cfg))
			err := p.Poll(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
			if s := p.Status(); s.LastError == "" || !s.LastSuccess.IsZero() {
				t.Errorf("status %+v", s)
			}
		})
	}

	// The connection is lost (the server stops) and comes back: nothing
	// taken twice, nothing missed.
	_ = b.srv.Close()
	appendBack := startIMAP(t, mem)
	sup2 := supplier(t, appendBack)
	appendMail(t, sup2, "INBOX", buildMail(t, "e@supplier.example", "Invoice E", "attached", attachment{name: "e.pdf", mediaType: "application/pdf", data: testPDF()}))
	if err := poll(cfg); err == nil {
		t.Fatal("poll of a stopped server succeeded")
	}
	cfg.Addr = appendBack.addr
	if err := poll(cfg); err != nil {
		t.Fatalf("poll after reconnecting: %v", err)
	}
	if n := len(documents(t, st)); n != 3 {
		t.Fatalf("%d documents, want 3", n)
	}
}

func TestIMAPMoveAndIdle(t *testing.T) {
	st := openStore(t)
	b := startIMAP(t, newMailbox(t))
	sup := supplier(t, b)
	for _, id := range []string{"m1@x", "m2@x"} {
		appendMail(t, sup, "INBOX", buildMail(t, id, "Invoice", "attached", attachment{name: "i.pdf", mediaType: "application/pdf", data: testPDF()}), imap.FlagSeen)
	}
	p := NewIMAPPoller(NewTaker(st, nil, Limits{}, nil), IMAPConfig{
		Account: "shop", Addr: b.addr, Security: "none", User: "invoices", Password: "s3cret",
		After: "move:Done", Interval: time.Minute,
	})
	stop := testrun.Go(t, p.Run)
	defer stop()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Mails already read are taken too when they are moved away after.
	waitFor("two documents", func() bool { return len(documents(t, st)) == 2 })
	waitFor("the mails moved", func() bool { return count(t, sup, "INBOX") == 0 && count(t, sup, "Done") == 2 })
	// The poller waits in IDLE: a new mail comes in long before the next poll.
	appendMail(t, sup, "INBOX", buildMail(t, "m3@x", "Invoice", "attached", attachment{name: "i.pdf", mediaType: "application/pdf", data: testPDF()}))
	waitFor("the third document, through IDLE", func() bool { return len(documents(t, st)) == 3 })
	if s := p.Status(); s.LastError != "" || s.Taken < 2 {
		t.Errorf("status %+v", s)
	}
}
