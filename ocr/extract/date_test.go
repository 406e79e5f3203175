package extract

import (
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in       string
		dayFirst bool
		want     string // "" when no date
	}{
		{"09/01/2019", true, "2019-01-09"},
		{"09/01/2019", false, "2019-09-01"},
		{"14/MAY/2017", true, "2017-05-14"},
		{"25/FEB/2017", false, "2017-02-25"},
		{"28-05-2018", true, "2018-05-28"},
		{"19/05/16", true, "2016-05-19"},
		{"2018-05-28", false, "2018-05-28"},
		{"12 Jan 2019", false, "2019-01-12"},
		{"Jan 12, 2019", true, "2019-01-12"},
		{"OCT 3, 2016", true, "2016-10-03"},
		{"August 3 , 2014", true, "2014-08-03"},
		{"24-Mar-2018 03:44:22 PM", true, "2018-03-24"},
		{"12/13/2016", true, "2016-12-13"}, // a part above 12 decides
		{"13/12/2016", false, "2016-12-13"},
		{"Date : 01-03-18 5:23:26 PM", true, "2018-03-01"},
		{"18-10- 17 15:16 SH01", true, "2017-10-18"},
		{"Factuurdatum: 19 april 2014", true, "2014-04-19"},
		{"Rechnungsdatum 7. Mai 2014", true, "2014-05-07"},
		{"Facture n°562044387 du 02 Juillet 2015", true, "2015-07-02"},
		{"CB#: 59581331715 14fMay/2017 02:56:39", true, "2017-05-14"},
		{"Date: O3/O4/2018", true, "2018-04-03"},
		{"ORD #07 -REG #19- 10/03/2018 17:24:07", true, "2018-03-10"},
		{"01.05.14-31.05.14", true, "2014-05-01"},
		{"31/02/2018", true, ""},       // no such day
		{"12.50 x 2", true, ""},        // amounts
		{"TEL: 03-87686092", true, ""}, // a phone number
		{"INVOICE NO : 18314/102/70422", true, ""},
		{"29/02/2016", true, "2016-02-29"}, // leap year
		{"29/02/2017", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseDate(tt.in, tt.dayFirst)
			if tt.want == "" {
				if ok {
					t.Errorf("ParseDate(%q) = %s, want no date", tt.in, got.Format("2006-01-02"))
				}
				return
			}
			if !ok || got.Format("2006-01-02") != tt.want {
				t.Errorf("ParseDate(%q, %v) = %s, %v; want %s", tt.in, tt.dayFirst, got.Format("2006-01-02"), ok, tt.want)
			}
		})
	}
}

func TestFindTimes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Date: 09/01/2019 8:01:11 PM", []string{"20:01"}},
		{"04:20PM 568008 20-02-18", []string{"16:20"}},
		{"12:34", []string{"12:34"}},
		{"12:05 AM", []string{"00:05"}},
		{"Date : 18/06/2018 08.18.00", []string{"08:18"}},
		{"Total 12.50", nil},
		{"25:61", nil},
		{"ORD #15 -REG #19- 02/03/2018 12:89:16", nil},
		{"13:30 PM", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ts := findTimes(tt.in)
			var got []string
			for _, x := range ts {
				got = append(got, x.String())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("findTimes(%q) = %v, want %v", tt.in, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("findTimes(%q) = %v, want %v", tt.in, got, tt.want)
				}
			}
		})
	}
}

func TestFindDate(t *testing.T) {
	tests := []struct {
		name     string
		lines    []string
		wantDate string
		wantTime string
	}{
		{
			name:     "receipt date with time, printed date later",
			lines:    []string{"ABC HO TRADING", "Cash Bill: 01-143008", "Date: 09/01/2019 8:01:11 PM", "Total\t31.00", "Printed: 10/01/2019 09:00"},
			wantDate: "2019-01-09", wantTime: "20:01",
		},
		{
			name:     "due date is not the invoice date",
			lines:    []string{"INVOICE", "Due Date: 04/04/2023", "Invoice Date: 03/20/2023", "Total\t$ 279.84"},
			wantDate: "2023-03-20",
		},
		{
			name:     "month first from another date of the same document",
			lines:    []string{"Order 12/25/2019", "Date 01/02/2020", "Total\t$ 10.00"},
			wantDate: "2020-01-02",
		},
		{
			name:     "day first from the ringgit",
			lines:    []string{"KEDAI SDN BHD", "Date: 03/04/2018", "TOTAL\tRM 10.00"},
			wantDate: "2018-04-03",
		},
		{
			name:     "month first from the dollar",
			lines:    []string{"JOE'S DINER", "Date: 03/04/2018", "TOTAL\t$10.00"},
			wantDate: "2018-03-04",
		},
		{
			name:     "time on the next row",
			lines:    []string{"SHOP", "Date: 10/01/2018", "Time: 09:20:00", "TOTAL\t23.32"},
			wantDate: "2018-01-10", wantTime: "09:20",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Extract(docFromLines(tt.lines...))
			if f.Date != tt.wantDate || f.Time != tt.wantTime {
				t.Errorf("date %q time %q, want %q %q", f.Date, f.Time, tt.wantDate, tt.wantTime)
			}
		})
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"09/01/2019", "14/MAY/2017", "Jan 12, 2019", "2018-05-28", "19/05/16", "31/02/2018", "7. Mai 2014", "0/0/0", "99-99-9999", "14fMay/2017"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, dayFirst bool) {
		got, ok := ParseDate(s, dayFirst)
		if !ok {
			return
		}
		y, m, d := got.Date()
		if !validDate(y, int(m), d) || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("ParseDate(%q) = %v: not a valid calendar date", s, got)
		}
		if !utf8.ValidString(s) {
			return
		}
		for _, tm := range findTimes(s) {
			if tm.h < 0 || tm.h > 23 || tm.m < 0 || tm.m > 59 {
				t.Errorf("findTimes(%q) gave %v", s, tm)
			}
		}
	})
}

// TestMisreadDateParts: a month name one letter off and a year in the
// future with one confusable digit are put right, and only then.
func TestMisreadDateParts(t *testing.T) {
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		want string // "" when no date
	}{
		{"CB#: 45078840326 25/Feu/2017 07:45:54", "2017-02-25"},
		{"26-Fek-2019", "2019-02-26"},
		{"25 Fen 2017", ""},          // no separators around it: not read as a month
		{"25/Jup/2017", ""},          // JUN and JUL both one letter away
		{"12/XYZ/2017", ""},          // nothing like a month
		{"23/05/2078", "2018-05-23"}, // 7 read for 1
		{"2078-05-23", "2018-05-23"},
		{"23/05/2027", "2027-05-23"}, // next year: left as it is
		{"23/05/2099", "2099-05-23"}, // no single confusable digit makes it plausible; kept, scored low
		{"OCT 3, 2076", "2016-10-03"},
		{"Date: 0ct 3, 2016 12:16:25 PM", "2016-10-03"}, // a zero read for the month's O
		{"12 N0V 2019", "2019-11-12"},
		{"12 N0V. 2019", "2019-11-12"},
		{"B0X 3, 2016", ""}, // no month with its zero made an O
		{"10 0ct0ber 2016", "2016-10-10"},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in, true)
		switch {
		case tt.want == "" && ok:
			t.Errorf("ParseDate(%q) = %s, want no date", tt.in, got.Format("2006-01-02"))
		case tt.want != "" && (!ok || got.Format("2006-01-02") != tt.want):
			t.Errorf("ParseDate(%q) = %s, %v; want %s", tt.in, got.Format("2006-01-02"), ok, tt.want)
		}
	}
	f := Extract(docFromLines("SHOP SDN BHD", "Date: 23/05/2078 10:01", "TOTAL\tRM 10.00"))
	if f.Date != "2018-05-23" || f.Confidence[KeyDate] > 60 {
		t.Errorf("repaired date %q confidence %d, want 2018-05-23 at most 60", f.Date, f.Confidence[KeyDate])
	}
}
