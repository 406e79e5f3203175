package extract

import (
	"regexp"
	"strings"
	"unicode"

	"tillroll/ocr"
)

// The structure of an address block: which rows carry it on, which words
// on them are specks, and the words it prints twice.

// continuesAddress tells whether row i, inside an address, carries it on
// to the next row though it holds no address word of its own ("(X) U13/X,
// SETIA ALAM," between a street and "SEKSYEN U13, 40170 SHAH ALAM"): the
// next row on the page is an address line, and row i ends with a comma
// (the address's list goes on) or the next row holds a postcode.
func continuesAddress(lay *layout, i int) bool {
	if i+1 >= len(lay.rows) || lay.rows[i+1].page != lay.rows[i].page {
		return false
	}
	next := strings.TrimSpace(lay.rows[i+1].text)
	nk := kindOf(next)
	if !nk.addr || nk.phone || nk.taxID || nk.date || nk.title || nk.email {
		return false
	}
	return strings.HasSuffix(strings.TrimSpace(lay.rows[i].text), ",") || rePostcode.MatchString(fold(next))
}

// speckConf is the confidence under which a word of one or two letters
// or digits at the end of an address row is a speck OCR read as text.
const speckConf = 10

// addressText is a row's text without the specks read as short words at
// its end ("40170 SETIA ALAM a3", the last at confidence 0).
func addressText(r *row) string {
	ws := r.words
	for len(ws) > 1 {
		w := ws[len(ws)-1]
		if w.Conf >= speckConf || alnumCount(w.Text) > 2 {
			break
		}
		ws = ws[:len(ws)-1]
	}
	text, _ := ocr.JoinWords(ws)
	return strings.TrimSpace(text)
}

// alnumCount counts the letters and digits of s.
func alnumCount(s string) int { return letterCount(s) + digitCount(s) }

// reNumberLine is a row that is a label and a phone-like number and
// nothing else ("Careline : 1800 88 1231", "Tel: 03-1234 5678").
var reNumberLine = regexp.MustCompile(`^[^\d]{0,30}[:\s]\s*\+?\d[\d\s\-()]{6,}\d$`)

// numberLine tells whether text is a label and a number of seven digits
// or more: a phone, a careline, a fax; never part of an address.
func numberLine(text string) bool {
	t := strings.TrimSpace(text)
	return digitCount(t) >= 7 && reNumberLine.MatchString(t)
}

// startsAddress tells whether an address row opens with its first
// element: a unit, lot, level, block or house number ("UNIT 105,",
// "No. 9,", "Lot 12", "33 Jln ...").
func startsAddress(text string) bool {
	toks := strings.Fields(strings.TrimSpace(reLeadJunk.ReplaceAllString(text, "")))
	if len(toks) == 0 {
		return false
	}
	first := strings.ToUpper(strings.Trim(toks[0], ",.:;"))
	switch first {
	case "UNIT", "LOT", "NO", "LEVEL", "BLOCK", "BLK", "SUITE", "LOR":
		return true
	}
	if strings.HasPrefix(first, "NO.") || strings.HasPrefix(first, "NO") && len(first) > 2 && allDigits(first[2:]) {
		return true
	}
	return reHouseNumber.MatchString(strings.Trim(toks[0], ",."))
}

// repeatMargin is how much surer (in confidence points) one reading of a
// word printed twice in an address must be for the other to take it.
const repeatMargin = 5

// sameWordTwice mends a word an address prints twice but OCR read
// differently in one place ("TAMAN MALURI ... TAMAN MALURT", "Jalan
// Harmoni ... Taman Desa Harmoni"): two runs of five letters or more of
// one length that differ in one letter are one word, spelt as the surer
// reading has it when it is repeatMargin points surer. Street and
// district names repeat in an address far more often than two words one
// letter apart.
func sameWordTwice(addr string, words []ocr.Word) string {
	sure := map[string]float64{}
	for _, w := range words {
		for _, run := range letterRuns(w.Text) {
			if up := strings.ToUpper(run); len(up) >= 5 && w.Conf > sure[up] {
				sure[up] = w.Conf
			}
		}
	}
	if len(sure) < 2 {
		return addr
	}
	fix := map[string]string{}
	for a, ca := range sure {
		for b, cb := range sure {
			if a != b && len(a) == len(b) && hamming(a, b) == 1 && ca >= cb+repeatMargin {
				if prev, ok := fix[b]; !ok || sure[prev] < ca {
					fix[b] = a
				}
			}
		}
	}
	if len(fix) == 0 {
		return addr
	}
	var out strings.Builder
	rs := []rune(addr)
	for i := 0; i < len(rs); {
		if !unicode.IsLetter(rs[i]) {
			out.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && unicode.IsLetter(rs[j]) {
			j++
		}
		run := string(rs[i:j])
		if to, ok := fix[strings.ToUpper(run)]; ok {
			run = matchCase(to, run)
		}
		out.WriteString(run)
		i = j
	}
	return out.String()
}

// letterRuns are the runs of letters in s ("1,KEPONG" gives KEPONG).
func letterRuns(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

// hamming counts the places where a and b, of one length, differ.
func hamming(a, b string) int {
	n := 0
	for i := range len(a) {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// letterFor are the letters OCR reads as a digit inside a word.
var letterFor = map[rune][]rune{'1': {'L', 'I'}, '0': {'O'}, '5': {'S'}, '8': {'B'}}

// digitInAddressWord mends an address word OCR read with one letter as a
// digit ("Leve1" is "Level"): a word of five characters or more, all
// letters but one such digit, that reads as exactly one address word
// with the digit taken as its letter. It returns "" when there is none.
func digitInAddressWord(t string) string {
	core := strings.TrimRight(strings.TrimLeft(t, "([\"'"), ",.;:)]\"'")
	rs := []rune(core)
	if len(rs) < 5 || digitCount(core) != 1 || letterCount(core) != len(rs)-1 {
		return ""
	}
	found := ""
	for i, r := range rs {
		for _, l := range letterFor[r] {
			c := append([]rune(nil), rs...)
			c[i] = l
			up := fold(string(c))
			for _, a := range addressWords {
				if a == up {
					if found != "" && found != a {
						return ""
					}
					found = a
				}
			}
		}
	}
	if found == "" {
		return ""
	}
	model := strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return -1
		}
		return r
	}, core)
	return strings.Replace(t, core, matchCase(found, model), 1)
}
