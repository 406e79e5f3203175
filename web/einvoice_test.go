package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/receipts"
	"tillroll/store"
)

// uploadFiles sends files through the upload form as user and waits until
// each is read and analysed.
func uploadFiles(t *testing.T, a *app, user, password string, files map[string][]byte, order []string) []store.Receipt {
	t.Helper()
	c := newClient(t, a.url)
	c.signIn(user, password)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", c.token("/upload"))
	for _, name := range order {
		fw, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	resp, body := c.do(http.MethodPost, "/upload", mw.FormDataContentType(), &buf)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/upload?done=") {
		t.Fatalf("upload: %d %s\n%s", resp.StatusCode, loc, body)
	}
	v, _ := url.ParseQuery(strings.TrimPrefix(loc, "/upload?"))
	var out []store.Receipt
	for _, id := range strings.Split(v.Get("done"), ",") {
		out = append(out, a.waitReceipt(id, func(r store.Receipt) bool {
			switch r.Status {
			case receipts.Initial, receipts.OCR, receipts.SetRetailersPending, receipts.SetProductsPending:
				return false
			}
			return true
		}))
	}
	return out
}

// TestEInvoicePages: an e-invoice uploaded in the web app is marked as
// one with its profile, a page that disagrees with its XML is a warning
// on it, its XML downloads, and the CSV export carries its VAT breakdown.
func TestEInvoicePages(t *testing.T) {
	a := staffApp(t)
	inv := fixture.SampleInvoice()
	xml := fixture.CII(inv)
	page := fixture.PDF(fixture.PDFPage{Lines: []string{"Kraxi GmbH", "Rechnung Nr. RE-2024-0042", "Datum: 15.03.2024", "Gesamtbetrag 119,10 EUR"}})
	pdf, err := fixture.AttachPDF(page, "factur-x.xml", xml, -1)
	if err != nil {
		t.Fatal(err)
	}
	rs := uploadFiles(t, a, "alice", "alice-password", map[string][]byte{"invoice.pdf": pdf, "xrechnung.xml": fixture.UBL(inv, false)}, []string{"invoice.pdf", "xrechnung.xml"})
	alice := newClient(t, a.url)
	alice.signIn("alice", "alice-password")

	_, body := alice.do(http.MethodGet, "/receipts/"+rs[0].UUID, "", nil)
	for _, want := range []string{`id="einvoice"`, "E-invoice", "CII · EN 16931", "factur-x.xml", `id="einvoice-warnings"`,
		"Total: the XML says 119.00, the page shows 119.10.", `href="/receipts/` + rs[0].UUID + `/einvoice.xml"`, "The page: disagrees."} {
		if !strings.Contains(body, want) {
			t.Errorf("the PDF's page lacks %q", want)
		}
	}
	_, body = alice.do(http.MethodGet, "/receipts/"+rs[1].UUID, "", nil)
	for _, want := range []string{"UBL · EN 16931", "An e-invoice XML: no picture.", "The page: no page: the upload is the XML alone."} {
		if !strings.Contains(body, want) {
			t.Errorf("the XML's page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="einvoice-warnings"`) {
		t.Error("a warning on an XML with no page")
	}

	resp, got := alice.do(http.MethodGet, "/receipts/"+rs[0].UUID+"/einvoice.xml", "", nil)
	if resp.StatusCode != http.StatusOK || got != string(xml) || resp.Header.Get("Content-Type") != "application/xml" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="factur-x.xml"` {
		t.Errorf("XML download: %d %q %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), len(got))
	}
	bob := newClient(t, a.url)
	bob.signIn("bob", "bob-password")
	if resp, _ := bob.do(http.MethodGet, "/receipts/"+rs[0].UUID+"/einvoice.xml", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another user's XML: %d", resp.StatusCode)
	}
	plain := uploadAs(t, a, "alice", "alice-password", fixture.Sample())
	if resp, _ := alice.do(http.MethodGet, "/receipts/"+plain[0].UUID+"/einvoice.xml", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the XML of a photo: %d", resp.StatusCode)
	}

	rows := byReceipt(exportCSV(t, alice, ""))
	for i, r := range rs {
		row := rows[r.UUID]
		if len(row) == 0 {
			t.Fatalf("no export row for e-invoice %d", i)
		}
		tax, profile := row[0][len(row[0])-2], row[0][len(row[0])-1]
		wantProfile := []string{"CII EN 16931", "UBL EN 16931"}[i]
		if tax != "19% of 100.00 = 19.00" || profile != wantProfile {
			t.Errorf("e-invoice %d: tax_breakdown %q e_invoice %q", i, tax, profile)
		}
	}
	if row := rows[plain[0].UUID]; len(row) == 0 || row[0][len(row[0])-1] != "" {
		t.Errorf("the photo's row: %q", row)
	}
}
