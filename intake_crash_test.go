package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"tillroll/internal/fixture"
	"tillroll/store"
)

// scanMail is a mail as an office scanner sends it: a receipt scan as a
// PNG attachment.
func scanMail(id string, png []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: MFP <scanner@office.example>\r\nTo: shop\r\nSubject: Scan\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n", id)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"sep\"\r\n\r\n--sep\r\nContent-Type: text/plain\r\n\r\nScanned.\r\n")
	b.WriteString("--sep\r\nContent-Type: image/png; name=\"receipt.png\"\r\nContent-Disposition: attachment; filename=\"receipt.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(png)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--sep--\r\n")
	return b.Bytes()
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// keyStatus is the HTTP status of fetching a photon key.
func keyStatus(t *testing.T, url string, c store.Credentials, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/api/v4/json?photon_key="+key, nil)
	setCredentials(req, c)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// waitExists waits until key is known to the server: a document that a
// watched folder or a mailbox delivers has no key until it is taken in.
func waitExists(t *testing.T, url string, c store.Credentials, key string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for keyStatus(t, url, c, key) == http.StatusNotFound {
		if time.Now().After(deadline) {
			t.Fatalf("%s was never taken in", key)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestIntakesKillNine is a scanner mailing the box, with the server
// killed (SIGKILL) in the middle of DATA and right after a 250: the scanner
// never saw a 250 for the first mail and nothing of it is left; the mail it
// sends again is taken in once, a resend is recognised, and the documents
// complete with real Tesseract. Then a watched folder and a supplier's
// IMAP mailbox deliver documents that complete.
func TestIntakesKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, data := buildBinary(t), t.TempDir()
	c := createAccount(t, data, "shop")
	smtpAddr := freePort(t)
	watchDir := t.TempDir()
	imapAddr, sup := startSupplierMailbox(t)
	imapCfg := filepath.Join(t.TempDir(), "imap.json")
	pwFile := filepath.Join(t.TempDir(), "imap.pw")
	host, port, _ := net.SplitHostPort(imapAddr)
	if err := os.WriteFile(pwFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgJSON := fmt.Sprintf(`[{"account":"shop","host":%q,"port":%s,"security":"none","user":"invoices","password_file":%q,"after":"move:Done","interval":"1s"}]`, host, port, pwFile)
	if err := os.WriteFile(imapCfg, []byte(cfgJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--smtp-listen", smtpAddr, "--smtp-allow", "127.0.0.0/8",
		"--watch", watchDir + "=shop", "--watch-interval", "100ms", "--watch-settle", "300ms", "--imap-config", imapCfg}
	cmd, url := startProcess(t, bin, data, args...)

	var show bytes.Buffer
	if err := run(context.Background(), []string{"account", "show", "shop", "--data", data}, os.Getenv, &show, io.Discard); err != nil {
		t.Fatalf("account show: %v", err)
	}
	m := regexp.MustCompile(`intake address: (shop\+[a-z0-9]+@tillroll\.local)`).FindStringSubmatch(show.String())
	if m == nil {
		t.Fatalf("account show printed %q", show.String())
	}
	to := m[1]
	msg := scanMail("scan-7@office.example", fixture.PNG(fixture.Sample(), fixture.Options{}))

	sendAll := func(body []byte) error {
		cl, err := smtp.Dial(smtpAddr)
		if err != nil {
			return err
		}
		defer cl.Close()
		return cl.SendMail("scanner@office.example", []string{to}, bytes.NewReader(body))
	}

	// Killed in the middle of DATA.
	cl, err := smtp.Dial(smtpAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Mail("scanner@office.example", nil); err != nil {
		t.Fatal(err)
	}
	if err := cl.Rcpt(to, nil); err != nil {
		t.Fatal(err)
	}
	w, err := cl.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(msg[:len(msg)/2]); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := w.Close(); err == nil {
		t.Fatal("the client saw the half-sent mail accepted")
	}
	_ = cl.Close()

	cmd, url = startProcess(t, bin, data, args...)
	if code := keyStatus(t, url, c, "data/shop/receipt.json"); code != http.StatusNotFound {
		t.Fatalf("after the kill during DATA, the half mail's document answers %d", code)
	}
	// The scanner tries again: 250, and the server is killed at once.
	if err := sendAll(msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	_, url = startProcess(t, bin, data, args...)
	// A relay that lost our 250 sends the same mail again: recognised.
	if err := sendAll(msg); err != nil {
		t.Fatalf("resend: %v", err)
	}
	d := waitCompleted(t, url, c, "data/shop/receipt.json")
	if d["Total"].(float64) <= 0 {
		t.Errorf("total %v", d["Total"])
	}
	if code := keyStatus(t, url, c, "data/shop/receipt-2.json"); code != http.StatusNotFound {
		t.Fatalf("the resent mail made a second document (%d)", code)
	}

	// An order confirmation with no attachment is read from its text.
	html := "From: orders@shop.example\r\nSubject: Order 1234\r\nMessage-ID: <o-1234@shop.example>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><h1>Coffee Shop</h1><p>Order 1234 of 02.03.2026</p>" +
		"<table><tr><td>Coffee beans</td><td>12.50</td></tr><tr><td>Total</td><td>12.50 EUR</td></tr></table></body></html>\r\n"
	if err := sendAll([]byte(html)); err != nil {
		t.Fatalf("send text mail: %v", err)
	}
	d = waitCompleted(t, url, c, "data/shop/Order_1234.json")
	if !strings.Contains(fmt.Sprint(d["Total"]), "12.5") {
		t.Errorf("text mail total %v", d["Total"])
	}

	// A scanner's network folder and a supplier's mailbox deliver too.
	r := fixture.Sample()
	r.Items[0].Qty = 3
	if err := os.WriteFile(filepath.Join(watchDir, "shelf.png"), fixture.PNG(r, fixture.Options{}), 0o644); err != nil {
		t.Fatal(err)
	}
	appendSupplierMail(t, sup, scanMail("inv-9@supplier.example", fixture.PNG(fixture.Sample(), fixture.Options{})))
	for _, key := range []string{"data/shop/shelf.json", "data/shop/receipt-2.json"} {
		waitExists(t, url, c, key) // the watcher and the IMAP poller take them in on their own time
		if d := waitCompleted(t, url, c, key); d["Total"].(float64) <= 0 {
			t.Errorf("%s: total %v", key, d["Total"])
		}
	}
	if _, err := os.Stat(filepath.Join(watchDir, ".tillroll", "done", "shelf.png")); err != nil {
		t.Errorf("the watched file was not moved to done: %v", err)
	}
}

// startSupplierMailbox runs a real IMAP server (go-imap's in-memory one)
// on loopback with the user invoices and the folders INBOX and Done.
func startSupplierMailbox(t *testing.T) (string, *imapclient.Client) {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("invoices", "s3cret")
	for _, f := range []string{"INBOX", "Done"} {
		if err := u.Create(f, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		InsecureAuth: true,
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login("invoices", "s3cret").Wait(); err != nil {
		t.Fatal(err)
	}
	return ln.Addr().String(), c
}

func appendSupplierMail(t *testing.T, c *imapclient.Client, msg []byte) {
	t.Helper()
	cmd := c.Append("INBOX", int64(len(msg)), nil)
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
