package main

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFirstRunCode: serve prints a setup code only while the box has no
// user, a new one at each start.
func TestFirstRunCode(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	first, second := serveBanner(t, data), serveBanner(t, data)
	codeRE := regexp.MustCompile(`setup code ([a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5})`)
	a, b := codeRE.FindStringSubmatch(first), codeRE.FindStringSubmatch(second)
	if a == nil || b == nil || a[1] == b[1] {
		t.Fatalf("want a new setup code at each start with no user:\n%s\n%s", first, second)
	}
	if err := run(context.Background(), []string{"user", "create", "owner", "--password", "owner-password", "--role", "admin", "--data", data}, func(string) string { return "" }, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if banner := serveBanner(t, data); strings.Contains(banner, "setup code") {
		t.Fatalf("a setup code with a user there:\n%s", banner)
	}
}

// serveBanner starts serve, reads what it prints at start, and stops it.
func serveBanner(t *testing.T, data string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--workers", "1"}, func(string) string { return "" }, pw, io.Discard)
		_ = pw.Close()
		done <- err
	}()
	var b strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "Make an account") {
			break
		}
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	return b.String()
}
