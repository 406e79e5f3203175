package receipts

import (
	"bytes"
	"fmt"
	"math/big"
	"strings"
)

// CoinDecimals is the fixed point of coin amounts: 1 coin is 10^18 units,
// so the reference's 41220000000000000000 is 41.22 coins.
const CoinDecimals = 18

var unit = new(big.Int).Exp(big.NewInt(10), big.NewInt(CoinDecimals), nil)

// Coins is an exact amount in 18-decimal units. It does not fit in int64
// (41.22 coins is 4.122e19 units), so it is a big.Int. The zero value is 0.
// It is encoded as a bare JSON number with every digit, never a float.
type Coins struct{ v *big.Int }

// Units makes an amount from a number of units.
func Units(n int64) Coins { return Coins{big.NewInt(n)} }

// ParseCoins reads a decimal number of coins ("0.41", "12", "41.22") into
// units exactly; more than 18 decimals or a sign is refused.
func ParseCoins(s string) (Coins, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > CoinDecimals || !digits(whole) || !digits(frac) {
		return Coins{}, fmt.Errorf("%w: coins %q: want a decimal like 0.41 with at most 18 decimals", ErrInvalid, s)
	}
	n, ok := new(big.Int).SetString(whole+frac+strings.Repeat("0", CoinDecimals-len(frac)), 10)
	if !ok {
		return Coins{}, fmt.Errorf("%w: coins %q", ErrInvalid, s)
	}
	return Coins{n}, nil
}

// ParseUnits reads an integer number of units ("410000000000000000").
func ParseUnits(s string) (Coins, error) {
	if !digits(s) || s == "" {
		return Coins{}, fmt.Errorf("%w: coin units %q: want a whole number", ErrInvalid, s)
	}
	n, _ := new(big.Int).SetString(s, 10)
	return Coins{n}, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (c Coins) big() *big.Int {
	if c.v == nil {
		return new(big.Int)
	}
	return c.v
}

// Add is c + d.
func (c Coins) Add(d Coins) Coins { return Coins{new(big.Int).Add(c.big(), d.big())} }

// Sub is c - d.
func (c Coins) Sub(d Coins) Coins { return Coins{new(big.Int).Sub(c.big(), d.big())} }

// Mul is c × n.
func (c Coins) Mul(n int64) Coins { return Coins{new(big.Int).Mul(c.big(), big.NewInt(n))} }

// Cmp compares like big.Int.Cmp.
func (c Coins) Cmp(d Coins) int { return c.big().Cmp(d.big()) }

// Sign is -1, 0 or 1.
func (c Coins) Sign() int { return c.big().Sign() }

// Min is the smaller of c and d.
func (c Coins) Min(d Coins) Coins {
	if c.Cmp(d) <= 0 {
		return c
	}
	return d
}

// String is the number of units in decimal digits.
func (c Coins) String() string { return c.big().String() }

// Decimal is the amount in coins, "41.22".
func (c Coins) Decimal() string {
	q, r := new(big.Int).QuoRem(c.big(), unit, new(big.Int))
	if r.Sign() == 0 {
		return q.String()
	}
	f := fmt.Sprintf("%018s", new(big.Int).Abs(r).String())
	return q.String() + "." + strings.TrimRight(f, "0")
}

// MarshalJSON writes the units as a bare number with every digit.
func (c Coins) MarshalJSON() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalJSON reads a number or a string of units.
func (c *Coins) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(bytes.TrimSpace(b), `"`)
	if string(b) == "null" || len(b) == 0 {
		*c = Coins{}
		return nil
	}
	v, err := ParseUnits(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
