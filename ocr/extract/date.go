package extract

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// monthNames maps month names and their common abbreviations, in English,
// Malay, French, German, Dutch, Spanish, Italian and Indonesian, to 1-12.
var monthNames = map[string]int{
	"JAN": 1, "JANUARY": 1, "JANVIER": 1, "JANUAR": 1, "JANUARI": 1, "ENERO": 1, "ENE": 1, "GENNAIO": 1, "JÄNNER": 1,
	"FEB": 2, "FEBRUARY": 2, "FEVRIER": 2, "FÉVRIER": 2, "FÉV": 2, "FEV": 2, "FEBRUAR": 2, "FEBRUARI": 2, "FEBRERO": 2, "FEBBRAIO": 2, "PEB": 2,
	"MAR": 3, "MARCH": 3, "MARS": 3, "MÄRZ": 3, "MAERZ": 3, "MAART": 3, "MAC": 3, "MARZO": 3, "MAC.": 3, "MRT": 3, "MÄR": 3,
	"APR": 4, "APRIL": 4, "AVRIL": 4, "AVR": 4, "ABRIL": 4, "ABR": 4, "APRILE": 4,
	"MAY": 5, "MAI": 5, "MEI": 5, "MAYO": 5, "MAGGIO": 5, "MAG": 5,
	"JUN": 6, "JUNE": 6, "JUIN": 6, "JUNI": 6, "JUNIO": 6, "GIUGNO": 6,
	"JUL": 7, "JULY": 7, "JUILLET": 7, "JUIL": 7, "JULI": 7, "JULIO": 7, "LUGLIO": 7, "JULAI": 7,
	"AUG": 8, "AUGUST": 8, "AOUT": 8, "AOÛT": 8, "AUGUSTUS": 8, "AGOSTO": 8, "AGO": 8, "OGOS": 8, "AGU": 8, "AGUSTUS": 8,
	"SEP": 9, "SEPT": 9, "SEPTEMBER": 9, "SEPTEMBRE": 9, "SEPTIEMBRE": 9, "SETTEMBRE": 9, "SET": 9,
	"OCT": 10, "OCTOBER": 10, "OCTOBRE": 10, "OKT": 10, "OKTOBER": 10, "OCTUBRE": 10, "OTTOBRE": 10, "OTT": 10,
	"NOV": 11, "NOVEMBER": 11, "NOVEMBRE": 11, "NOVIEMBRE": 11, "NOP": 11,
	"DEC": 12, "DECEMBER": 12, "DECEMBRE": 12, "DÉCEMBRE": 12, "DÉC": 12, "DEZ": 12, "DEZEMBER": 12, "DIC": 12, "DICIEMBRE": 12, "DICEMBRE": 12, "DIS": 12, "DISEMBER": 12, "DES": 12, "DESEMBER": 12,
}

var (
	// 09/01/2019, 28-05-2018, 19/05/16, 18-10- 17, 2018-05-28, 01.05.14;
	// matched at the start of the text it is given.
	reNumDate = regexp.MustCompile(`^(\d{1,4})\s?([/.\-])\s?(\d{1,2})\s?([/.\-])\s?(\d{4}|\d{2})`)
	// 14/MAY/2017, 24-Mar-2018, 12 Jan 2019, 19 april 2014, 7. Mai 2014, 3rd of June 2020
	// (a word of letters stands for the month, looked up in monthNames)
	reDayMonYear = regexp.MustCompile(`(^|[^0-9])(\d{1,2})(?:st|nd|rd|th|er|e|ST|ND|RD|TH)?\.?\s?(?:of\s)?[/.\- |fl]?\s?(\p{L}{3,10})\.?\s?[/.\-, ]?\s?'?(\d{4}|\d{2})($|[^0-9])`)
	// Jan 12, 2019, OCT 3, 2016, August 3 , 2014
	reMonDayYear = regexp.MustCompile(`(^|[^\p{L}])(\p{L}{3,10})\.?\s?[/.\- ]?\s?(\d{1,2})(?:st|nd|rd|th|ST|ND|RD|TH)?\s?,?\s?(\d{4})($|[^0-9])`)
)

// dateMatch is one date read from a text, with where it was.
type dateMatch struct {
	y, m, d int
	// ambiguous is true for a numeric date whose day and month could be
	// swapped (03/04/2018); alt is then the month-first reading, and
	// y, m, d the day-first one.
	ambiguous bool
	altM      int
	altD      int
	// order is "dmy", "mdy" when the numbers themselves decide it (a part
	// above 12), "ymd", or "text" for a written month.
	order      string
	twoDigitYr bool
	// guessed is true when a misread part was put right: a month name
	// one letter off, or a year in the future with a digit OCR confuses.
	guessed    bool
	start, end int
}

// iso is the date as yyyy-mm-dd, the given order deciding an ambiguous one.
func (m dateMatch) iso(dayFirst bool) string {
	if m.ambiguous && !dayFirst {
		return fmt.Sprintf("%04d-%02d-%02d", m.y, m.altM, m.altD)
	}
	return fmt.Sprintf("%04d-%02d-%02d", m.y, m.m, m.d)
}

// validDate reports whether y-m-d is a real calendar date in a plausible
// range for a receipt.
func validDate(y, m, d int) bool {
	if y < 1970 || y > 2099 || m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Year() == y && int(t.Month()) == m && t.Day() == d
}

// now is the clock the extraction judges years by.
var now = time.Now

// repairYear puts right a year that cannot be a receipt's, being more
// than a year ahead of the clock, when changing one digit into the one OCR
// most often reads it as (1 and 7, 0 and 8, 3 and 8, 5 and 6) gives the
// only year in this century up to next year: 2078 was 2018. Other years
// are returned as they are; repaired tells whether it changed.
func repairYear(y int) (fixed int, repaired bool) {
	latest := now().Year() + 1
	if y <= latest || y > 9999 {
		return y, false
	}
	confused := map[byte]string{'1': "7", '7': "1", '0': "8", '8': "036", '3': "8", '5': "6", '6': "58"}
	digits := []byte(strconv.Itoa(y))
	found := 0
	for i, c := range digits {
		for _, r := range []byte(confused[c]) {
			d := append([]byte(nil), digits...)
			d[i] = r
			v, _ := strconv.Atoi(string(d))
			if v >= 2000 && v <= latest && v != fixed {
				fixed = v
				found++
			}
		}
	}
	if found != 1 {
		return y, false
	}
	return fixed, true
}

// englishMonths are the abbreviations misreadMonth compares with.
var englishMonths = [12]string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}

// misreadMonth is the month of a three-letter word that differs in one
// letter from exactly one English abbreviation ("FEU" or "FEN" for FEB),
// or 0.
func misreadMonth(word string) int {
	if len(word) != 3 {
		return 0
	}
	month := 0
	for i, m := range englishMonths {
		diff := 0
		for j := range 3 {
			if word[j] != m[j] {
				diff++
			}
		}
		if diff == 1 {
			if month != 0 {
				return 0
			}
			month = i + 1
		}
	}
	return month
}

// between tells whether s[start:end] has one of the separators right
// before and right after it, as the month of 25/FEB/2017 has.
func between(s string, start, end int, seps string) bool {
	return start > 0 && end < len(s) && strings.IndexByte(seps, s[start-1]) >= 0 && strings.IndexByte(seps, s[end]) >= 0
}

func fullYear(s string) (int, bool) {
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	if len(s) == 2 {
		if v < 70 {
			return 2000 + v, true
		}
		return 1900 + v, true
	}
	if len(s) == 4 {
		return v, true
	}
	return 0, false
}

// fixDateDigits replaces letters OCR reads in place of digits inside
// date-like words ("O3/O4/2018", "14-@2-2018"), and zeros read in place
// of the O of a month's name ("0ct 3, 2016"). It changes ASCII bytes
// only, so that offsets into s stay valid.
func fixDateDigits(s string) string {
	b := []byte(s)
	start := 0
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' {
			continue
		}
		w := b[start:i]
		digits, seps := 0, 0
		for _, c := range w {
			switch {
			case c >= '0' && c <= '9':
				digits++
			case c == '/' || c == '-' || c == '.':
				seps++
			}
		}
		if digits >= 4 && seps >= 2 {
			for j, c := range w {
				switch c {
				case 'O', 'o', '@', 'Q', 'D':
					w[j] = '0'
				case 'l', 'I', '|', '!':
					w[j] = '1'
				}
			}
		}
		// A month's name with a zero read for its O ("0ct", "N0V").
		if digits > 0 && digits < len(w) {
			if o := bytes.ReplaceAll(w, []byte("0"), []byte("O")); monthNames[fold(strings.TrimRight(string(o), ".,"))] != 0 {
				copy(w, o)
			}
		}
		start = i + 1
	}
	return string(b)
}

// findDates reads every date in s.
func findDates(s string) []dateMatch {
	s = fixDateDigits(s)
	var out []dateMatch
	taken := func(a, b int) bool {
		for _, m := range out {
			if a < m.end && b > m.start {
				return true
			}
		}
		return false
	}
	for _, g := range reDayMonYear.FindAllStringSubmatchIndex(s, -1) {
		d, _ := strconv.Atoi(s[g[4]:g[5]])
		word := fold(s[g[6]:g[7]])
		mon, guessed := monthNames[word], false
		if mon == 0 && between(s, g[6], g[7], "/-") {
			mon, guessed = misreadMonth(word), true
		}
		y, ok := fullYear(s[g[8]:g[9]])
		if !ok {
			continue
		}
		y, repaired := repairYear(y)
		if !validDate(y, mon, d) {
			continue
		}
		out = append(out, dateMatch{y: y, m: mon, d: d, order: "text", twoDigitYr: g[9]-g[8] == 2,
			guessed: guessed || repaired, start: g[4], end: g[9]})
	}
	for _, g := range reMonDayYear.FindAllStringSubmatchIndex(s, -1) {
		if taken(g[4], g[9]) {
			continue
		}
		mon := monthNames[fold(s[g[4]:g[5]])]
		d, _ := strconv.Atoi(s[g[6]:g[7]])
		y, ok := fullYear(s[g[8]:g[9]])
		if !ok {
			continue
		}
		y, repaired := repairYear(y)
		if !validDate(y, mon, d) {
			continue
		}
		out = append(out, dateMatch{y: y, m: mon, d: d, order: "text", guessed: repaired, start: g[4], end: g[9]})
	}
	// Numeric dates, tried at every digit that starts a number.
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
			continue
		}
		g := submatchAt(reNumDate, s, i)
		if g == nil {
			continue
		}
		start, end := g[0], g[1]
		if end < len(s) && s[end] >= '0' && s[end] <= '9' {
			continue
		}
		if taken(start, end) {
			continue
		}
		a, b, c := s[g[2]:g[3]], s[g[6]:g[7]], s[g[10]:g[11]]
		// A date uses one kind of separator.
		if s[g[4]:g[5]] != s[g[8]:g[9]] {
			continue
		}
		if len(a) == 4 {
			y, _ := strconv.Atoi(a)
			y, repaired := repairYear(y)
			mo, _ := strconv.Atoi(b)
			d, _ := strconv.Atoi(c)
			if len(c) > 2 || !validDate(y, mo, d) {
				continue
			}
			out = append(out, dateMatch{y: y, m: mo, d: d, order: "ymd", guessed: repaired, start: start, end: end})
			continue
		}
		if len(a) > 2 {
			continue
		}
		y, ok := fullYear(c)
		if !ok {
			continue
		}
		y, repaired := repairYear(y)
		p1, _ := strconv.Atoi(a)
		p2, _ := strconv.Atoi(b)
		dmy := validDate(y, p2, p1)
		mdy := validDate(y, p1, p2)
		m := dateMatch{y: y, twoDigitYr: len(c) == 2, guessed: repaired, start: start, end: end}
		switch {
		case dmy && mdy && p1 != p2:
			m.m, m.d, m.altM, m.altD = p2, p1, p1, p2
			m.ambiguous = true
			m.order = "?"
		case dmy:
			m.m, m.d = p2, p1
			m.order = "dmy"
			if p1 <= 12 {
				m.order = "?" // same either way (05/05/2018)
			}
		case mdy:
			m.m, m.d = p1, p2
			m.order = "mdy"
		default:
			continue
		}
		out = append(out, m)
	}
	return out
}

// ParseDate reads the first date in s, written in any of the usual ways
// (09/01/2019, 14/MAY/2017, 28-05-2018, 19/05/16, 2018-05-28, 12 Jan 2019,
// Jan 12, 2019, 7. Mai 2014, ...). dayFirst decides a numeric date whose
// parts could be either day or month (03/04/2018); a part above 12 decides
// by itself. The result is a valid calendar date at midnight UTC.
func ParseDate(s string, dayFirst bool) (time.Time, bool) {
	ms := findDates(s)
	if len(ms) == 0 {
		return time.Time{}, false
	}
	best := ms[0]
	for _, m := range ms[1:] {
		if m.start < best.start {
			best = m
		}
	}
	t, err := time.Parse("2006-01-02", best.iso(dayFirst))
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// submatchAt is re's submatch indexes for a match starting at s[i], as
// offsets into s; nil when there is none.
func submatchAt(re *regexp.Regexp, s string, i int) []int {
	g := re.FindStringSubmatchIndex(s[i:])
	for k := range g {
		if g[k] >= 0 {
			g[k] += i
		}
	}
	return g
}

// reTime is a time of day at the start of the text it is given.
var reTime = regexp.MustCompile(`(?i)^(\d{1,2})\s?([:.])\s?(\d{2})(?:\s?[:.]\s?(\d{2}))?(?:\s?([AP])\.?\s?[MH]\.?)?`)

// timeMatch is one time of day read from a text.
type timeMatch struct {
	h, m       int
	seconds    bool
	meridiem   bool
	start, end int
}

// findTimes reads the times of day in s: 12:34, 12:34:56, 1:05 PM, 08.18.00.
func findTimes(s string) []timeMatch {
	var out []timeMatch
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || i > 0 && (isDigit(s[i-1]) || s[i-1] == ':' || s[i-1] == '.' || s[i-1] == '/' || s[i-1] == '-') {
			continue
		}
		g := submatchAt(reTime, s, i)
		if g == nil {
			continue
		}
		end := g[1]
		if end < len(s) && (isDigit(s[end]) || s[end] == '/') {
			continue
		}
		if g[10] < 0 && end < len(s) && unicode.IsLetter(rune(s[end])) {
			continue // "12:30abc"
		}
		h, _ := strconv.Atoi(s[g[2]:g[3]])
		mi, _ := strconv.Atoi(s[g[6]:g[7]])
		sep := s[g[4]:g[5]]
		hasSec := g[8] >= 0
		if sep == "." && !hasSec {
			continue // 12.50 is an amount
		}
		if hasSec {
			sec, _ := strconv.Atoi(s[g[8]:g[9]])
			if sec > 59 {
				continue
			}
		}
		if mi > 59 || h > 23 {
			continue
		}
		tm := timeMatch{h: h, m: mi, seconds: hasSec, start: g[2], end: end}
		if g[10] >= 0 {
			if h < 1 || h > 12 {
				continue
			}
			tm.meridiem = true
			pm := strings.EqualFold(s[g[10]:g[11]], "P")
			switch {
			case pm && h != 12:
				tm.h = h + 12
			case !pm && h == 12:
				tm.h = 0
			}
		}
		out = append(out, tm)
		i = end - 1
	}
	return out
}

func (t timeMatch) String() string { return fmt.Sprintf("%02d:%02d", t.h, t.m) }
