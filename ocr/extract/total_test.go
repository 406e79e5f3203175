package extract

import (
	"strings"
	"testing"
)

// TestVATFixedTotal checks the correction of a total by a VAT table that
// proves one of its rows' gross misread (vatFixedTotal): made-up German
// receipts whose 7% row's gross, 8,45, and total, 12,45, are read with
// their 4 as a 1 or not, and look-alikes the rule must leave alone. The
// second item's price is unreadable, so the items witness no total.
func TestVATFixedTotal(t *testing.T) {
	head := []string{"Markthalle GmbH", "Hauptstr. 5", "33100 Paderborn", "BROT\t8,45 B", "KAFFEE\t~4,0O A"}
	with := func(lines ...string) []string { return append(append([]string(nil), head...), lines...) }
	const vatHead = "MwSt% MwSt Netto Brutto"
	tests := []struct {
		name  string
		lines []string
		// second is the second recognizer's reading of the lines, "" where
		// it did not read one again; nil for one reading.
		second []string
		total  float64
		fixed  bool // taken as corrected, at vatFixedConf
	}{{
		name:  "the table proves its 7% gross and the total misread alike",
		lines: with("SUMME EUR\t12,15", vatHead, "A 19,0%\t0,64 3,36 4,00", "B 7,0%\t0,55 7,90 8,15", "15.04.20 16:15"),
		total: 12.45, fixed: true,
	}, {
		name:  "net before tax, the rate's decimal comma read with a space",
		lines: with("SUMME EUR\t12,15", vatHead, "A 19%\t3,36 0,64 4,00", "B 7, 0%\t7,90 0,55 8,15", "15.04.20 16:15"),
		total: 12.45, fixed: true,
	}, {
		name:  "a one-rate table and its total",
		lines: []string{"Markthalle GmbH", "Hauptstr. 5", "BROT\t8,45 B", "SUMME EUR\t8,15", vatHead, "B 7,0%\t0,55 7,90 8,15"},
		total: 8.45, fixed: true,
	}, {
		name:  "everything read right",
		lines: with("SUMME EUR\t12,45", vatHead, "A 19,0%\t0,64 3,36 4,00", "B 7,0%\t0,55 7,90 8,45", "15.04.20 16:15"),
		total: 12.45,
	}, {
		name:  "the gross misread but not the total: the table's net and tax prove the total as read",
		lines: with("SUMME EUR\t12,45", vatHead, "A 19,0%\t0,64 3,36 4,00", "B 7,0%\t0,55 7,90 8,15", "15.04.20 16:15"),
		total: 12.45,
	}, {
		name:  "the total's digit is not the gross's: not the same misreading",
		lines: with("SUMME EUR\t12,25", vatHead, "A 19,0%\t0,65 3,45 4,10", "B 7,0%\t0,55 7,90 8,15", "15.04.20 16:15"),
		total: 12.25,
	}, {
		name:  "the table as read does not add up to the total",
		lines: with("SUMME EUR\t12,15", vatHead, "A 19,0%\t3,70", "B 7,0%\t0,55 7,90 8,15", "15.04.20 16:15"),
		total: 12.15,
	}, {
		name:  "two rows proven misread: a page too misread to correct",
		lines: with("SUMME EUR\t13,15", vatHead, "B 7,0%\t0,55 7,90 8,15", "A 19,0%\t0,64 3,36 5,00", "15.04.20 16:15"),
		total: 13.15,
	}, {
		name: "the cash less the change proves the total as read",
		lines: with("SUMME EUR\t12,15", "BAR EUR\t20,00", "RÜCKGELD EUR\t7,85", vatHead, "A 19,0%\t0,64 3,36 4,00",
			"B 7,0%\t0,55 7,90 8,15", "15.04.20 16:15"),
		total: 12.15,
	}, {
		name:  "the tax agrees with the gross as read: the net is misread, not the gross",
		lines: with("SUMME EUR\t12,45", vatHead, "A 19,0%\t0,64 3,36 4,00", "B 7,0%\t0,55 7,80 8,45", "15.04.20 16:15"),
		total: 12.45,
	}, {
		name:  "net and tax disagree with the rate: nothing is proven",
		lines: with("SUMME EUR\t12,15", vatHead, "A 19,0%\t0,64 3,36 4,00", "B 7,0%\t0,58 7,90 8,15", "15.04.20 16:15"),
		total: 12.15,
	}, {
		// 3,03 x 19/119 = 0,4838 and 3,04 x 19/119 = 0,4854: with its tax
		// misread by a cent, the row agrees with a gross of 3,04.
		name:  "one cent apart is within the tax's rounding",
		lines: []string{"Markthalle GmbH", "Hauptstr. 5", "BROT\t3,03 A", "SUMME EUR\t3,03", vatHead, "A 19,0%\t0,49 2,55 3,03"},
		total: 3.03,
	}, {
		name:  "a rebate at a rate is no VAT row",
		lines: []string{"Markthalle GmbH", "Hauptstr. 5", "Aktion 10%\t5,00 0,50 4,50", "SUMME EUR\t4,50"},
		total: 4.50,
	}, {
		name:   "the second reader reads the table Tesseract garbled, and the correction is taken unsure",
		lines:  with("SUMME EUR\t12,15", vatHead, "A 19,0% ~u ~du, ~58, 4,00", "Ban 0% 0,55 7:90 8,1", "15.04.20 16:15"),
		second: []string{"", "", "", "", "", "SUMME EUR 12,15", "", "", "B 7, 0% 0,55 7,90 8,15", "15.04.20 16:15"},
		total:  12.45, fixed: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := docFromLines(tt.lines...)
			if tt.second != nil {
				doc = twoReadings(t, tt.lines, tt.second)
			}
			f := Extract(doc)
			if !near(f.Total, tt.total) {
				t.Fatalf("total %.2f, want %.2f", f.Total, tt.total)
			}
			conf := f.Confidence[KeyTotal]
			switch {
			case tt.fixed && tt.second == nil && conf != vatFixedConf:
				t.Errorf("confidence %d, want %d", conf, vatFixedConf)
			case tt.fixed && conf >= SureConfidence:
				t.Errorf("confidence %d, want under %d", conf, SureConfidence)
			}
		})
	}
}

func TestRateBefore(t *testing.T) {
	for _, tt := range []struct {
		text string
		want float64
	}{
		{"B 7,0% 0,55", 7}, {"B 7, 0% 0,55", 7}, {"A 19% 3,36", 19}, {"19,00 % 4,00", 19}, {"MwSt 5.5% 1,00", 5.5},
		{"Ban 0% 0,68", 0}, {"Rum 40% 5,69", 0}, {"Nr.123% 1,00", 0},
	} {
		r := buildLayout(docFromLines(tt.text)).rows[0]
		pct := -1
		for i, w := range r.words {
			if strings.Contains(w.Text, "%") {
				pct = i
			}
		}
		if got := rateBefore(r, pct); got != tt.want {
			t.Errorf("rateBefore(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
