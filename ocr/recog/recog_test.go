package recog

import (
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tillroll/internal/fixture"
)

// open returns the installed recognizer. `make test` installs it and sets
// TILLROLL_REQUIRE_RECOGNIZER, so there a missing one fails the test;
// elsewhere the test is skipped.
func open(t *testing.T) *Recognizer {
	t.Helper()
	r, err := New(Locate(os.Getenv("TILLROLL_RECOGNIZER_DIR")))
	if errors.Is(err, ErrUnavailable) && os.Getenv("TILLROLL_REQUIRE_RECOGNIZER") == "" {
		t.Skipf("second recognizer not installed (make deps): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// squash drops spaces: the model's spacing of a rendered line is not what
// is tested here, its characters are.
func squash(s string) string { return strings.ReplaceAll(s, " ", "") }

func TestReadRenderedLines(t *testing.T) {
	r := open(t)
	rc := fixture.Sample()
	img := fixture.Image(rc, fixture.Options{})
	texts := fixture.Texts(rc, fixture.Options{})
	want := map[string]bool{
		"CORNER GROCER LTD":       false,
		fixture.Money(rc.Total()): false,
		"15/03/2024":              false,
		"  2 x 2.80":              false,
	}
	for _, tx := range texts {
		if _, ok := want[tx.Text]; !ok {
			continue
		}
		got, err := r.ReadLine(img, tx.Box)
		if err != nil {
			t.Fatal(err)
		}
		if squash(got.Text) != squash(tx.Text) {
			t.Errorf("read %q as %q", tx.Text, got.Text)
		}
		if got.Conf < 50 || got.Conf > 100 || got.Min > got.Conf {
			t.Errorf("%q: confidence %.1f, least %.1f", tx.Text, got.Conf, got.Min)
		}
		want[tx.Text] = true
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("the fixture prints no piece %q", k)
		}
	}
	// A blank crop reads as nothing, not as noise.
	blank := image.NewGray(image.Rect(0, 0, 400, 60))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	got, err := r.ReadLine(blank, blank.Rect.Inset(5))
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "" {
		t.Errorf("blank line read as %q", got.Text)
	}
}

func TestMissingFolder(t *testing.T) {
	dir := t.TempDir()
	if _, err := New(dir); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("empty folder: %v, want ErrUnavailable", err)
	}
	if _, err := New(""); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no folder: %v, want ErrUnavailable", err)
	}
	// The model without the library is not enough either.
	for _, f := range []string{ModelFile, KeysFile} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(dir); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no library: %v, want ErrUnavailable", err)
	}
}

func TestLettersForZeros(t *testing.T) {
	for in, want := range map[string]string{
		"FL00R": "FLOOR", "CONFECTI0NERY": "CONFECTIONERY", "10.00": "10.00", "A0": "A0", "0A": "0A", "RM10": "RM10", "B0X0": "BOX0",
	} {
		w := Word{Text: in}
		for _, r := range in {
			w.Chars = append(w.Chars, Char{Text: string(r)})
		}
		lettersForZeros(&w)
		if w.Text != want {
			t.Errorf("%q: %q, want %q", in, w.Text, want)
		}
	}
}

// The fused graph (fuse.go) computes what the model's own graph does: on
// each line of a rendered receipt, clean and faint, every class's
// probability at every step agrees to rounding, and the readings are the
// same.
func TestFusedModelReadsTheSame(t *testing.T) {
	fused := open(t)
	dir := Locate(os.Getenv("TILLROLL_RECOGNIZER_DIR"))
	data, err := os.ReadFile(filepath.Join(dir, ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, n, err := fuseModel(data); err != nil || n == 0 {
		t.Fatalf("fuseModel removed %d operations: %v", n, err)
	}
	plain, err := load(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	probs := func(r *Recognizer, g *image.Gray, box image.Rectangle) []float32 {
		var out []float32
		if err := r.run(g, box, func(p []float32, _ int) { out = append(out, p...) }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	rc := fixture.Sample()
	lines := 0
	for _, opt := range []fixture.Options{{}, {Faint: true}} {
		img := fixture.Image(rc, opt)
		for _, tx := range fixture.Texts(rc, opt) {
			box := padBox(tx.Box).Intersect(img.Rect)
			a, b := probs(fused, img, box), probs(plain, img, box)
			if len(a) != len(b) || len(a) == 0 {
				t.Fatalf("%q: %d and %d probabilities", tx.Text, len(a), len(b))
			}
			worst := 0.0
			for i := range a {
				worst = math.Max(worst, math.Abs(float64(a[i]-b[i])))
			}
			if worst > 1e-3 {
				t.Errorf("%q: probabilities differ by up to %.2g", tx.Text, worst)
			}
			ra, err := fused.ReadLine(img, tx.Box)
			if err != nil {
				t.Fatal(err)
			}
			rb, err := plain.ReadLine(img, tx.Box)
			if err != nil {
				t.Fatal(err)
			}
			if ra.Text != rb.Text {
				t.Errorf("%q: fused read %q, the model's own graph %q", tx.Text, ra.Text, rb.Text)
			}
			lines++
		}
	}
	if lines < 10 {
		t.Fatalf("only %d lines compared", lines)
	}
}
