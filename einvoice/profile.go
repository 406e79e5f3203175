package einvoice

import "strings"

// Profile levels, from the least an e-invoice may give to the most.
const (
	levelUnknown = iota
	levelMinimum
	levelBasicWL
	levelBasic
	levelEN16931
	levelExtended
)

// profileName is the readable name of a specification identifier (BT-24).
func profileName(guideline string) string {
	g := strings.ToLower(guideline)
	switch {
	case g == "":
		return ""
	case strings.Contains(g, "xrechnung"):
		v := g[strings.Index(g, "xrechnung")+len("xrechnung"):]
		v = strings.TrimLeft(v, "_:")
		if i := strings.IndexAny(v, "#:"); i >= 0 {
			v = v[:i]
		}
		if strings.Contains(g, "#conformant#") && strings.Contains(g, "extension") {
			return "XRechnung " + v + " Extension"
		}
		return strings.TrimSpace("XRechnung " + v)
	case strings.Contains(g, "peppol.eu:2017:poacc:billing:3.0"):
		return "Peppol BIS Billing 3.0"
	case strings.HasPrefix(g, "urn:ferd:crossindustrydocument:invoice:1p0"):
		return "ZUGFeRD 1.0 " + strings.ToUpper(g[strings.LastIndex(g, ":")+1:])
	}
	switch level(guideline) {
	case levelMinimum:
		return "MINIMUM"
	case levelBasicWL:
		return "BASIC WL"
	case levelBasic:
		return "BASIC"
	case levelEN16931:
		return "EN 16931"
	case levelExtended:
		return "EXTENDED"
	}
	return guideline
}

// level is how much the profile of a specification identifier requires.
// XRechnung and Peppol are EN 16931 with rules of their own (see
// required).
func level(guideline string) int {
	g := strings.ToLower(guideline)
	switch {
	case g == "":
		return levelUnknown
	case strings.HasSuffix(g, ":minimum"):
		return levelMinimum
	case strings.HasSuffix(g, ":basicwl"):
		return levelBasicWL
	case strings.HasSuffix(g, ":basic"):
		return levelBasic
	case strings.HasSuffix(g, ":extended"), strings.Contains(g, "xrechnung") && strings.Contains(g, "extension"):
		return levelExtended
	case strings.HasSuffix(g, ":comfort"), strings.HasPrefix(g, "urn:cen.eu:en16931:2017"):
		return levelEN16931
	}
	return levelUnknown
}

// term is a business term a profile may require.
type term struct {
	bt, name string
	from     int // the lowest level that requires it
}

// headerTerms are required at the document level, from the level given
// (EN 16931's cardinalities 1..1 and the Factur-X profiles' reductions).
var headerTerms = []term{
	{"BT-1", "invoice number", levelMinimum},
	{"BT-2", "issue date", levelMinimum},
	{"BT-3", "invoice type code", levelMinimum},
	{"BT-5", "currency", levelMinimum},
	{"BT-24", "specification identifier", levelMinimum},
	{"BT-27", "seller name", levelMinimum},
	{"BT-40", "seller country", levelMinimum},
	{"BT-44", "buyer name", levelMinimum},
	{"BT-109", "total without VAT", levelMinimum},
	{"BT-112", "total with VAT", levelMinimum},
	{"BT-115", "amount due", levelMinimum},
	{"BT-55", "buyer country", levelBasicWL},
	{"BT-106", "sum of line net amounts", levelBasicWL},
	{"BT-116", "VAT category taxable amount", levelBasicWL},
	{"BT-117", "VAT category tax amount", levelBasicWL},
	{"BT-118", "VAT category code", levelBasicWL},
}

// lineTerms are required on every line from BASIC up.
var lineTerms = []term{
	{"BT-126", "line identifier", levelBasic},
	{"BT-129", "invoiced quantity", levelBasic},
	{"BT-130", "unit of measure", levelBasic},
	{"BT-131", "line net amount", levelBasic},
	{"BT-146", "item net price", levelBasic},
	{"BT-151", "line VAT category", levelBasic},
	{"BT-153", "item name", levelBasic},
}

// xrechnungTerms are what XRechnung adds to EN 16931 (its BR-DE rules).
var xrechnungTerms = []term{
	{"BT-10", "buyer reference (Leitweg-ID)", 0},
	{"BT-34", "seller electronic address", 0},
	{"BT-49", "buyer electronic address", 0},
	{"BT-37", "seller city", 0},
	{"BT-38", "seller post code", 0},
	{"BT-52", "buyer city", 0},
	{"BT-53", "buyer post code", 0},
	{"BT-41", "seller contact point", 0},
	{"BT-42", "seller contact telephone", 0},
	{"BT-43", "seller contact e-mail", 0},
	{"BT-81", "payment means type code", 0},
}

// peppolTerms are what Peppol BIS Billing 3.0 adds.
var peppolTerms = []term{
	{"BT-23", "business process type", 0},
	{"BT-34", "seller electronic address", 0},
	{"BT-49", "buyer electronic address", 0},
}
