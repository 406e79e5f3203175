package tlscert

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve runs a TLS listener on loopback with cfg and returns its address.
func serve(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	return l.Addr().String()
}

// TestPinned: a client pinning the box's self-signed certificate reaches it
// by a name the certificate does not hold, and refuses another box that
// holds the right name.
func TestPinned(t *testing.T) {
	dir := t.TempDir()
	cfg, certFile, err := Load("", "", filepath.Join(dir, "a.crt"), filepath.Join(dir, "a.key"), "box-a")
	if err != nil {
		t.Fatal(err)
	}
	// A second Load uses the pair made by the first.
	if _, again, err := Load("", "", filepath.Join(dir, "a.crt"), filepath.Join(dir, "a.key"), "other"); err != nil || again != certFile {
		t.Fatalf("second load: %s, %v", again, err)
	}
	other, _, err := Load("", "", filepath.Join(dir, "b.crt"), filepath.Join(dir, "b.key"), "box-a", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	pin, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	client, err := Pinned(pin, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	dial := func(addr string) error {
		c, err := tls.DialWithDialer(&net.Dialer{}, "tcp", addr, client)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(serve(t, cfg)); err != nil {
		t.Fatalf("the pinned box by an address its certificate lacks: %v", err)
	}
	// Box b's certificate lists 127.0.0.1 and box-a, but is not the pinned one.
	if err := dial(serve(t, other)); err == nil || !strings.Contains(err.Error(), "not the pinned one") {
		t.Fatalf("another box: %v, want a refusal", err)
	}
	if _, err := Pinned([]byte("not PEM"), "x"); err == nil {
		t.Fatal("Pinned with no certificate succeeded")
	}
	if _, _, err := Load(certFile, "", "", ""); err == nil {
		t.Fatal("Load with a certificate and no key succeeded")
	}
}
