package einvoice

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// invoiceNames are the attachment names the e-invoice standards give
// their XML (Factur-X and ZUGFeRD 2.x, ZUGFeRD 1.0, XRechnung in a PDF),
// compared without case.
var invoiceNames = []string{"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "zugferd_invoice.xml", "order-x.xml"}

// maxFileSpecs bounds the walk of a PDF's attachments (the name tree's
// nodes and entries, and the AF array).
const maxFileSpecs = 1000

// attachment is one embedded file of a PDF.
type attachment struct {
	name    string
	subtype string // the embedded file stream's /Subtype ("text/xml")
	sd      *types.StreamDict
}

var disableConfig sync.Once

// xmlFromPDF takes the e-invoice XML out of a PDF: the attachment with one
// of the standards' names, else any XML attachment whose root is an
// invoice. It returns nil and no error for a PDF without one. The
// attachment is inflated only up to lim.MaxBytes, and its declared size
// (/Params /Size), where given, must be its size.
//
// pdfcpu trusts the file: a caller that takes PDFs from anyone runs its
// own checks first (the pipeline runs OCR's pre-scan, ocr.CheckPDF).
func xmlFromPDF(data []byte, lim Limits) (name string, xml []byte, err error) {
	defer func() {
		// pdfcpu panics on some malformed files.
		if v := recover(); v != nil {
			name, xml, err = "", nil, fmt.Errorf("%w: malformed PDF: %v", ErrPDF, v)
		}
	}()
	// pdfcpu would otherwise read and write a configuration folder in the
	// user's home.
	disableConfig.Do(api.DisableConfigDir)
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	ctx, err := api.ReadContext(bytes.NewReader(data), conf)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %w", ErrPDF, err)
	}
	atts, err := attachments(ctx.XRefTable)
	if err != nil {
		return "", nil, err
	}
	// The standards' names first, in the order of invoiceNames.
	for _, want := range invoiceNames {
		for _, a := range atts {
			if strings.EqualFold(path.Base(a.name), want) {
				b, err := content(a, lim)
				if err != nil {
					return "", nil, fmt.Errorf("attachment %q: %w", clip(a.name), err)
				}
				return a.name, b, nil
			}
		}
	}
	// Any other XML attachment whose root is an invoice.
	for _, a := range atts {
		if !strings.EqualFold(path.Ext(a.name), ".xml") && !strings.HasSuffix(strings.ToLower(a.subtype), "xml") {
			continue
		}
		b, err := content(a, lim)
		if err != nil {
			continue // not an e-invoice: another attachment that cannot be read
		}
		if root, err := parseXML(b, lim); err == nil && invoiceRoot(root) {
			return a.name, b, nil
		}
	}
	return "", nil, nil
}

// attachments lists a PDF's embedded files: the catalog's
// /Names /EmbeddedFiles name tree and its /AF array (PDF/A-3 and PDF 2.0
// associated files), each file once.
func attachments(x *model.XRefTable) ([]attachment, error) {
	cat, err := x.Catalog()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPDF, err)
	}
	var (
		out  []attachment
		seen = map[int64]bool{}
		n    int
	)
	add := func(o types.Object) {
		n++
		if n > maxFileSpecs {
			return
		}
		fs, err := x.DereferenceDict(o)
		if err != nil || fs == nil {
			return
		}
		var name string
		for _, k := range []string{"UF", "F"} {
			if v, ok := fs.Find(k); ok {
				if s, err := x.DereferenceStringOrHexLiteral(v, model.V10, nil); err == nil && s != "" {
					name = s
					break
				}
			}
		}
		ef, err := x.DereferenceDict(fs["EF"])
		if err != nil || ef == nil {
			return
		}
		obj, ok := ef.Find("UF")
		if !ok {
			obj, ok = ef.Find("F")
		}
		if !ok {
			return
		}
		sd, _, err := x.DereferenceStreamDict(obj)
		if err != nil || sd == nil {
			return
		}
		// The name tree and AF usually list the same file.
		if seen[sd.StreamOffset] {
			return
		}
		seen[sd.StreamOffset] = true
		subtype := ""
		if s := sd.Dict.NameEntry("Subtype"); s != nil {
			subtype = *s
		}
		out = append(out, attachment{name: name, subtype: subtype, sd: sd})
	}
	if names, err := x.DereferenceDict(cat["Names"]); err == nil && names != nil {
		walkNameTree(x, names["EmbeddedFiles"], 0, &n, add)
	}
	if af, err := x.DereferenceArray(cat["AF"]); err == nil {
		for _, o := range af {
			add(o)
		}
	}
	return out, nil
}

// walkNameTree calls add for each value of a name tree, at most
// maxFileSpecs nodes and 32 levels deep (a tree that refers to itself
// ends there).
func walkNameTree(x *model.XRefTable, o types.Object, depth int, n *int, add func(types.Object)) {
	if depth > 32 || *n > maxFileSpecs {
		return
	}
	*n++
	d, err := x.DereferenceDict(o)
	if err != nil || d == nil {
		return
	}
	if names, err := x.DereferenceArray(d["Names"]); err == nil {
		for i := 1; i < len(names); i += 2 {
			add(names[i])
		}
	}
	if kids, err := x.DereferenceArray(d["Kids"]); err == nil {
		for _, k := range kids {
			walkNameTree(x, k, depth+1, n, add)
		}
	}
}

// content is an attachment's bytes: stored as is, or Flate-compressed
// (without a predictor), inflated no further than lim.MaxBytes. Its
// declared size, where given, must match.
func content(a attachment, lim Limits) ([]byte, error) {
	var r io.Reader = bytes.NewReader(a.sd.Raw)
	switch len(a.sd.FilterPipeline) {
	case 0:
	case 1:
		f := a.sd.FilterPipeline[0]
		if f.Name != "FlateDecode" || (f.DecodeParms != nil && f.DecodeParms.IntEntry("Predictor") != nil && *f.DecodeParms.IntEntry("Predictor") > 1) {
			return nil, fmt.Errorf("%w: encoded with %s (only Flate without a predictor is read)", ErrAttachment, f.Name)
		}
		zr, err := zlib.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrAttachment, err)
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("%w: %d filters (only Flate is read)", ErrAttachment, len(a.sd.FilterPipeline))
	}
	b, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAttachment, err)
	}
	if int64(len(b)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: the attachment is larger than %d bytes", ErrTooLarge, lim.MaxBytes)
	}
	if params := a.sd.Dict.DictEntry("Params"); params != nil {
		if size := params.IntEntry("Size"); size != nil && *size != len(b) {
			return nil, fmt.Errorf("%w: it declares %d bytes and holds %d", ErrAttachment, *size, len(b))
		}
	}
	return b, nil
}
