package receipts

import (
	"fmt"
	"time"
	_ "time/tzdata" // the box may have no zoneinfo installed
)

// Location loads a retailer's IANA time zone; "" is UTC.
func Location(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w: time zone %q: %w", ErrInvalid, name, err)
	}
	return loc, nil
}
