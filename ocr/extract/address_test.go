package extract

import (
	"image"
	"strings"
	"testing"

	"tillroll/ocr"
)

func TestAddressCarriedOnToPostcode(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"a number on a row ending with a comma before a postcode row",
			[]string{"KEDAI BUKU CERAH SDN BHD", "NO. 8, JALAN MERAH", "(2) C4/X, BUKIT CERAH,", "SEKSYEN 4, 68100 BATU CAVES,", "TEL: 03-6188 1234", "DATE 02/05/2017", "TOTAL\t12.00"},
			"NO. 8, JALAN MERAH (2) C4/X, BUKIT CERAH, SEKSYEN 4, 68100 BATU CAVES,"},
		{"a number on a row before a postcode row",
			[]string{"KEDAI BUKU CERAH SDN BHD", "NO. 8, JALAN MERAH", "(2) C4/X BUKIT CERAH", "68100 BATU CAVES", "TEL: 03-6188 1234", "DATE 02/05/2017", "TOTAL\t12.00"},
			"NO. 8, JALAN MERAH (2) C4/X BUKIT CERAH 68100 BATU CAVES"},
		{"a number on a row that carries nothing on ends it",
			[]string{"KEDAI BUKU CERAH SDN BHD", "NO. 8, JALAN MERAH, 68100 BATU CAVES", "RECEIPT 2 OF 3", "BUKU TULIS 2", "DATE 02/05/2017", "TOTAL\t12.00"},
			"NO. 8, JALAN MERAH, 68100 BATU CAVES"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if f := Extract(docFromLines(tt.lines...)); f.VendorAddress != tt.want {
				t.Errorf("address %q, want %q", f.VendorAddress, tt.want)
			}
		})
	}
}

func TestAddressWithoutSpeckAtEnd(t *testing.T) {
	doc := docFromLines("KEDAI BUKU CERAH SDN BHD", "NO. 8, JALAN MERAH,", "68100 BATU CAVES a3", "TEL: 03-6188 1234", "DATE 02/05/2017", "TOTAL\t12.00")
	ws := doc.Pages[0].Lines[2].Words
	if f := Extract(doc); f.VendorAddress != "NO. 8, JALAN MERAH, 68100 BATU CAVES a3" {
		t.Errorf("a word read at 95: address %q", f.VendorAddress)
	}
	ws[len(ws)-1].Conf = 3
	if f := Extract(doc); f.VendorAddress != "NO. 8, JALAN MERAH, 68100 BATU CAVES" {
		t.Errorf("a speck read at 3: address %q", f.VendorAddress)
	}
}

func TestAddressAboveName(t *testing.T) {
	lines := func(place string) []string {
		return []string{"THANK YOU FOR SHOPPING WITH KEDAIKU", place, "LOT 12, BLOCK B, WISMA CERAH AMPANG,", "JALAN AMPANG, 68000 AMPANG, SELANGOR",
			"Careline : 1300 22 4455", "KEDAIKU RETAIL SDN BHD (12345-X)", "GST REG ID 000123456789", "BUKU TULIS\t2.50", "TOTAL\t2.50"}
	}
	for _, tt := range []struct{ place, want string }{
		// The shop's place printed over its address is not part of it.
		{"WISMA CERAH AMPANG", "LOT 12, BLOCK B, WISMA CERAH AMPANG, JALAN AMPANG, 68000 AMPANG, SELANGOR"},
		// A row ending with a comma is.
		{"TINGKAT 2, WISMA CERAH,", "TINGKAT 2, WISMA CERAH, LOT 12, BLOCK B, WISMA CERAH AMPANG, JALAN AMPANG, 68000 AMPANG, SELANGOR"},
	} {
		f := Extract(docFromLines(lines(tt.place)...))
		if f.VendorAddress != tt.want {
			t.Errorf("under %q: address %q, want %q", tt.place, f.VendorAddress, tt.want)
		}
	}
}

func TestNumberLine(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"Careline : 1300 22 4455", true},
		{"Hotline 03-7890 1234", true},
		{"JALAN AMPANG, 68000 AMPANG", false},
		{"Careline : 1300", false}, // too few digits
		{"LOT 12 JALAN 5 1234567 X", false},
	} {
		if got := numberLine(tt.in); got != tt.want {
			t.Errorf("numberLine(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSameWordTwice(t *testing.T) {
	w := func(text string, conf float64) ocr.Word { return ocr.Word{Text: text, Conf: conf} }
	for _, tt := range []struct {
		addr  string
		words []ocr.Word
		want  string
	}{
		{"Jalan Kenangr 3, Taman Kenanga", []ocr.Word{w("Kenangr", 70), w("Kenanga", 96)}, "Jalan Kenanga 3, Taman Kenanga"},
		{"JALAN 2,KENANGR, KENANGA", []ocr.Word{w("2,KENANGR,", 70), w("KENANGA", 96)}, "JALAN 2,KENANGA, KENANGA"},
		// As sure of both: nothing proves which is right.
		{"Jalan Kenangr 3, Taman Kenanga", []ocr.Word{w("Kenangr", 93), w("Kenanga", 96)}, "Jalan Kenangr 3, Taman Kenanga"},
		// Two letters apart, or short: two words.
		{"Jalan Merah, Taman Perak", []ocr.Word{w("Merah", 60), w("Perak", 96)}, "Jalan Merah, Taman Perak"},
		{"Jalan Batu, Taman Bata", []ocr.Word{w("Batu", 60), w("Bata", 96)}, "Jalan Batu, Taman Bata"},
	} {
		if got := sameWordTwice(tt.addr, tt.words); got != tt.want {
			t.Errorf("sameWordTwice(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestDigitInAddressWord(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Leve1", "Level"},
		{"LEVE1,", "LEVEL,"},
		{"B1ock", "Block"},
		{"SE1ANGOR.", "SELANGOR."},
		{"Uptown3", ""}, // no address word
		{"SS21/39", ""},
		{"U13", ""},
		{"Lot", ""},
	} {
		if got := digitInAddressWord(tt.in); got != tt.want {
			t.Errorf("digitInAddressWord(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOverRead(t *testing.T) {
	ws := func(texts ...string) []ocr.Word {
		var out []ocr.Word
		for _, s := range texts {
			out = append(out, ocr.Word{Text: s})
		}
		return out
	}
	for _, tt := range []struct {
		first, second []ocr.Word
		want          bool
	}{
		{ws("68100", "BATUCAVES"), ws("6", "81", "00", "BATU", "CAVES", ":", "+6012-345", "6789"), true},
		{ws("KEDAI", "oN", "CERAH"), ws("KEDAI", "RUNCIT", "CERAH"), false},
		{ws("68100", "BATU", "CAVES"), ws("68100", "BATU", "CAVES,"), false},
	} {
		if got := overRead(tt.first, tt.second); got != tt.want {
			t.Errorf("overRead(%v, %v) = %v, want %v", tt.first, tt.second, got, tt.want)
		}
	}
}

func TestJointConf(t *testing.T) {
	a := ocr.Word{Text: "CERAH", Conf: 80}
	b := ocr.Word{Text: "CERAH", Conf: 90}
	if c := jointConf(a, a, b); c < 97 || c > 99 {
		t.Errorf("agreeing at 80 and 90: %.1f, want 98", c)
	}
	b = ocr.Word{Text: "CFRAH", Conf: 90}
	if c := jointConf(b, a, b); c < 68 || c > 70 {
		t.Errorf("90 disputed by 80: %.1f, want 69", c)
	}
	if c := jointConf(a, a, b); c < 30 || c > 31 {
		t.Errorf("80 disputed by 90: %.1f, want 31", c)
	}
	b.Conf = 0
	if c := jointConf(a, a, b); c < 80 || c > 100 {
		t.Errorf("80 disputed by 0: %.1f", c)
	}
}

func TestExtends(t *testing.T) {
	box := func(y0, y1 int) Box { return Box{Page: 1, Rect: image.Rect(10, y0, 300, y1)} }
	for _, tt := range []struct {
		a, b Box
		want bool
	}{
		{box(100, 200), box(100, 150), true},
		{box(102, 200), box(100, 150), true},
		{box(100, 150), box(100, 150), false},
		{box(100, 140), box(100, 150), false},
		{box(60, 200), box(100, 150), false},
		{Box{Page: 2, Rect: image.Rect(10, 100, 300, 200)}, box(100, 150), false},
	} {
		if got := extends(tt.a, tt.b); got != tt.want {
			t.Errorf("extends(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestAddressLineOverRead(t *testing.T) {
	// The second recognizer's crop of the postcode row took in the phone
	// row below it: that row stays Tesseract's, and the address reads on.
	first := []string{"KEDAI BUKU CERAH SDN BHD", "NO. 8, JALAN ~MERAH,", "~68100 ~BATUCAVES", "TEL: 03-6188 1234", "DATE 02/05/2017", "TOTAL\t12.00"}
	second := []string{"", "NO. 8, JALAN MERAH,", "6 81 00 BATU CAVES : +6012-345 6789", "", "", ""}
	f := Extract(twoReadings(t, first, second))
	if want := "NO. 8, JALAN MERAH, 68100 BATUCAVES"; f.VendorAddress != want {
		t.Errorf("address %q, want %q", f.VendorAddress, want)
	}
}

func TestGroupByGroup(t *testing.T) {
	// word is text at confidence c over x0..x1.
	word := func(text string, c float64, x0, x1 int) ocr.Word {
		return ocr.Word{Text: text, Conf: c, Box: image.Rect(x0, 10, x1, 30)}
	}
	first := []ocr.Word{word("No", 96, 10, 30), word("1484B", 79, 36, 90), word(">", 27, 94, 98), word("Jalan", 93, 100, 160),
		word("Kenanga", 82, 166, 250), word("Baru", 90, 256, 300)}
	second := []ocr.Word{word("No", 99, 9, 31), word("14&", 89, 35, 60), word("16", 99, 66, 90), word("Jalan", 99, 101, 160),
		word("Ken", 98, 165, 200), word("anga", 99, 206, 250)}
	got := groupByGroup(first, second)
	var texts []string
	for _, w := range got {
		texts = append(texts, w.Text)
	}
	// The second reading where it is surer and says something else, the
	// first where both say the same, the speck only Tesseract saw dropped,
	// the word only Tesseract saw (surely) kept.
	if s := strings.Join(texts, " "); s != "No 14& 16 Jalan Kenanga Baru" {
		t.Fatalf("merged %q, want %q", s, "No 14& 16 Jalan Kenanga Baru")
	}
	if got[4].Conf < 99 {
		t.Errorf("Kenanga read alike by both at %.1f, want 99 or more", got[4].Conf)
	}
	if got[1].Conf > 85 {
		t.Errorf("14& disputed, at %.1f, want under 85 (it read 94)", got[1].Conf)
	}
}

func TestChooseMerchantByWordConfidence(t *testing.T) {
	rest := []string{"NO. 8, JALAN MERAH, 68100 BATU CAVES", "DATE 02/05/2017", "TOTAL\t12.00"}
	for _, tt := range []struct{ first, second, want string }{
		// As sure by the rules, the reading whose words were read surer.
		{"~SINAR ~JAYR TRADING SDN BHD", "SINAR JAYA ~TRADING SDN BHD", "SINAR JAYA TRADING SDN BHD"},
		{"SINAR JAYA ~TRADING SDN BHD", "~SINAR ~JAYR TRADING SDN BHD", "SINAR JAYA TRADING SDN BHD"},
		// Not 5 points surer: Tesseract's.
		{"SINAR ~JAYR TRADING SDN BHD", "SINAR JAYA ~TRADING SDN BHD", "SINAR JAYR TRADING SDN BHD"},
	} {
		first := append([]string{tt.first}, rest...)
		second := []string{tt.second, "", "", ""}
		if f := Extract(twoReadings(t, first, second)); f.VendorName != tt.want {
			t.Errorf("%q and %q: merchant %q, want %q", tt.first, tt.second, f.VendorName, tt.want)
		}
	}
}

func TestAddressEndsAtNumberLine(t *testing.T) {
	// A label and a phone number: not part of the address,
	// though "No" is an address word.
	f := Extract(docFromLines("KEDAI BUKU CERAH SDN BHD", "NO. 8, JALAN MERAH,", "68100 BATU CAVES", "Hubungi No, 03-61881234",
		"DATE 02/05/2017", "TOTAL\t12.00"))
	if want := "NO. 8, JALAN MERAH, 68100 BATU CAVES"; f.VendorAddress != want {
		t.Errorf("address %q, want %q", f.VendorAddress, want)
	}
}
