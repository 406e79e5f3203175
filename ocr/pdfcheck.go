package ocr

// CheckPDF runs the pre-scan that guards both PDF libraries (see
// pdfscan.go) for another reader of the same file: package einvoice, which
// opens a PDF with pdfcpu to find its attachments before OCR reads it. It
// returns the file as the libraries may be given it, or the error the
// document would fail with (ErrTooLarge, ErrCorrupt, ...).
func CheckPDF(data []byte, lim Limits) ([]byte, error) {
	info, err := preparePDF(data, lim)
	if err != nil {
		return nil, err
	}
	return info.data, nil
}
