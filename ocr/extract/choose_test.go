package extract

import (
	"fmt"
	"strings"
	"testing"

	"tillroll/ocr"
)

// twoReadings is a document whose lines Tesseract read as first and the
// second recognizer as second (line by line; "" where it did not read
// the line again).
func twoReadings(t *testing.T, first, second []string) ocr.Document {
	t.Helper()
	if len(first) != len(second) {
		t.Fatalf("%d lines and %d second readings", len(first), len(second))
	}
	doc := docFromLines(first...)
	alt := docFromLines(second...)
	ai := 0
	for i, s := range second {
		if s == "" {
			continue
		}
		for ai < len(alt.Pages[0].Lines) && alt.Pages[0].Lines[ai].Box.Min.Y != doc.Pages[0].Lines[i].Box.Min.Y {
			ai++
		}
		doc.Pages[0].Lines[i].Alt = alt.Pages[0].Lines[ai].Words
	}
	return doc
}

func TestChooseByArithmetic(t *testing.T) {
	head := []string{"ABC HO TRADING", "NO 2, JALAN HARMONI 3/2", "81100 JOHOR BAHRU"}
	with := func(lines ...string) []string { return append(append([]string(nil), head...), lines...) }
	tests := []struct {
		name          string
		first, second []string
		total         float64
		date          string
		// sure is whether the total and the date come out at confidence
		// >= SureConfidence.
		sureTotal, sureDate bool
	}{{
		name:   "subtotal plus tax settle a disputed total for the second reading",
		first:  with("DATE 15/03/2018", "PLASTIC BAG\t29.25", "SUBTOTAL\t29.25", "GST 6%\t1.75", "TOTAL\t34.00"),
		second: with("DATE 15/03/2018", "PLASTIC BAG\t29.25", "SUBTOTAL\t29.25", "GST 6%\t1.75", "TOTAL\t31.00"),
		total:  31.00, date: "2018-03-15", sureTotal: true, sureDate: true,
	}, {
		name:   "cash less change settles a disputed total for the first reading",
		first:  with("DATE 15/03/2018", "TOTAL\t31.00", "CASH\t50.00", "CHANGE\t19.00"),
		second: with("DATE 15/03/2018", "TOTAL\t81.00", "CASH\t50.00", "CHANGE\t19.00"),
		total:  31.00, date: "2018-03-15", sureTotal: true, sureDate: true,
	}, {
		name:   "the same total printed twice in one reading",
		first:  with("DATE 15/03/2018", "TOTAL\t37.50", "ITEM A\t12.00", "AMOUNT DUE\t37.50"),
		second: with("DATE 15/03/2018", "TOTAL\t87.50", "ITEM A\t12.00", "AMOUNT DUE\t37.50"),
		total:  37.50, date: "2018-03-15", sureTotal: true, sureDate: true,
	}, {
		name:   "a total before rounding plus the rounding settles it",
		first:  with("DATE 15/03/2018", "TOTAL SALES INCL GST\t45.34", "ROUNDING ADJ\t0.01", "TOTAL ROUNDED\t48.35"),
		second: with("DATE 15/03/2018", "TOTAL SALES INCL GST\t45.34", "ROUNDING ADJ\t0.01", "TOTAL ROUNDED\t45.35"),
		total:  45.35, date: "2018-03-15", sureTotal: true, sureDate: true,
	}, {
		name:   "nothing settles a disputed total: the answer is not sure",
		first:  with("DATE 15/03/2018", "TOTAL\t34.00"),
		second: with("DATE 15/03/2018", "TOTAL\t31.00"),
		total:  -1, date: "2018-03-15", sureTotal: false, sureDate: true,
	}, {
		name:   "the date printed again settles a disputed date",
		first:  with("DATE 16/03/2018 10:15", "TOTAL\t31.00", "SUBTOTAL\t29.25", "GST\t1.75", "15/03/2018 10:16"),
		second: with("DATE 15/03/2018 10:15", "TOTAL\t31.00", "SUBTOTAL\t29.25", "GST\t1.75", "15/03/2018 10:16"),
		total:  31.00, date: "2018-03-15", sureTotal: true, sureDate: true,
	}, {
		name: "the totals per tax rate add up to a total payable both readers misread",
		first: with("DATE 03/08/2017", "Total 0% supplies:\t19.83", "Total 6% supplies (excl. GST):\t30.24", "GST:\t1.81",
			"Total 6% supplies (Inc. GST):\t32.05", "Total Payable:\t- 5143"),
		second: with("DATE 03/08/2017", "Total 0% supplies:\t19.83", "Total 6% supplies (excl. GST):\t30.24", "GST:\t1.81",
			"Total 6% supplies (Inc. GST):\t32.05", "Total Payable:\t- 51*8"),
		total: 51.88, date: "2017-08-03", sureTotal: false, sureDate: true,
	}, {
		name: "a return makes one rate's total negative",
		first: with("DATE 18/09/2017", "Total 0% supplies:\t-9.62", "Total 6% supplies (excl. GST):\t14.64", "GST:\t0.88",
			"Total 6% supplies (Inc. GST):\t15.52", "Total 0% supplies:\t=9,62", "Total Payable:\t5.9"),
		second: with("DATE 18/09/2017", "Total 0% supplies:\t-9.62", "Total 6% supplies (excl. GST):\t14.64", "GST:\t0.88",
			"Total 6% supplies (Inc. GST):\t15.52", "Total 0% supplies:\t-9.62", "Total Payable:\t5.90"),
		total: 5.90, date: "2017-09-18", sureTotal: true, sureDate: true,
	}, {
		name: "no sum of the rates is made up when the total's row does not show it",
		first: with("DATE 03/08/2017", "Total 0% supplies:\t19.83", "Total 6% supplies (excl. GST):\t30.24", "GST:\t1.81",
			"Total 6% supplies (Inc. GST):\t32.05", "Total Payable:\t- 9090"),
		second: with("DATE 03/08/2017", "Total 0% supplies:\t19.83", "Total 6% supplies (excl. GST):\t30.24", "GST:\t1.81",
			"Total 6% supplies (Inc. GST):\t32.05", "Total Payable:\t- 9090"),
		total: -2, date: "2017-08-03", sureTotal: false, sureDate: true,
	}, {
		name:   "one rate alone is the total",
		first:  with("DATE 03/08/2017", "Total 6% supplies (excl. GST):\t30.24", "GST:\t1.81", "Total 6% supplies (Inc. GST):\t32.05"),
		second: with("DATE 03/08/2017", "Total 6% supplies (excl. GST):\t30.24", "GST:\t1.81", "Total 6% supplies (Inc. GST):\t32.05"),
		total:  32.05, date: "2017-08-03", sureTotal: true, sureDate: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Extract(twoReadings(t, tt.first, tt.second))
			if tt.total == -2 && near(f.Total, 51.88) {
				t.Errorf("total %.2f, a sum the receipt does not print", f.Total)
			}
			if tt.total >= 0 && f.Total != tt.total {
				t.Errorf("total %.2f, want %.2f", f.Total, tt.total)
			}
			if tt.total == -1 && f.Total != 34 && f.Total != 31 {
				t.Errorf("total %.2f, want one of the two readings", f.Total)
			}
			if f.Date != tt.date {
				t.Errorf("date %q, want %q", f.Date, tt.date)
			}
			if got := f.Confidence[KeyTotal] >= SureConfidence; got != tt.sureTotal {
				t.Errorf("total confidence %d, sure %v, want %v", f.Confidence[KeyTotal], got, tt.sureTotal)
			}
			if got := f.Confidence[KeyDate] >= SureConfidence; got != tt.sureDate {
				t.Errorf("date confidence %d, sure %v, want %v", f.Confidence[KeyDate], got, tt.sureDate)
			}
		})
	}
}

func TestChooseMerchantByAgreement(t *testing.T) {
	first := []string{"ABC HO TRADING", "NO 2, JALAN HARMONI 3/2", "DATE 15/03/2018", "TOTAL\t31.00"}
	one := Extract(docFromLines(first...))
	agree := Extract(twoReadings(t, first, []string{"ABC HO TRADING", "NO 2, JALAN HARMONI 3/2", "", ""}))
	if agree.VendorName != "ABC HO TRADING" {
		t.Fatalf("merchant %q", agree.VendorName)
	}
	if agree.Confidence[KeyVendorName] <= one.Confidence[KeyVendorName] {
		t.Errorf("two readings agreeing: confidence %d, one reading %d", agree.Confidence[KeyVendorName], one.Confidence[KeyVendorName])
	}
}

func TestReread(t *testing.T) {
	// "~": a word Tesseract was unsure of.
	lines := []string{
		"ABC ~HO TRADING", "NO 2, JALAN ~HARMONI 3/2", "81100 JOHOR BAHRU", "TEL 07-355 2616",
		"DATE ~15/03/2018 10:16 PM", "PLASTIC ~BAG\t~29.25", "SUGAR 1KG\t~1.75",
		"TOTAL\t~31.00", "CASH\t~50.00", "CHANGE\t19.00", "THANK ~YOU COME AGAIN",
	}
	doc := docFromLines(lines...)
	p := doc.Pages[0]
	got := map[int]ocr.Span{}
	for _, sp := range Reread(p) {
		if _, dup := got[sp.Line]; dup {
			t.Fatalf("line %d: two spans", sp.Line)
		}
		got[sp.Line] = sp
	}
	whole := func(i int) ocr.Span { return ocr.Span{Line: i, First: 0, End: len(p.Lines[i].Words)} }
	want := map[int]ocr.Span{
		0: whole(0),                    // the merchant
		1: whole(1),                    // beside it, and the address
		4: {Line: 4, First: 1, End: 3}, // the date and the time
		7: {Line: 7, First: 1, End: 2}, // the total's amount
		8: {Line: 8, First: 1, End: 2},
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("line %d %q: span %v, want %v", i, lines[i], got[i], w)
		}
	}
	// Items and the footer; the address line and the change Tesseract
	// was sure of.
	for _, i := range []int{2, 5, 6, 9, 10} {
		if sp, ok := got[i]; ok {
			t.Errorf("line %d %q read again: %v", i, lines[i], sp)
		}
	}
	p.TextLayer = true
	if got := Reread(p); len(got) != 0 {
		t.Errorf("a text layer is read again: %v", got)
	}
}

func TestRereadDatesAndLargePrint(t *testing.T) {
	lines := []string{
		"ADVANCO COMPANY", "53300 KUALA LUMPUR",
		"CB#H: 289720 ~171012018 4 2153", // a date whose slashes were read as 1s
		"~17-66-13 12:56 SH01",           // a date and a time no rule parses
		"SR: CAR PARKING COUPON 1",
		"Total Payable:\t~5.9",     // printed in double height
		"TOTAL SALES\t~7.00 ~CASH", // two lines Tesseract ran together
		"THANK YOU",
	}
	doc := docFromLines(lines...)
	p := doc.Pages[0]
	grow := func(i int, words bool) {
		l := &p.Lines[i]
		l.Box.Max.Y = l.Box.Min.Y + 45
		if words {
			for j := range l.Words {
				l.Words[j].Box.Max.Y = l.Words[j].Box.Min.Y + 45
			}
		}
	}
	grow(5, true)
	grow(6, false)
	got := map[int][]ocr.Span{}
	for _, sp := range Reread(p) {
		got[sp.Line] = append(got[sp.Line], sp)
	}
	want := map[int][]ocr.Span{
		2: {{Line: 2, First: 1, End: 5}},
		3: {{Line: 3, First: 0, End: 3}},
		5: {{Line: 5, First: 2, End: 3}},
	}
	for i, w := range want {
		if fmt.Sprint(got[i]) != fmt.Sprint(w) {
			t.Errorf("line %d %q: spans %v, want %v", i, lines[i], got[i], w)
		}
	}
	for _, i := range []int{4, 6, 7} {
		if sp, ok := got[i]; ok {
			t.Errorf("line %d %q read again: %v", i, lines[i], sp)
		}
	}
}

func TestRereadUnparsedDateLine(t *testing.T) {
	// The date's line as Tesseract read a faint photo: labelled, with a
	// month no rule reads. The second reader reads the whole line.
	lines := []string{
		"KEDAI RUNCIT CHONG HWA", "3, JALAN PERDANA 5, KEPONG", "Receipt: ~33037",
		"Date; ~Get 3, ~2015 12:16:25 PM", "Terminal: ~CW01", "Total Sales\t~33.90", "THANK YOU",
	}
	p := docFromLines(lines...).Pages[0]
	var got []ocr.Span
	for _, sp := range Reread(p) {
		if sp.Line == 3 || sp.Line == 4 {
			got = append(got, sp)
		}
	}
	if want := []ocr.Span{{Line: 3, First: 0, End: len(p.Lines[3].Words)}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("spans on the date's and the terminal's lines %v, want %v", got, want)
	}
	// Where a date reads, its line is read as before: its digits.
	lines[3] = "Date: ~Oct 3, ~2015 12:16:25 PM"
	p = docFromLines(lines...).Pages[0]
	for _, sp := range Reread(p) {
		if sp.Line == 3 && sp.First == 0 {
			t.Errorf("a date that reads: its line read whole (%v)", sp)
		}
	}
}

func TestDateShaped(t *testing.T) {
	for _, tt := range []struct {
		word string
		want bool
	}{
		{"17-66-13", true}, {"15/O3/2018", true}, {"171012018", true}, {"12:56", true}, {"11:10PM", true},
		{"03-41318972", false}, {"001658445824", false}, {"12/480", false}, {"7.00", false}, {"064074", false},
	} {
		if got := dateShaped(tt.word); got != tt.want {
			t.Errorf("dateShaped(%q) = %v, want %v", tt.word, got, tt.want)
		}
	}
}

func TestChooseAddressWordByWord(t *testing.T) {
	// "~": a word its reader was unsure of.
	first := []string{"ABC HO TRADING", "NO 2, JALAN ~HARMONT 3/2,", "81100 JOHOR BAHRU", "TEL 07-355 2616", "DATE 15/03/2018", "TOTAL\t31.00"}
	second := []string{"", "NO 2, JALAN HARMONI 3/2,", "81100 JOHOR ~BAHRO", "", "", ""}
	f := Extract(twoReadings(t, first, second))
	if want := "NO 2, JALAN HARMONI 3/2, 81100 JOHOR BAHRU"; f.VendorAddress != want {
		t.Errorf("address %q, want %q", f.VendorAddress, want)
	}
	// A line the readers split differently is taken group by group of
	// the words that overlap: the second's where it is surer and says
	// something else, Tesseract's where both say the same.
	second[2] = "81100 JOHORBAHRU"
	f = Extract(twoReadings(t, first, second))
	if want := "NO 2, JALAN HARMONI 3/2, 81100 JOHOR BAHRU"; f.VendorAddress != want {
		t.Errorf("address %q, want %q", f.VendorAddress, want)
	}
	first[2] = "81100 JOHOR ~BAHR0"
	f = Extract(twoReadings(t, first, second))
	if want := "NO 2, JALAN HARMONI 3/2, 81100 JOHORBAHRU"; f.VendorAddress != want {
		t.Errorf("address %q, want %q", f.VendorAddress, want)
	}
}

func TestAddressHouseNumbersLikeMoney(t *testing.T) {
	for _, tt := range []struct {
		first, want string
	}{
		{"G.23 & G.22, Plaza Seri Setia,", "G.23 & G.22, Plaza Seri Setia, No.1 Jalan SS 9/1, 47300 PJ, Selangor."},
		{"Plaza Seri Setia 6.22", "No.1 Jalan SS 9/1, 47300 PJ, Selangor."}, // an amount at the end is a price
	} {
		f := Extract(docFromLines("FIVE STAR CASH & CARRY", "(1365643-F)", tt.first, "No.1 Jalan SS 9/1, 47300 PJ, Selangor.",
			"Tel/Fax : 03-7877 9712", "DATE 19/06/2017", "TOTAL\t31.00"))
		if f.VendorAddress != tt.want {
			t.Errorf("after %q: address %q, want %q", tt.first, f.VendorAddress, tt.want)
		}
	}
}

func TestChooseByTesseractChoices(t *testing.T) {
	head := []string{"ABC HO TRADING", "NO 2, JALAN HARMONI 3/2", "81100 JOHOR BAHRU", "DATE 15/03/2018"}
	with := func(lines ...string) []string { return append(append([]string(nil), head...), lines...) }
	syms := func(alts ...string) [][]string { // "4|1": read 4, perhaps 1
		var out [][]string
		for _, a := range alts {
			out = append(out, strings.Split(a, "|"))
		}
		return out
	}
	tests := []struct {
		name    string
		lines   []string
		choices [][]string // of the last line's amount
		total   float64
		conf    int // the total's confidence; 0: not taken from the choices
	}{{
		name:    "an alternative the subtotal and tax prove",
		lines:   with("SUBTOTAL\t29.25", "GST 6%\t1.75", "TOTAL\t34.00"),
		choices: syms("3|8", "4|1|7", ".", "0", "0"),
		total:   31.00, conf: choiceConf,
	}, {
		name:    "no alternative proven: the reading stays",
		lines:   with("SUBTOTAL\t29.25", "GST 6%\t1.75", "TOTAL\t34.00"),
		choices: syms("3|8", "4|7", ".", "0|6", "0"),
		total:   34.00,
	}, {
		name:    "two characters changed is no proof",
		lines:   with("SUBTOTAL\t29.25", "GST 6%\t1.75", "TOTAL\t84.00"),
		choices: syms("8|3", "4|1", ".", "0", "0"),
		total:   84.00,
	}, {
		name:    "a proven total is not changed",
		lines:   with("SUBTOTAL\t29.25", "GST 6%\t1.75", "TOTAL\t31.00"),
		choices: syms("3", "1|4", ".", "0", "0"),
		total:   31.00,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := twoReadings(t, tt.lines, tt.lines)
			last := &doc.Pages[0].Lines[len(tt.lines)-1]
			last.Choices = []ocr.SpanChoices{{First: 1, End: 2, Symbols: tt.choices}}
			f := Extract(doc)
			if !near(f.Total, tt.total) {
				t.Errorf("total %.2f, want %.2f", f.Total, tt.total)
			}
			if got := f.Confidence[KeyTotal]; tt.conf != 0 && got != tt.conf || tt.conf == 0 && got == choiceConf {
				t.Errorf("total confidence %d", got)
			}
		})
	}
}

// A merchant's name that is a guess (a logo Tesseract was unsure of, an
// item line chosen for want of better): the top lines are read again.
func TestRereadGuessedName(t *testing.T) {
	lines := []string{
		"LIDL", "Warburger Straße 130", "33100 Paderborn", "EUR",
		"Bulgur-Kräuter\t~1,78 A", "Karottensalat\t0,99 A", "zu zahlen\t~2,77", "Bar\t~5,00", "Rückgeld\t-2,23",
	}
	p := docFromLines(lines...).Pages[0]
	p.Lines[0].Words[0].Conf = 24 // the logo, read at a guess
	read := map[int]bool{}
	for _, sp := range Reread(p) {
		read[sp.Line] = true
	}
	// The lines Tesseract was sure of word by word stay as they are.
	if !read[0] {
		t.Errorf("line 0 %q not read again", lines[0])
	}
}
