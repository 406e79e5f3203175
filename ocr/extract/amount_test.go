package extract

import (
	"math"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"31.20", 31.20, true},
		{"RM31.20", 31.20, true},
		{"RM 5,90", 5.90, true},
		{"RM10,14", 10.14, true},
		{"RH3S.20", 35.20, true}, // thermal "RM" read as RH, 5 as S
		{"€ 2.321,00", 2321.00, true},
		{"$1,234.56", 1234.56, true},
		{"1 234,56", 1234.56, true},
		{"4.053,67", 4053.67, true},
		{"1,305", 1305, true},
		{"(5.00)", 5.00, true},
		{"0.02-", 0.02, true},
		{"-0.02", 0.02, true},
		{"3O.00", 30.00, true},
		{"S.90", 5.90, true},
		{"31. 20", 31.20, true},
		{"16.00SR", 16.00, true},
		{"<RM_34.80", 34.80, true},
		{"Rs 1939", 1939, true},
		{"29.99€", 29.99, true},
		{"10.50)", 10.50, true},
		{"1939", 1939, true},
		{"5.9", 5.9, true},
		{"", 0, false},
		{"TOTAL", 0, false},
		{"6%", 0, false},
		{"09/01/2019", 0, false},
		{"12:34", 0, false},
		{"9555227800168", 0, false}, // a barcode
		{"1.2.3", 0, false},
		{"1,234,56", 0, false},
		{"OO", 0, false},
		{"SOS", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseAmount(tt.in)
			if ok != tt.ok || ok && math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("ParseAmount(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRowAmounts(t *testing.T) {
	tests := []struct {
		line string
		want []float64 // the money amounts (two decimals or a currency)
		neg  []bool
	}{
		{"Total Amount: 31.00", []float64{31.00}, []bool{false}},
		{"Total Incl. GST@6% RM 31. 20", []float64{31.20}, []bool{false}},
		{"CASH RH = 10, 00", []float64{10.00}, []bool{false}},
		{"Rounding Adj : -0.02", []float64{0.02}, []bool{true}},
		{"ca sa 0.02-", []float64{0.02}, []bool{true}},
		{"9555227800168 12.50*2 25.00 S", []float64{12.50, 25.00}, []bool{false, false}},
		{"65045039@2.33 1 2.93", []float64{2.33, 2.93}, []bool{false, false}},
		{"1x 12.58 12.50 SR", []float64{12.58, 12.50}, []bool{false, false}},
		{"Room Charges Rs 1939 x 1 Night x 1 Room Rs 1939", []float64{1939, 1939}, []bool{false, false}},
		{"Date: 09/01/2019 8:01:11 PM", nil, nil},
		{"TEL : 03-87686092 FAX : 03-87686092", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			lay := buildLayout(docFromLines(tt.line))
			var got []float64
			var neg []bool
			for _, m := range rowAmounts(lay.rows[0]) {
				if m.isMoney() {
					got = append(got, m.value)
					neg = append(neg, m.neg)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("amounts %v, want %v", got, tt.want)
			}
			for i := range got {
				if math.Abs(got[i]-tt.want[i]) > 1e-9 || neg[i] != tt.neg[i] {
					t.Errorf("amount %d = %v (neg %v), want %v (neg %v)", i, got[i], neg[i], tt.want[i], tt.neg[i])
				}
			}
		})
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"31.20", "RM 5,90", "€ 2.321,00", "$1,234.56", "(5.00)", "0.02-", "3O.00", "1 234,56", "-", "RM", "9999999999.99", "1e9", "NaN", "Inf", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseAmount(s)
		if !ok {
			if v != 0 {
				t.Errorf("ParseAmount(%q) = %v with ok false", s, v)
			}
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v >= maxAmount {
			t.Errorf("ParseAmount(%q) = %v: not a finite non-negative amount", s, v)
		}
		if r := math.Round(v*100) / 100; math.Abs(r-v) > 1e-9 {
			t.Errorf("ParseAmount(%q) = %v: more than two decimals", s, v)
		}
	})
}
