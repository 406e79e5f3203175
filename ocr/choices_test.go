package ocr

import (
	"strings"
	"testing"

	"tillroll/internal/fixture"
)

func TestReadChoicesOfARenderedAmount(t *testing.T) {
	r, err := NewChoiceReader("eng")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rc := fixture.Sample()
	img := fixture.Image(rc, fixture.Options{})
	want := fixture.Money(rc.Total())
	found := false
	for _, tx := range fixture.Texts(rc, fixture.Options{}) {
		if tx.Text != want {
			continue
		}
		found = true
		syms, err := r.ReadChoices(img, tx.Box)
		if err != nil {
			t.Fatal(err)
		}
		var best strings.Builder
		for _, alts := range syms {
			if len(alts) == 0 {
				t.Fatalf("a character with no reading: %q", syms)
			}
			best.WriteString(alts[0])
			for _, a := range alts[1:] {
				if a == alts[0] {
					t.Errorf("alternative %q repeats the reading", a)
				}
			}
		}
		if got := best.String(); got != strings.ReplaceAll(want, " ", "") {
			t.Errorf("read %q as %q (choices %q)", want, got, syms)
		}
	}
	if !found {
		t.Fatalf("the fixture prints no %q", want)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadChoices(img, img.Rect); err == nil {
		t.Error("a closed reader read")
	}
}
