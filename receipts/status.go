// Package receipts is the receipts service's domain, with no HTTP and no
// storage in it: the statuses of a receipt and the one table of their
// transitions, coin amounts in 18-decimal fixed point, retailer recognition
// from a receipt's words, product matching from the names printed on it,
// and the analysis that turns an OCR result into an analyzed receipt.
package receipts

import (
	"errors"
	"fmt"
)

// Status is where a receipt is on its way, in the reference's names.
type Status string

// The statuses. OCR is Tillroll's own: the receipt's images are queued for
// or in OCR.
const (
	Initial             Status = "INITIAL"
	OCR                 Status = "OCR"
	SetRetailers        Status = "SET_RETAILERS"
	SetRetailersPending Status = "SET_RETAILERS_PENDING"
	SetProducts         Status = "SET_PRODUCTS"
	SetProductsPending  Status = "SET_PRODUCTS_PENDING"
	Completed           Status = "COMPLETED"
	Failed              Status = "FAILED"
	Unrecognized        Status = "UNRECOGNIZED"
	Hidden              Status = "HIDDEN"
)

// Statuses lists every status; the position is the receipt's numeric
// "status" in the retailer's view (INITIAL 0 ... HIDDEN 9).
var Statuses = []Status{Initial, OCR, SetRetailers, SetRetailersPending, SetProducts, SetProductsPending, Completed, Failed, Unrecognized, Hidden}

// Code is the status's number.
func (s Status) Code() int {
	for i, v := range Statuses {
		if v == s {
			return i
		}
	}
	return -1
}

// ParseStatus accepts a status name as the reference spells it.
func ParseStatus(v string) (Status, error) {
	for _, s := range Statuses {
		if string(s) == v {
			return s, nil
		}
	}
	return "", fmt.Errorf("%w: unknown status %q", ErrInvalid, v)
}

// NeedsAttention reports whether the user has something to do.
func (s Status) NeedsAttention() bool { return s == SetRetailers || s == SetProducts }

// Actor is who moves a receipt.
type Actor string

// The actors of the transition table.
const (
	BySystem Actor = "system" // the service: queueing, OCR analysis, re-analysis
	ByUser   Actor = "user"   // the receipt's owner
	ByStaff  Actor = "staff"  // the retailer's staff (or an admin)
)

// Errors the callers match with errors.Is.
var (
	ErrTransition = errors.New("status transition not allowed")
	ErrInvalid    = errors.New("invalid value")
)

// Transition is one allowed move.
type Transition struct {
	From, To Status
	By       Actor
	Why      string
}

// Transitions is the whole state machine, in one place. README documents it
// from this table.
var Transitions = append([]Transition{
	{Initial, OCR, BySystem, "an image on this box is queued for OCR"},
	{OCR, Failed, BySystem, "no image could be read"},
	{OCR, Unrecognized, BySystem, "the text is not a receipt (no total and no items)"},
	{OCR, SetRetailers, BySystem, "no retailer recognised"},
	{OCR, SetProducts, BySystem, "retailer recognised, some items match no product"},
	{OCR, Completed, BySystem, "retailer recognised, every item matched"},
	{SetRetailers, SetRetailersPending, ByUser, "PUT .../retailer"},
	{SetRetailersPending, SetProducts, BySystem, "re-analysis: some items match no product"},
	{SetRetailersPending, Completed, BySystem, "re-analysis: every item matched"},
	{SetProducts, SetProductsPending, ByUser, "PUT .../products"},
	{SetProductsPending, SetProducts, BySystem, "re-analysis: items still unmatched"},
	{SetProductsPending, Completed, BySystem, "re-analysis: every item matched or skipped"},
}, hiding()...)

// hiding is staff hiding a receipt, from any status but HIDDEN.
func hiding() []Transition {
	var ts []Transition
	for _, s := range Statuses {
		if s != Hidden {
			ts = append(ts, Transition{s, Hidden, ByStaff, "staff hide the receipt"})
		}
	}
	return ts
}

// Check returns ErrTransition unless by may move a receipt from from to to.
func Check(from, to Status, by Actor) error {
	for _, t := range Transitions {
		if t.From == from && t.To == to && t.By == by {
			return nil
		}
	}
	return fmt.Errorf("%w: %s -> %s by %s", ErrTransition, from, to, by)
}
