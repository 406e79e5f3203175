package server

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v5"

	"tillroll/store"
)

// DocTypes are the doctypes a submit accepts: Photon's. "invoice",
// "receipt" and "receipt-expense" are read by those rules; the others are
// kept under their name and read as extraction decides.
var DocTypes = []string{
	"invoice", "receipt", "receipt-expense", "check", "stub", "remittance", "statement",
	"bill-utility", "bol", "hbl", "mbl", "shippinglabel", "invoice-commercial",
}

// submitFields are the parameters of a submit, read from the query and
// from the multipart form's text fields (a form field wins).
var submitFields = []string{"doctype", "webhook_url", "auth_token", "ID", "subaccount", "page_start", "page_end", "url", "lang"}

var subaccountRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,50}$`)

// submitParams are a submit's parameters as sent, before they are checked.
type submitParams map[string]string

// queryParams reads the submit parameters of the query string.
func queryParams(c *echo.Context) submitParams {
	p := submitParams{}
	for _, k := range submitFields {
		if v := c.QueryParam(k); v != "" {
			p[k] = strings.TrimSpace(v)
		}
	}
	return p
}

// isSubmitField tells whether a multipart field is one of the parameters.
func isSubmitField(name string) bool { return slices.Contains(submitFields, name) }

// submission checks the parameters and makes them what the store keeps.
func (p submitParams) submission() (store.Submission, error) {
	var sub store.Submission
	if dt := strings.ToLower(p["doctype"]); dt != "" {
		if !slices.Contains(DocTypes, dt) {
			return sub, errorf(http.StatusBadRequest, fmt.Sprintf("unknown doctype %q: use one of %s", clip(p["doctype"]), strings.Join(DocTypes, ", ")))
		}
		sub.DocType = dt
	}
	if v := p["subaccount"]; v != "" {
		if !subaccountRE.MatchString(v) {
			return sub, errorf(http.StatusBadRequest, "subaccount must be 1-50 letters, digits or hyphens")
		}
		sub.Subaccount = v
	}
	if v := p["auth_token"]; v != "" {
		if len(v) > 4096 || !headerSafe(v) {
			return sub, errorf(http.StatusBadRequest, "auth_token must be at most 4096 bytes of printable text")
		}
		sub.AuthToken = v
	}
	if v := p["ID"]; v != "" {
		if len(v) > 256 || !headerSafe(v) {
			return sub, errorf(http.StatusBadRequest, "ID must be at most 256 bytes of printable text")
		}
		sub.RefID = v
	}
	var err error
	if sub.Lang, err = uploadLang(p["lang"]); err != nil {
		return sub, err
	}
	if sub.PageStart, err = pageParam(p, "page_start"); err != nil {
		return sub, err
	}
	if sub.PageEnd, err = pageParam(p, "page_end"); err != nil {
		return sub, err
	}
	if sub.PageStart > 0 && sub.PageEnd > 0 && sub.PageEnd < sub.PageStart {
		return sub, errorf(http.StatusBadRequest, "page_end must not be before page_start")
	}
	return sub, nil
}

func pageParam(p submitParams, name string) (int, error) {
	v := p[name]
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100000 {
		return 0, errorf(http.StatusBadRequest, name+" must be a page number from 1")
	}
	return n, nil
}

// checkPages holds the page range to the document's pages.
func checkPages(sub store.Submission, pages int) error {
	for _, x := range []struct {
		name string
		n    int
	}{{"page_start", sub.PageStart}, {"page_end", sub.PageEnd}} {
		if x.n > pages {
			noun := "pages"
			if pages == 1 {
				noun = "page"
			}
			return errorf(http.StatusBadRequest, fmt.Sprintf("%s %d is past the end: the document has %d %s", x.name, x.n, pages, noun))
		}
	}
	return nil
}

// headerSafe: valid UTF-8 without control characters, so it can be sent
// back in a header and shown in a log.
func headerSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// clip shortens a value the client sent before it is quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "")
}
