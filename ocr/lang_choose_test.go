package ocr_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/otiai10/gosseract/v2"

	"tillroll/internal/fixture"
	"tillroll/ocr"
)

func TestCheckLanguages(t *testing.T) {
	avail, err := gosseract.GetAvailableLanguages()
	if err != nil {
		t.Fatal(err)
	}
	has := func(l string) bool {
		for _, a := range avail {
			if a == l {
				return true
			}
		}
		return false
	}
	if !has("deu") {
		t.Skip("tesseract-ocr-deu not installed (scripts/install-deps installs it)")
	}
	for _, tt := range []struct{ in, want string }{
		{"", ocr.Auto}, {"auto", ocr.Auto}, {" deu ", "deu"}, {"deu+eng", "deu+eng"}, {"deu,eng,deu", "deu+eng"},
	} {
		got, err := ocr.CheckLanguages(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CheckLanguages(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"xx_none", "deu+xx_none", "../eng", "DEU"} {
		_, err := ocr.CheckLanguages(bad)
		if !errors.Is(err, ocr.ErrLanguage) {
			t.Errorf("CheckLanguages(%q) = %v, want ErrLanguage", bad, err)
		}
		if bad == "xx_none" && (err == nil || !strings.Contains(err.Error(), "deu")) {
			t.Errorf("CheckLanguages(%q) = %v: the error should list the installed languages", bad, err)
		}
	}
}

// TestInLanguage reads a rendered German receipt with an engine set to
// English only, then through its German view: the view reads the
// umlauts, the engine itself stays English, and closing the view leaves
// the engine working.
func TestInLanguage(t *testing.T) {
	if _, err := ocr.CheckLanguages("deu"); err != nil {
		t.Skip(err)
	}
	r := fixture.Sample()
	r.Merchant = "BÄCKEREI MÜLLER GMBH"
	r.Address = "Hauptstraße 12, 33100 Paderborn"
	r.German = true
	r.TaxRate = 0.07
	r.Cash = 20
	page := fixture.PNG(r, fixture.Options{})
	eng, err := ocr.NewEngine(ocr.Options{Languages: []string{"eng"}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	read := func(e *ocr.Engine) string {
		t.Helper()
		doc, err := e.Read(t.Context(), page)
		if err != nil {
			t.Fatal(err)
		}
		return doc.Text()
	}
	english := read(eng)
	deu, err := eng.InLanguage("deu")
	if err != nil {
		t.Fatal(err)
	}
	german := read(deu)
	for _, want := range []string{"RÜCKGELD", "MÜLLER", "Hauptstraße"} {
		if !strings.Contains(german, want) {
			t.Errorf("read in deu, the text lacks %q:\n%s", want, german)
		}
	}
	if english == german {
		t.Errorf("the English engine and its German view read the same text:\n%s", english)
	}
	if err := deu.Close(); err != nil {
		t.Fatal(err)
	}
	if again := read(eng); again != english {
		t.Errorf("after the view, the engine reads otherwise:\n%s\nwas:\n%s", again, english)
	}
	if _, err := eng.InLanguage("xx_none"); !errors.Is(err, ocr.ErrLanguage) {
		t.Errorf("InLanguage(xx_none) = %v, want ErrLanguage", err)
	}
}
