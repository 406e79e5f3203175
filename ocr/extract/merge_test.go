package extract

import "testing"

func TestMerge(t *testing.T) {
	first := Fields{
		VendorName: "CORNER GROCER", Date: "2024-03-15", Time: "14:32", Total: 12.10, Subtotal: 11.20, Tax: 0.90,
		Confidence: map[string]int{KeyVendorName: 60, KeyDate: 60, KeyTime: 60, KeyTotal: 50, KeySubtotal: 50, KeyTax: 50},
	}
	tests := []struct {
		name   string
		second Fields
		check  func(t *testing.T, got Fields)
	}{
		{"agreement raises confidence", Fields{Date: "2024-03-15", Total: 12.10, Confidence: map[string]int{KeyDate: 70, KeyTotal: 40}},
			func(t *testing.T, got Fields) {
				if got.Confidence[KeyDate] != 85 || got.Confidence[KeyTotal] != 75 || got.Total != 12.10 {
					t.Errorf("confidences %v", got.Confidence)
				}
			}},
		{"more confident total moves with its group", Fields{Total: 13.10, Subtotal: 12.20, Tax: 0.90, LineItems: []LineItem{{Line: 1}}, Confidence: map[string]int{KeyTotal: 90, KeySubtotal: 85, KeyTax: 80}},
			func(t *testing.T, got Fields) {
				if got.Total != 13.10 || got.Subtotal != 12.20 || len(got.LineItems) != 1 || got.Confidence[KeyTotal] != 90 {
					t.Errorf("got %+v", got)
				}
				if got.Date != "2024-03-15" || got.Time != "14:32" {
					t.Errorf("date changed: %s %s", got.Date, got.Time)
				}
			}},
		{"less confident reading changes nothing", Fields{Date: "2024-08-15", Time: "09:00", Total: 2, Confidence: map[string]int{KeyDate: 30, KeyTotal: 20}},
			func(t *testing.T, got Fields) {
				if got.Date != "2024-03-15" || got.Time != "14:32" || got.Total != 12.10 || got.Confidence[KeyDate] != 60 {
					t.Errorf("got %+v", got)
				}
			}},
		{"merchant only fills a gap", Fields{VendorName: "C0RNER GROCER", VendorAddress: "12 HIGH ST", Confidence: map[string]int{KeyVendorName: 95, KeyVendorAddress: 70}},
			func(t *testing.T, got Fields) {
				if got.VendorName != "CORNER GROCER" || got.VendorAddress != "12 HIGH ST" || got.Confidence[KeyVendorAddress] != 70 {
					t.Errorf("got %+v", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Merge(first, tt.second)
			tt.check(t, got)
			if first.Confidence[KeyDate] != 60 {
				t.Fatal("Merge changed its argument's confidences")
			}
		})
	}
}

// A second reading is for what the first did not find, not for what it
// found unsure.
func TestUnsure(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    Fields
		want bool
	}{
		{"both found, the total a guess", Fields{Total: 19.10, Date: "2017-02-09", Confidence: map[string]int{KeyTotal: guessedTotalConf, KeyDate: 60}}, false},
		{"no date", Fields{Total: 19.10, Confidence: map[string]int{KeyTotal: 92}}, true},
		{"no total", Fields{Date: "2017-02-09", Confidence: map[string]int{KeyDate: 92}}, true},
		{"nothing", Fields{}, true},
	} {
		if got := Unsure(tt.f); got != tt.want {
			t.Errorf("%s: Unsure = %v, want %v", tt.name, got, tt.want)
		}
	}
}
