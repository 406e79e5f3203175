package receipts_test

import (
	"testing"

	"tillroll/receipts"
)

// FuzzParseCoins: whatever the admin sends, parsing never panics, and what
// it accepts prints back as the same amount.
func FuzzParseCoins(f *testing.F) {
	for _, s := range []string{"41.22", "0.41", "12", ".5", "1.", "0.000000000000000001", "-1", "1e9", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := receipts.ParseCoins(s)
		if err != nil {
			return
		}
		back, err := receipts.ParseCoins(c.Decimal())
		if err != nil || back.Cmp(c) != 0 {
			t.Fatalf("%q -> %s -> %v %v", s, c.Decimal(), back, err)
		}
	})
}
