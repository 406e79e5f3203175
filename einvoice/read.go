package einvoice

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrPDF is a PDF that could not be opened to look for attachments; the
// page may still be read.
var ErrPDF = errors.New("the PDF's attachments cannot be listed")

// Document is an e-invoice found in a file.
type Document struct {
	Invoice *Invoice
	// XML is the invoice XML as found.
	XML []byte
	// Attachment is the XML's file name inside a PDF, "" for an XML file.
	Attachment string
	// Findings are Validate's.
	Findings []Finding
}

// InPDF tells whether the XML came out of a PDF (with a page to check).
func (d *Document) InPDF() bool { return d.Attachment != "" }

// ReadFile reads the file at path with Read (see ReadCandidate).
func ReadFile(path string, maxFile int64, lim Limits) (*Document, error) {
	data, _, err := ReadCandidate(path, maxFile, lim)
	if err != nil || data == nil {
		return nil, err
	}
	return Read(data, lim)
}

// ReadCandidate reads the file at path if it may be an e-invoice: only a
// file whose first bytes are an XML's or a PDF's is read whole, and no
// more than maxFile bytes of it (lim.MaxBytes of an XML). It returns nil
// for any other file, and isXML for an XML.
func ReadCandidate(path string, maxFile int64, lim Limits) (data []byte, isXML bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	head := make([]byte, 1024)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, false, fmt.Errorf("read: %w", err)
	}
	isXML = IsXML(head[:n])
	if isXML {
		// An XML past the limit is refused without reading it all.
		maxFile = min(maxFile, lim.MaxBytes)
	} else if !isPDF(head[:n]) {
		return nil, false, nil
	}
	rest, err := io.ReadAll(io.LimitReader(f, max(0, maxFile+1-int64(n))))
	if err != nil {
		return nil, false, fmt.Errorf("read: %w", err)
	}
	data = append(head[:n], rest...)
	if int64(len(data)) > maxFile {
		return nil, false, fmt.Errorf("%w: the file is larger than %d bytes", ErrTooLarge, maxFile)
	}
	return data, isXML, nil
}

func isPDF(data []byte) bool { return bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) }

// Read finds and reads the e-invoice in a file's bytes: an XML file, or
// the XML attached to a PDF. It returns nil and no error for a file that
// is neither (an image, a PDF without an e-invoice). Errors match
// ErrMalformed, ErrTooLarge, ErrAttachment or ErrPDF.
func Read(data []byte, lim Limits) (*Document, error) {
	var (
		doc = &Document{}
		err error
	)
	switch {
	case IsXML(data):
		doc.XML = data
	case isPDF(data):
		doc.Attachment, doc.XML, err = xmlFromPDF(data, lim)
		if err != nil {
			return nil, err
		}
		if doc.XML == nil {
			return nil, nil
		}
	default:
		return nil, nil
	}
	doc.Invoice, err = ParseXML(doc.XML, lim)
	if err != nil {
		return nil, err
	}
	doc.Findings = Validate(doc.Invoice)
	return doc, nil
}

// IsXML tells whether data starts as an XML document does: after an
// optional byte order mark and white space, "<?xml" or an element.
func IsXML(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	data = bytes.TrimLeft(data, " \t\r\n")
	if bytes.HasPrefix(data, []byte("<?xml")) {
		return true
	}
	return len(data) > 1 && data[0] == '<' && (isNameStart(data[1]) || data[1] == '!')
}

func isNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// ParseXML reads an invoice XML: CII (CrossIndustryInvoice or ZUGFeRD
// 1.0's CrossIndustryDocument) or UBL 2.1 (Invoice, CreditNote).
func ParseXML(data []byte, lim Limits) (*Invoice, error) {
	root, err := parseXML(data, lim)
	if err != nil {
		return nil, err
	}
	if !invoiceRoot(root) {
		return nil, fmt.Errorf("%w: the root element {%s}%s is not a CII or UBL invoice", ErrMalformed, clip(root.space), clip(root.name))
	}
	if root.name == "Invoice" || root.name == "CreditNote" {
		return readUBL(root), nil
	}
	return readCII(root), nil
}

// invoiceRoot tells whether a parsed root is one ParseXML reads.
func invoiceRoot(root *node) bool {
	switch root.name {
	case "CrossIndustryInvoice":
		return root.space == nsCII
	case "CrossIndustryDocument":
		return root.space == nsZF1 || hasPrefix(root.space, nsCIIOld)
	case "Invoice":
		return root.space == nsUBLInvoice
	case "CreditNote":
		return root.space == nsUBLCreditNote
	}
	return false
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
