package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tillroll/queue"
)

// TestWorkerCredsCommand: create prints creds a worker can read, with the
// box's certificate to pin; list shows the worker; revoke removes it.
func TestWorkerCredsCommand(t *testing.T) {
	data := t.TempDir()
	noEnv := func(string) string { return "" }
	wc := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(append([]string{"worker-creds"}, args...), "--data", data), noEnv, &out, io.Discard)
		return out.String(), err
	}
	out, err := wc("create", "shop-1", "--url", "nats://box.example:4222")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "shop-1.creds")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := queue.ReadCreds(file)
	if err != nil {
		t.Fatalf("the printed creds do not read back: %v\n%s", err, out)
	}
	cert, err := os.ReadFile(filepath.Join(data, queue.TLSCertFile))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "shop-1" || c.URL != "nats://box.example:4222" || c.CA != string(cert) {
		t.Errorf("creds %+v: want shop-1 at nats://box.example:4222 pinning %s", c, queue.TLSCertFile)
	}
	if _, err := wc("create", "shop-1"); !errors.Is(err, queue.ErrWorkerExists) {
		t.Errorf("second create: %v, want ErrWorkerExists", err)
	}
	if _, err := wc("create", "Shop.1"); !errors.Is(err, queue.ErrWorkerName) {
		t.Errorf("create Shop.1: %v, want ErrWorkerName", err)
	}
	if out, err := wc("list"); err != nil || !strings.HasPrefix(out, "shop-1\t") {
		t.Errorf("list: %q, %v", out, err)
	}
	if _, err := wc("revoke", "shop-1"); err != nil {
		t.Fatal(err)
	}
	if out, err := wc("list"); err != nil || out != "" {
		t.Errorf("list after revoke: %q, %v", out, err)
	}
}
