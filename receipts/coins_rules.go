package receipts

import "time"

// Rates are the coins a recognised product earns, set by the admin, and
// the daily cap per user (zero: no cap).
type Rates struct {
	Partner    Coins `json:"partner_brand_product_coins"`
	NonPartner Coins `json:"non_partner_brand_product_coins"`
	DailyLimit Coins `json:"daily_limit_coins"`
}

// Worth is what the receipt's recognised items are worth at the rates: one
// rate per unit bought (a fractional or missing quantity counts once).
func Worth(items []Item, r Rates) (partner, nonPartner Coins) {
	partner, nonPartner = Units(0), Units(0)
	for _, it := range items {
		if it.GTIN == "" {
			continue
		}
		n := int64(it.Quantity)
		if n < 1 || float64(n) != it.Quantity {
			n = 1
		}
		if it.Partner {
			partner = partner.Add(r.Partner.Mul(n))
		} else {
			nonPartner = nonPartner.Add(r.NonPartner.Mul(n))
		}
	}
	return partner, nonPartner
}

// Earn caps what a receipt earns by what is left of the day's limit,
// partner coins first. sum is what the user earned that day already.
func Earn(partner, nonPartner, limit, sum Coins) (partnerEarned, nonPartnerEarned Coins) {
	if limit.Sign() == 0 {
		return partner, nonPartner
	}
	left := limit.Sub(sum)
	if left.Sign() <= 0 {
		return Units(0), Units(0)
	}
	partnerEarned = partner.Min(left)
	left = left.Sub(partnerEarned)
	nonPartnerEarned = nonPartner.Min(left)
	return partnerEarned, nonPartnerEarned
}

// Day is the calendar day holding t in loc, as the reference's limits show
// it: from local midnight to one second before the next, in UTC.
func Day(t time.Time, loc *time.Location) (from, to time.Time, key string) {
	lt := t.In(loc)
	start := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	end := start.AddDate(0, 0, 1).Add(-time.Second)
	return start.UTC(), end.UTC(), start.Format("2006-01-02")
}
