package ocr

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"tillroll/internal/fixture"
)

func TestDetectLanguage(t *testing.T) {
	among := []string{"deu", "fra", "nld", "spa", "ita"}
	for _, tt := range []struct {
		name, text, want string
	}{
		{"German supermarket", "Pohlweg 110 33100 Paderborn ZU ZAHLEN EURO 8,83 BARGELD 20,03 ZURÜCK 11,20 MWST Netto Vielen Dank für Ihren Einkauf!", "deu"},
		{"German read by the English model", "SUMME EUR 20,61 Mastercard EUR 26,31 Mast NETTO MwSt UMSATZ Datum Unrgeit Filiale Pos Bed Bon", "deu"},
		{"French", "LE PETIT BISTRO SARL 15 rue de la Paix TOTAL TTC 24,50 dont TVA 10% CB Merci de votre visite", "fra"},
		{"Dutch", "Bakker Jansen B.V. TOTAAL 7,59 CONTANT 10,00 WISSELGELD 2,41 BTW 9% Bedankt voor uw bezoek", "nld"},
		{"Spanish", "FERRETERIA GARCIA S.L. Calle Mayor 5 TOTAL A PAGAR 15,50 EFECTIVO CAMBIO IVA 21% Gracias por su visita", "spa"},
		{"Italian", "CAFFE ROSSI S.r.l. Via Roma 12 TOTALE EURO 2,70 CONTANTI RESTO SCONTRINO FISCALE Grazie e arrivederci", "ita"},
		{"Malaysian receipt stays English", "SWEET FOREST CAFE NO 21,JLN BUNGA KANTAN TAMAN P.RAMLEE SETAPAK Tax Invoice Table 15 Total QTY: 4 GST payable (6%) CASH CHANGE", ""},
		{"US receipt stays English", "Walmart Save money. Live better. SUBTOTAL 4.64 TAX 1 7.000 % TOTAL 4.96 VISA TEND CHANGE DUE 0.00", ""},
		{"one German word is not enough", "THE CORNER CAFE LTD Total to pay 5.00 Card 5.00 Danke", ""},
		{"only the languages asked for", "ZU ZAHLEN EURO 8,83 BARGELD ZURÜCK MWST Netto Vielen Dank für Ihren Einkauf", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			langs := among
			if tt.name == "only the languages asked for" {
				langs = []string{"fra"}
			}
			if got := DetectLanguage(tt.text, langs); got != tt.want {
				t.Errorf("DetectLanguage = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseLanguages(t *testing.T) {
	langs, detect, err := ParseLanguages("auto")
	if err != nil || !slices.Equal(langs, []string{"eng"}) {
		t.Fatalf("auto: %v %v %v", langs, detect, err)
	}
	// install-deps installs these, so auto finds them.
	if !slices.Equal(detect, []string{"deu", "fra", "nld", "spa", "ita"}) {
		t.Errorf("auto detects %v, want deu fra nld spa ita (is scripts/install-deps run?)", detect)
	}
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"deu", []string{"deu"}}, {"eng+deu", []string{"eng", "deu"}}, {"fra, eng", []string{"fra", "eng"}}, {"deu+deu", []string{"deu"}},
	} {
		langs, detect, err := ParseLanguages(tt.in)
		if err != nil || !slices.Equal(langs, tt.want) || detect != nil {
			t.Errorf("ParseLanguages(%q) = %v %v %v, want %v", tt.in, langs, detect, err, tt.want)
		}
	}
	for _, bad := range []string{"../etc/passwd", "ENG", "+", "e n g!"} {
		if _, _, err := ParseLanguages(bad); !errors.Is(err, ErrLanguage) {
			t.Errorf("ParseLanguages(%q) = %v, want ErrLanguage", bad, err)
		}
	}
}

// TestSecondPassReadsInTheFoundLanguage checks, with real Tesseract, that
// the second pass over a German receipt reads it in German at once: the
// English instance, which found the language on the first reading, is
// not used again (here it is taken away), and the reading is what a
// second pass from the file gives, which reads in English first and finds
// German again.
func TestSecondPassReadsInTheFoundLanguage(t *testing.T) {
	e, err := NewEngine(Options{Languages: []string{"eng"}, Detect: []string{"deu"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	data := fixture.PNG(germanReceipt(), fixture.Options{Width: 700})
	first, err := e.Read(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	if src := first.Pages[0].source; src == nil || src.lang != "deu" {
		t.Fatalf("the first reading kept %+v, want its image and language deu", src)
	}
	want, err := e.ReadPass(t.Context(), data, SecondPass)
	if err != nil {
		t.Fatal(err)
	}
	english := e.tess
	e.tess = nil
	again, ok, err := e.ReadAgain(t.Context(), first, SecondPass)
	e.tess = english
	if err != nil || !ok {
		t.Fatalf("ReadAgain without the English instance: ok %v, %v", ok, err)
	}
	if !reflect.DeepEqual(again, want) {
		t.Errorf("second pass from the kept image:\n%s\nfrom the file:\n%s", again.Text(), want.Text())
	}
	if !strings.Contains(again.Text(), "SUMME") {
		t.Errorf("the second pass read no SUMME:\n%s", again.Text())
	}
}
