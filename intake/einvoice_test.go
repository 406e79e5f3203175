package intake

import (
	"testing"

	"github.com/emersion/go-sasl"

	"tillroll/internal/fixture"
)

// TestSMTPEInvoiceXML: an XRechnung XML attached to a mail becomes a
// document, taken by its first bytes like any upload.
func TestSMTPEInvoiceXML(t *testing.T) {
	b := startBox(t, SMTPConfig{})
	msg := buildMail(t, "xr-1@example.com", "Rechnung RE-2024-0042", "Die Rechnung im Anhang.",
		attachment{name: "xrechnung.xml", mediaType: "application/xml", data: fixture.UBL(fixture.SampleInvoice(), false)})
	c := b.client(t, sasl.NewPlainClient("", "shop", b.creds.Password))
	if err := send(c, b.to, msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	docs := documents(t, b.st)
	if len(docs) != 1 || docs[0].Kind != "xml" || docs[0].Source == nil || docs[0].Source.Part != "xrechnung.xml" {
		t.Fatalf("documents %+v", docs)
	}
}
