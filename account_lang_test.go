package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"tillroll/ocr"
)

// TestAccountLang sets an account's OCR languages from the command line
// on a real data directory: an installed one is kept (and shown), one not
// installed is a usage error that changes nothing, "" clears it.
func TestAccountLang(t *testing.T) {
	if _, err := ocr.CheckLanguages("deu"); err != nil {
		t.Skip(err)
	}
	data := t.TempDir()
	createAccount(t, data, "shop")
	lang := func(setting string) error {
		return run(context.Background(), []string{"account", "lang", "shop", setting, "--data", data}, os.Getenv, io.Discard, io.Discard)
	}
	show := func() string {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"account", "show", "shop", "--data", data}, os.Getenv, &out, io.Discard); err != nil {
			t.Fatalf("account show: %v", err)
		}
		return out.String()
	}
	if err := lang("eng+deu"); err != nil {
		t.Fatalf("account lang eng+deu: %v", err)
	}
	if got := show(); !strings.Contains(got, "OCR languages:  eng+deu\n") {
		t.Errorf("account show after lang eng+deu:\n%s", got)
	}
	if err := lang("xx_none"); err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("account lang xx_none: %v, want a usage error saying it is not installed", err)
	}
	if got := show(); !strings.Contains(got, "OCR languages:  eng+deu\n") {
		t.Errorf("a refused setting changed the account:\n%s", got)
	}
	if err := lang(""); err != nil {
		t.Fatalf("account lang \"\": %v", err)
	}
	if got := show(); strings.Contains(got, "OCR languages") {
		t.Errorf("account show after clearing:\n%s", got)
	}
}
