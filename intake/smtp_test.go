package intake

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"tillroll/capture"
	"tillroll/internal/fixture"
	"tillroll/internal/testrun"
	"tillroll/mailer"
	"tillroll/store"
)

type kicks struct{ n atomic.Int64 }

func (k *kicks) Kick() { k.n.Add(1) }

type box struct {
	st    *store.Store
	dir   string
	addr  string // SMTP host:port
	creds store.Credentials
	to    string // the account's intake address
	roots *x509.CertPool
	kicks *kicks
	stop  func()
}

// startBox opens a real store in a temp dir with one account "shop" and
// runs the mail server on loopback with a self-signed certificate.
func startBox(t *testing.T, cfg SMTPConfig) *box {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := &box{st: st, dir: dir, kicks: &kicks{}}
	if b.creds, err = st.CreateAccount("shop", "shop@example.com"); err != nil {
		t.Fatal(err)
	}
	if cfg.TLS, err = LoadTLS(dir, "", "", "tillroll.local"); err != nil {
		t.Fatal(err)
	}
	pemBytes, err := os.ReadFile(filepath.Join(dir, TLSCertFile))
	if err != nil {
		t.Fatal(err)
	}
	b.roots = x509.NewCertPool()
	b.roots.AppendCertsFromPEM(pemBytes)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	b.to = Address(st, "shop", "tillroll.local")
	srv := NewSMTPServer(NewTaker(st, b.kicks, Limits{MaxFile: 2 << 20}, nil), cfg)
	b.stop = testrun.Go(t, func(ctx context.Context) error {
		return srv.Serve(ctx, ln)
	})
	t.Cleanup(func() {
		b.stop()
		_ = st.Close()
	})
	return b
}

// client connects, says EHLO and, when login is set, does STARTTLS and AUTH.
func (b *box) client(t *testing.T, login sasl.Client) *smtp.Client {
	t.Helper()
	var c *smtp.Client
	var err error
	if login != nil {
		c, err = smtp.DialStartTLS(b.addr, &tls.Config{RootCAs: b.roots, ServerName: "localhost"})
	} else {
		c, err = smtp.Dial(b.addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Hello("scanner.local"); err != nil {
		t.Fatal(err)
	}
	if login != nil {
		if err := c.Auth(login); err != nil {
			t.Fatalf("auth: %v", err)
		}
	}
	return c
}

// send sends one mail and returns the server's error (nil for 250).
func send(c *smtp.Client, to string, msg []byte) error {
	if err := c.Mail("scanner@example.com", nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

// documents lists the store's documents in id order.
func documents(t *testing.T, st *store.Store) []store.Document {
	t.Helper()
	var out []store.Document
	for id := uint64(1); ; id++ {
		d, err := st.Document(id)
		if errors.Is(err, store.ErrNotFound) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
}

type attachment struct {
	name, mediaType string
	inline          bool
	data            []byte
}

// buildMail writes a real MIME mail with go-message: a text body and the
// attachments.
func buildMail(t *testing.T, id, subject, body string, atts ...attachment) []byte {
	t.Helper()
	var buf bytes.Buffer
	var h mail.Header
	h.SetDate(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	h.SetAddressList("From", []*mail.Address{{Name: "Office Scanner", Address: "scanner@example.com"}})
	h.SetSubject(subject)
	h.SetMessageID(id)
	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	iw, err := w.CreateInline()
	if err != nil {
		t.Fatal(err)
	}
	var th mail.InlineHeader
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	pw, err := iw.CreatePart(th)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(pw, body)
	pw.Close()
	for _, a := range atts {
		if a.inline {
			var ih mail.InlineHeader
			ih.SetContentType(a.mediaType, nil)
			ih.Set("Content-Id", "<img1@example.com>")
			pw, err := iw.CreatePart(ih)
			if err != nil {
				t.Fatal(err)
			}
			pw.Write(a.data)
			pw.Close()
		}
	}
	iw.Close()
	for _, a := range atts {
		if a.inline {
			continue
		}
		var ah mail.AttachmentHeader
		ah.SetContentType(a.mediaType, nil)
		if a.name != "" {
			ah.SetFilename(a.name)
		}
		if a.mediaType == "message/rfc822" {
			ah.Set("Content-Transfer-Encoding", "8bit")
		}
		pw, err := w.CreateAttachment(ah)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(a.data)
		pw.Close()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testPDF() []byte {
	return fixture.PDF(fixture.PDFPage{Lines: []string{"Invoice 4711", "Total 12.50 EUR", "Date 01.03.2026"}})
}

func TestSMTPAttachmentsBecomeDocuments(t *testing.T) {
	b := startBox(t, SMTPConfig{})
	jpg := fixture.JPEG(fixture.Sample(), fixture.Options{Width: 300})
	png := fixture.PNG(fixture.Sample(), fixture.Options{Width: 300})
	inner := buildMail(t, "inner@example.com", "Fwd: receipt", "see attached", attachment{name: "receipt.png", mediaType: "image/png", data: png})
	msg := buildMail(t, "scan-1@example.com", "Scan from MFP", "Scanned documents attached.",
		attachment{name: "scan.pdf", mediaType: "application/pdf", data: testPDF()},
		attachment{name: "../../etc/photo.jpg", mediaType: "application/octet-stream", data: jpg}, // sniffed, not trusted by name or type
		attachment{mediaType: "image/jpeg", inline: true, data: jpg},
		attachment{name: "forwarded.eml", mediaType: "message/rfc822", data: inner},
		attachment{name: "notes.docx", mediaType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data: []byte("PK\x03\x04 not a document Tillroll reads")},
	)
	c := b.client(t, sasl.NewPlainClient("", "shop", b.creds.Password))
	if err := send(c, b.to, msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	docs := documents(t, b.st)
	var kinds, parts []string
	for _, d := range docs {
		kinds = append(kinds, d.Kind)
		if d.Source == nil {
			t.Fatalf("document %s has no source", d.Key)
		}
		parts = append(parts, d.Source.Part)
		if d.Account != "shop" || d.Source.Via != "smtp" {
			t.Errorf("document %s: account %q via %q", d.Key, d.Account, d.Source.Via)
		}
		if d.Source.ReplyTo != "" {
			t.Errorf("document %s: a reply to %s, with replies off", d.Key, d.Source.ReplyTo)
		}
		if d.Source.Subject != "Scan from MFP" || d.Source.MessageID != "scan-1@example.com" || !strings.Contains(d.Source.From, "scanner@example.com") {
			t.Errorf("document %s source: %+v", d.Key, *d.Source)
		}
		p, err := b.st.FilePath(d.Path)
		if err != nil || !strings.HasPrefix(p, b.dir) {
			t.Errorf("document %s stored at %q (%v)", d.Key, p, err)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("document %s: %v", d.Key, err)
		}
	}
	// In MIME order: the inline image sits beside the text, before the attachments.
	if got, want := strings.Join(kinds, ","), "jpeg,pdf,jpeg,png"; got != want {
		t.Fatalf("kinds %s, want %s (parts %q)", got, want, parts)
	}
	if parts[1] != "scan.pdf" || parts[2] != "photo.jpg" || parts[3] != "receipt.png" {
		t.Errorf("parts %q", parts)
	}
	if b.kicks.n.Load() == 0 {
		t.Error("the workers were not woken")
	}

	// The same mail again (a scanner retrying after a lost 250): recognised.
	if err := send(c, b.to, msg); err != nil {
		t.Fatalf("resend: %v", err)
	}
	if n := len(documents(t, b.st)); n != len(docs) {
		t.Fatalf("resent mail made %d documents, want %d", n-len(docs), 0)
	}
	// The same Message-ID with other bytes is another mail.
	other := buildMail(t, "scan-1@example.com", "Scan from MFP", "Second page.", attachment{name: "p2.pdf", mediaType: "application/pdf", data: testPDF()})
	if err := send(c, b.to, other); err != nil {
		t.Fatalf("send: %v", err)
	}
	if n := len(documents(t, b.st)); n != len(docs)+1 {
		t.Fatalf("%d documents, want %d", n, len(docs)+1)
	}
}

func TestSMTPTextMail(t *testing.T) {
	b := startBox(t, SMTPConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	// ISO-8859-1, quoted-printable, as many shops still send.
	msg := []byte("From: shop@example.org\r\nSubject: Ihre Bestellung 1234\r\nMessage-Id: <order-1234@shop.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<html><body><h1>Bestellbest=E4tigung</h1><table><tr><td>Kaffee</td><td>4,99</td></tr>=\r\n" +
		"<tr><td>Summe</td><td>4,99 EUR</td></tr></table><script>var x=3D1;</script></body></html>\r\n")
	c := b.client(t, nil) // from an allowed network, no AUTH
	if err := send(c, b.to, msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	docs := documents(t, b.st)
	if len(docs) != 1 || docs[0].Kind != "pdf" || docs[0].Source.Part != "text" {
		t.Fatalf("documents: %+v", docs)
	}
	p, _ := b.st.FilePath(docs[0].Path)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// The PDF's text layer holds the mail's text (WinAnsi: ä is \xe4), not its markup.
	for _, want := range []string{"(Bestellbest\xe4tigung) Tj", "Summe    4,99 EUR", "Subject: Ihre Bestellung 1234"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("text PDF lacks %q", want)
		}
	}
	if bytes.Contains(data, []byte("var x")) || bytes.Contains(data, []byte("<td>")) {
		t.Error("text PDF holds markup or script")
	}
}

func TestSMTPRefusals(t *testing.T) {
	b := startBox(t, SMTPConfig{MaxRecipients: 3, MaxMessage: 1 << 20, MaxMessagesPerConn: 2})
	pdf := buildMail(t, "r@example.com", "scan", "x", attachment{name: "a.pdf", mediaType: "application/pdf", data: testPDF()})
	code := func(err error) int {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se.Code
		}
		t.Fatalf("not an SMTP error: %v", err)
		return 0
	}

	t.Run("no auth, network not allowed", func(t *testing.T) {
		c := b.client(t, nil)
		err := c.Mail("x@example.com", nil)
		if code(err) != 530 || !strings.Contains(err.Error(), "--smtp-allow") {
			t.Fatalf("MAIL without auth: %v", err)
		}
	})
	t.Run("AUTH before STARTTLS", func(t *testing.T) {
		c, err := smtp.Dial(b.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Auth(sasl.NewPlainClient("", "shop", b.creds.Password)); err == nil {
			t.Fatal("AUTH accepted in clear")
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		c, err := smtp.DialStartTLS(b.addr, &tls.Config{RootCAs: b.roots, ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Auth(sasl.NewLoginClient("shop", "wrong")); code(err) != 535 {
			t.Fatalf("wrong password: %v", err)
		}
	})
	c := b.client(t, sasl.NewLoginClient("shop", b.creds.Password)) // LOGIN works too
	t.Run("unknown address", func(t *testing.T) {
		for _, to := range []string{"shop@tillroll.local", "shop+wrongtok@tillroll.local", "nobody+abc@tillroll.local", "../../x@y"} {
			if err := c.Mail("s@example.com", nil); err != nil {
				t.Fatal(err)
			}
			err := c.Rcpt(to, nil)
			if code(err) != 550 || !strings.Contains(err.Error(), "No such intake address") {
				t.Errorf("RCPT %s: %v", to, err)
			}
			c.Reset()
		}
	})
	t.Run("too many recipients", func(t *testing.T) {
		if err := c.Mail("s@example.com", nil); err != nil {
			t.Fatal(err)
		}
		var last error
		for i := 0; i < 10000 && last == nil; i++ {
			last = c.Rcpt(b.to, nil)
		}
		if code(last) != 452 {
			t.Fatalf("after many RCPT: %v", last)
		}
		c.Reset()
	})
	t.Run("message too large", func(t *testing.T) {
		big := buildMail(t, "big@example.com", "big", "x", attachment{name: "big.pdf", mediaType: "application/pdf", data: append(testPDF(), make([]byte, 2<<20)...)})
		if err := send(c, b.to, big); code(err) != 552 {
			t.Fatalf("big message: %v", err)
		}
	})
	// The connection is still usable, and its third mail is one too many.
	if err := send(c, b.to, pdf); err != nil {
		t.Fatalf("a good mail after the refusals: %v", err)
	}
	if err := send(c, b.to, pdf); code(err) != 421 {
		t.Fatalf("third mail on one connection: %v", err)
	}
	if n := len(documents(t, b.st)); n != 1 {
		t.Fatalf("%d documents, want 1", n)
	}
}

func TestSMTPBadMIME(t *testing.T) {
	b := startBox(t, SMTPConfig{})
	c := b.client(t, sasl.NewPlainClient("", "shop", b.creds.Password))
	bomb := func(depth int) []byte {
		var s strings.Builder
		s.WriteString("Message-Id: <bomb@x>\r\nSubject: bomb\r\n")
		for i := 0; i < depth; i++ {
			fmt.Fprintf(&s, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
		}
		s.WriteString("Content-Type: text/plain\r\n\r\nhi\r\n")
		return []byte(s.String())
	}
	wide := func(n int) []byte {
		var s strings.Builder
		s.WriteString("Message-Id: <wide@x>\r\nContent-Type: multipart/mixed; boundary=w\r\n\r\n")
		for i := 0; i < n; i++ {
			s.WriteString("--w\r\nContent-Type: application/octet-stream\r\n\r\nxx\r\n")
		}
		s.WriteString("--w--\r\n")
		return []byte(s.String())
	}
	for _, tc := range []struct {
		name string
		msg  []byte
		want string
	}{
		{"deep nesting", bomb(1000), "deeper than"},
		{"thousands of parts", wide(5000), "more than 200 MIME parts"},
		{"broken multipart", []byte("Message-Id: <b@x>\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK!!!notbase64\r\n"), "Message refused"},
		{"nothing to read", []byte("Message-Id: <e@x>\r\nSubject: empty\r\n\r\n \r\n"), "nothing to read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := send(c, b.to, tc.msg)
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != 554 || !strings.Contains(se.Message, tc.want) {
				t.Fatalf("got %v, want 554 with %q", err, tc.want)
			}
		})
	}
	if n := len(documents(t, b.st)); n != 0 {
		t.Fatalf("%d documents from bad mail", n)
	}
	entries, _ := os.ReadDir(filepath.Join(b.dir, "files"))
	if len(entries) != 0 {
		t.Fatalf("%d files left behind by refused mail", len(entries))
	}
}

// Acknowledged means committed: after a 250 the documents are in the
// bbolt file, as reopening it from scratch shows.
func TestSMTPAcknowledgedIsCommitted(t *testing.T) {
	b := startBox(t, SMTPConfig{})
	c := b.client(t, sasl.NewPlainClient("", "shop", b.creds.Password))
	msg := buildMail(t, "ack@example.com", "ack", "x", attachment{name: "a.pdf", mediaType: "application/pdf", data: testPDF()})
	if err := send(c, b.to, msg); err != nil {
		t.Fatal(err)
	}
	c.Close()
	b.stop()
	if err := b.st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(b.dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b.st = st
	docs := documents(t, st)
	if len(docs) != 1 || docs[0].Source.MessageID != "ack@example.com" {
		t.Fatalf("after reopening: %+v", docs)
	}
	if n, err := st.QueueDepth(); err != nil || n != 1 {
		t.Fatalf("queued jobs %d (%v), want 1", n, err)
	}
}

// A receipts-service user's intake address: each document of the mail
// becomes one of the user's receipts (an uploaded image and a receipt
// naming it, queued for OCR), committed before the 250. The user here
// is the identity of the account "shop", given a web sign-in (as an admin
// does on its page): its two addresses differ and each reaches only its
// own documents or receipts.
func TestSMTPUserReceipts(t *testing.T) {
	b := startBox(t, SMTPConfig{})
	const pass = "user-password-1"
	if err := b.st.SetPassword("shop", pass); err != nil {
		t.Fatal(err)
	}
	userTo := b.st.UserIntakeLocal("shop") + "@scanner.example" // any domain
	if strings.EqualFold(strings.SplitN(userTo, "@", 2)[0], strings.SplitN(b.to, "@", 2)[0]) {
		t.Fatalf("user and account share the address %s", userTo)
	}
	jpg := fixture.JPEG(fixture.Sample(), fixture.Options{Width: 300})
	msg := buildMail(t, "receipts-1@example.com", "Receipts", "two receipts",
		attachment{name: "till.jpg", mediaType: "image/jpeg", data: jpg},
		attachment{name: "invoice.pdf", mediaType: "application/pdf", data: testPDF()})

	c := b.client(t, sasl.NewPlainClient("", "shop", pass)) // the user's password, not the account's
	if err := send(c, userTo, msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	if err := send(c, userTo, msg); err != nil { // a retry after a lost 250
		t.Fatalf("resend: %v", err)
	}
	// One identity, two addresses: logged in with either password, shop
	// may send to both; another identity to neither.
	var se *smtp.SMTPError
	docMsg := buildMail(t, "doc-1@example.com", "Invoice", "x", attachment{name: "inv.pdf", mediaType: "application/pdf", data: testPDF()})
	if err := send(c, b.to, docMsg); err != nil {
		t.Fatalf("shop (web password) to its capture address: %v", err)
	}
	c.Close()
	if _, err := b.st.CreateUser(store.NewUser{Name: "ann", Password: "ann-password-1"}); err != nil {
		t.Fatal(err)
	}
	cn := b.client(t, sasl.NewPlainClient("", "ann", "ann-password-1"))
	for _, to := range []string{userTo, b.to} {
		if err := send(cn, to, msg); !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 1}) {
			t.Fatalf("ann to shop's %s: %v", to, err)
		}
	}
	cn.Close()
	ca := b.client(t, sasl.NewPlainClient("", "shop", b.creds.Password))
	if err := send(ca, userTo, msg); err != nil { // the same mail again: recognised
		t.Fatalf("shop (API password) to its receipts address: %v", err)
	}
	wrong := "shop+" + strings.Repeat("z", 8) + "@tillroll.local"
	if err := send(ca, wrong, msg); !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 1, 1}) {
		t.Fatalf("wrong token: %v", err)
	}
	// A line too long for SMTP is refused for good (the same bytes would
	// fail again), not put off with a 451 for ever.
	long := []byte("Subject: x\r\nMessage-Id: <long@example.com>\r\n\r\n" + strings.Repeat("A", 5000) + "\r\n")
	if err := send(ca, b.to, long); !errors.As(err, &se) || se.Code != 500 {
		t.Fatalf("a 5000-byte line: %v, want 500", err)
	}
	ca.Close()

	// Acknowledged means committed: read it back from the reopened file.
	b.stop()
	if err := b.st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(b.dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.st = st
	list, _, err := st.UserReceipts("shop", "", 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d receipts, want 2 (one per document, the resent mail not again)", len(list))
	}
	kinds := map[string]bool{}
	for _, r := range list {
		if r.Status != "OCR" || len(r.Links) != 1 || len(r.Images) != 1 || len(r.DocIDs) != 1 {
			t.Fatalf("receipt %+v", r)
		}
		if r.Source == nil || r.Source.Via != "smtp" || r.Source.MessageID != "receipts-1@example.com" {
			t.Errorf("receipt source %+v", r.Source)
		}
		img, err := st.ReceiptImage(r.Images[0])
		if err != nil || img.User != "shop" {
			t.Fatalf("image %s: %+v %v", r.Images[0], img, err)
		}
		if want := store.ImageLinkPath + img.Token + "."; !strings.HasPrefix(r.Links[0], want) {
			t.Errorf("link %q, want %s...", r.Links[0], want)
		}
		d, err := st.Document(r.DocIDs[0])
		if err != nil || d.Account != store.ReceiptsAccount || d.Path != img.Path {
			t.Fatalf("document of receipt: %+v %v", d, err)
		}
		kinds[d.Kind] = true
	}
	if !kinds["jpeg"] || !kinds["pdf"] {
		t.Errorf("kinds %v", kinds)
	}
	var own []string
	for _, d := range documents(t, st) {
		if d.Account == "shop" {
			own = append(own, d.Source.MessageID)
		}
	}
	if len(own) != 1 || own[0] != "doc-1@example.com" {
		t.Errorf("shop's documents came from %q, want only the mail to its capture address", own)
	}
	if n, err := st.QueueDepth(); err != nil || n != 3 {
		t.Fatalf("queued jobs %d (%v), want 3", n, err)
	}
}

// Replies to the sender (Reply on): only to envelope senders in the
// domain of the account's own address (shop@example.com), never to
// automatic mail, within the limit an hour; the finished document's
// notifications then hold the reply.
func TestSMTPReplyToSender(t *testing.T) {
	b := startBox(t, SMTPConfig{Reply: true, RepliesPerHour: 2, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	c := b.client(t, nil) // a scanner on an allowed network
	sendFrom := func(from string, msg []byte) {
		t.Helper()
		if err := c.Mail(from, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt(b.to, nil); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(msg); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("send from %s: %v", from, err)
		}
	}
	pdf := attachment{name: "scan.pdf", mediaType: "application/pdf", data: testPDF()}
	auto := buildMail(t, "auto@example.com", "Out of office", "away", pdf)
	auto = append([]byte("Auto-Submitted: auto-replied\r\n"), auto...)
	for _, m := range []struct{ from, id string }{
		{"Scanner@EXAMPLE.com", "r1@example.com"}, // the account's domain, any case
		{"ceo@victim.example", "r2@example.com"},  // another domain: a forged address gets nothing
		{"", "r3@example.com"},                    // the null sender
		{"scanner@example.com", "r5@example.com"}, // the second reply of the hour
		{"scanner@example.com", "r6@example.com"}, // over the limit of two
	} {
		sendFrom(m.from, buildMail(t, m.id, "Scan "+m.id, "scanned", pdf, pdf))
		if m.id == "r1@example.com" {
			sendFrom("scanner@example.com", auto) // automatic: no reply, and not counted
		}
	}
	want := map[string]string{"r1@example.com": "Scanner@EXAMPLE.com", "r5@example.com": "scanner@example.com"}
	docs := documents(t, b.st)
	if len(docs) != 11 {
		t.Fatalf("%d documents, want 11", len(docs))
	}
	for _, d := range docs {
		if got := d.Source.ReplyTo; got != want[d.Source.MessageID] {
			t.Errorf("mail %s: reply to %q, want %q", d.Source.MessageID, got, want[d.Source.MessageID])
		}
	}

	// The first document is processed as the workers do: its
	// notifications, queued in the same transaction, hold the reply.
	a, err := b.st.Account("shop")
	if err != nil {
		t.Fatal(err)
	}
	d, _, ok, err := b.st.ClaimOCRJob()
	if err != nil || !ok || d.ID != docs[0].ID {
		t.Fatalf("claim: %v %v %d", ok, err, d.ID)
	}
	if d, err = b.st.CompleteOCRJob(d.ID, capture.Result{Vendor_Name: "Kraxi", Total: 12.5, Line_Items: []capture.LineItem{}}, "", mailer.Notifications); err != nil {
		t.Fatal(err)
	}
	msgs, err := b.st.OutboxMessages(false)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	var reply store.Message
	for _, m := range msgs {
		to = append(to, m.To)
		if m.To == "Scanner@EXAMPLE.com" {
			reply = m
		}
	}
	if len(msgs) != 2 || reply.Kind != store.KindMail || reply.Subject != "Re: Scan r1@example.com" ||
		!strings.Contains(reply.Body, "scan.pdf") || !strings.Contains(reply.Body, d.Key) || !strings.Contains(reply.Body, "r1@example.com") {
		t.Fatalf("outbox after the first document %q: reply %+v", to, reply)
	}
	if msgs := mailer.Notifications(docs[2], a); len(msgs) != 1 || msgs[0].To != a.Email {
		t.Fatalf("notifications of a document without reply: %+v", msgs)
	}
}
