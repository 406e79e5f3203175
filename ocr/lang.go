package ocr

import (
	"errors"
	"fmt"
	"image"
	"slices"
	"strings"
	"unicode"

	"github.com/otiai10/gosseract/v2"
)

// DefaultLanguages is the language setting used when none is chosen:
// read in English, then again in the receipt's own language when its
// words say it is another (see Auto).
const DefaultLanguages = Auto

// Auto is the language setting that reads every page in English first and
// reads it again in German, French, Dutch, Spanish or Italian (those whose
// Tesseract data is installed) when the words of the first reading are that
// language's (DetectLanguage).
const Auto = "auto"

// detectable are the languages Auto may switch to.
var detectable = []string{"deu", "fra", "nld", "spa", "ita"}

// ErrLanguage is returned for a language setting that is neither Auto nor
// Tesseract's form (codes joined by "+"), or names data not installed.
var ErrLanguage = errors.New("bad OCR language")

// ParseLanguages reads a language setting into Options' Languages and
// Detect: "auto" (or empty), or a list as Tesseract's -l option writes it,
// "deu" or "eng+deu" (commas are accepted too), which reads every page in
// those languages and detects nothing.
func ParseLanguages(s string) (langs, detect []string, err error) {
	s = strings.TrimSpace(s)
	if s == "" || s == Auto {
		avail, err := gosseract.GetAvailableLanguages()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: list installed languages: %w", ErrLanguage, err)
		}
		for _, l := range detectable {
			if slices.Contains(avail, l) {
				detect = append(detect, l)
			}
		}
		return []string{"eng"}, detect, nil
	}
	for _, code := range strings.FieldsFunc(s, func(r rune) bool { return r == '+' || r == ',' || r == ' ' }) {
		if !validLanguage(code) {
			return nil, nil, fmt.Errorf("%w: %q", ErrLanguage, code)
		}
		if !slices.Contains(langs, code) {
			langs = append(langs, code)
		}
	}
	if len(langs) == 0 {
		return nil, nil, fmt.Errorf("%w: %q", ErrLanguage, s)
	}
	return langs, nil, nil
}

// validLanguage accepts a traineddata name: lower-case letters, digits and
// "_" ("eng", "chi_sim"), never a path.
func validLanguage(code string) bool {
	if code == "" || len(code) > 16 {
		return false
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// languageWords are words that receipts in one language print and
// English ones do not: labels, greetings, legal forms, street words.
// Words of two letters are left out: OCR makes them from any noise.
var languageWords = map[string][]string{
	"deu": {"SUMME", "MWST", "UST", "ZAHLEN", "RUCKGELD", "RUECKGELD", "BARGELD", "GEGEBEN", "ZURUCK", "VIELEN", "DANK",
		"FUR", "IHREN", "IHR", "EINKAUF", "UHR", "STRASSE", "STR", "DATUM", "UHRZEIT", "KASSE", "BELEG", "KASSENBON",
		"QUITTUNG", "NETTO", "BRUTTO", "BETRAG", "GESAMT", "STEUERNUMMER", "FILIALE", "KARTENZAHLUNG", "ZAHLUNG",
		"ERFOLGT", "BITTE", "UND", "DER", "DIE", "DAS", "MIT", "SIE", "WIR", "GMBH", "PFAND", "ANZAHL", "ARTIKEL",
		"MEHRWERTSTEUER", "KUNDENBELEG", "AUFBEWAHREN", "UMTAUSCH", "BEDIENTE", "POSTEN", "ENTHALTEN"},
	"fra": {"TTC", "TVA", "MERCI", "ESPECES", "RENDU", "MONNAIE", "CARTE", "BANCAIRE", "MONTANT", "PAYER", "CAISSE",
		"VOTRE", "VISITE", "BIENTOT", "SARL", "SIRET", "RUE", "POUR", "AVEC", "HEURE", "QTE", "PRIX",
		"REMISE", "VENTE", "SOMME", "FACTURE", "NOUS", "VOUS", "BIENVENUE", "TOTAUX"},
	"nld": {"TOTAAL", "BTW", "BEDANKT", "BETALEN", "BETAALD", "PINNEN", "WISSELGELD", "CONTANT", "TERUG", "BEDRAG",
		"KASSABON", "VOOR", "BEZOEK", "HET", "EEN", "STRAAT", "KVK", "ZIENS", "GEPIND", "ARTIKELEN",
		"PRIJS", "KORTING", "BONNR", "WIJ", "AANKOOP", "OPENINGSTIJDEN"},
	"spa": {"IVA", "GRACIAS", "EFECTIVO", "CAMBIO", "TARJETA", "IMPORTE", "FACTURA", "SIMPLIFICADA", "CIF", "NIF",
		"CALLE", "AVDA", "POR", "VISITA", "ENTREGADO", "PRECIO", "UNIDADES", "DESCUENTO", "CUOTA", "PAGAR", "CLIENTE",
		"TIENDA", "FECHA", "HORA", "ATENDIDO", "DEVOLUCION", "TOTALES"},
	"ita": {"IVA", "TOTALE", "GRAZIE", "CONTANTI", "RESTO", "SCONTRINO", "FISCALE", "IMPORTO", "DOCUMENTO",
		"COMMERCIALE", "PAGAMENTO", "ELETTRONICO", "CORRISPETTIVO", "PIAZZA", "PARTITA", "ARRIVEDERCI", "SCONTO",
		"PREZZO", "CASSA", "DEL", "DELLA", "ARTICOLI", "VENDITA", "RESO"},
}

// minLanguageWords is how many different words of one language a page
// must show before it is read again in that language.
const minLanguageWords = 4

// DetectLanguage tells which of the languages among a text read in
// English is in: the one whose words (languageWords) it holds most, at
// least minLanguageWords different ones; "" when none (read on in
// English). Accented letters and ß count as one word more for German,
// French, Spanish and Italian.
func DetectLanguage(text string, among []string) string {
	words := map[string]bool{}
	accents := 0
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if strings.ContainsAny(w, "äöüßéèêàçñùìòÄÖÜÉÈÀÇÑ") {
			accents++
		}
		words[foldWord(w)] = true
	}
	best, bestN := "", 0
	for _, l := range among {
		n := 0
		for _, w := range languageWords[l] {
			if words[w] {
				n++
			}
		}
		if accents >= 2 && l != "nld" {
			n++
		}
		if n > bestN {
			best, bestN = l, n
		}
	}
	if bestN < minLanguageWords {
		return ""
	}
	return best
}

// foldWord upper-cases a word and writes its accented letters plain
// ("Rückgeld" is RUCKGELD, "Straße" STRASSE).
func foldWord(w string) string {
	var b strings.Builder
	for _, r := range w {
		switch r {
		case 'ß':
			b.WriteString("SS")
			continue
		case 'ä', 'Ä', 'à', 'À', 'â', 'Â', 'á', 'Á':
			r = 'A'
		case 'ö', 'Ö', 'ô', 'Ô', 'ó', 'Ó', 'ò', 'Ò':
			r = 'O'
		case 'ü', 'Ü', 'û', 'Û', 'ú', 'Ú', 'ù', 'Ù':
			r = 'U'
		case 'é', 'É', 'è', 'È', 'ê', 'Ê', 'ë', 'Ë':
			r = 'E'
		case 'ç', 'Ç':
			r = 'C'
		case 'ñ', 'Ñ':
			r = 'N'
		case 'í', 'Í', 'ì', 'Ì', 'î', 'Î', 'ï', 'Ï':
			r = 'I'
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// inItsLanguage reads a page again in its own language when the words
// of its first reading are one of the languages to detect, and returns
// that reading, noting the language in src; otherwise the first. A later
// pass over a page whose language is known was read in it (readIn).
func (e *Engine) inItsLanguage(src *pageSource, pass Pass, g *image.Gray, words []tessWord) ([]tessWord, error) {
	if len(e.detect) == 0 || pass != FirstPass && src.lang != "" {
		return words, nil
	}
	var b strings.Builder
	for _, w := range words {
		b.WriteString(w.Text)
		b.WriteByte(' ')
	}
	lang := DetectLanguage(b.String(), e.detect)
	if lang == "" {
		return words, nil
	}
	c, err := e.languageClient(lang)
	if err != nil {
		return nil, err
	}
	src.lang = lang
	return recognizeWith(c, g)
}

// readIn is Tesseract's reading of a page for pass: in the page's own
// language when a first reading found it (a second pass would otherwise
// read a German receipt in English again only to find it German, a whole
// reading for nothing), else in the engine's.
func (e *Engine) readIn(src *pageSource, pass Pass, g *image.Gray) ([]tessWord, error) {
	if pass == FirstPass || src.lang == "" || len(e.detect) == 0 {
		return e.recognize(g)
	}
	c, err := e.languageClient(src.lang)
	if err != nil {
		return nil, err
	}
	return recognizeWith(c, g)
}

// languageClient is the Tesseract instance that reads in lang, one of the
// languages to detect, made the first time it is asked for.
func (e *Engine) languageClient(lang string) (*gosseract.Client, error) {
	if c, ok := e.other[lang]; ok {
		return c, nil
	}
	c, err := newClient([]string{lang})
	if err != nil {
		return nil, err
	}
	e.other[lang] = c
	return c, nil
}
