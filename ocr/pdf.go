package ocr

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// PDFs are read with two pure-Go libraries, so the binary stays one static
// cgo-only-for-Tesseract file: github.com/ledongthuc/pdf (BSD-3-Clause)
// gives the text layer with glyph positions, and github.com/pdfcpu/pdfcpu
// (Apache-2.0) gives the embedded page images of a scanned PDF. Rendering
// vector pages (MuPDF, Poppler) would need more C libraries and, for
// MuPDF, the AGPL.

// pdfDPI is the pixel space that text-layer boxes are given in, so that
// they compare with the boxes of a scanned page.
const pdfDPI = 300

// minTextLayer is how many letters or digits a page's text layer needs to
// be trusted; below it, the page is taken as a scan and its image is read.
const minTextLayer = 20

func (e *Engine) readPDF(ctx context.Context, data []byte, pass Pass) (doc Document, err error) {
	defer func() {
		// The PDF libraries panic on some malformed files.
		if v := recover(); v != nil {
			doc, err = Document{}, fmt.Errorf("%w: malformed PDF: %v", ErrCorrupt, v)
		}
	}()
	// Neither library sees a file the pre-scan has not passed.
	info, err := preparePDF(data, e.lim)
	if err != nil {
		return Document{}, err
	}
	data = info.data
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && info.encrypted {
		// ledongthuc/pdf knows RC4 and AES-128 only through some
		// dictionaries: pdfcpu decrypts the rest, and the clear file is
		// pre-scanned again.
		if data, err = decryptPDF(data); err != nil {
			return Document{}, err
		}
		if info, err = preparePDF(data, e.lim); err != nil {
			return Document{}, err
		}
		data = info.data
		r, err = pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	}
	if err != nil {
		return Document{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	n := r.NumPage()
	switch {
	case n == 0:
		return Document{}, fmt.Errorf("%w: the PDF has no pages", ErrCorrupt)
	case n > e.lim.MaxPages:
		return Document{}, fmt.Errorf("%w: %d pages (at most %d)", ErrTooLarge, n, e.lim.MaxPages)
	}
	imgs := &pdfImages{data: data, read: map[int]Page{}}
	doc = Document{Kind: KindPDF}
	watch, asked, read := watching(ctx), 0, 0
	for i := 1; i <= n; i++ {
		if e.pages.has(i) {
			asked++
		}
	}
	for i := 1; i <= n; i++ {
		if err := ctx.Err(); err != nil {
			return Document{}, err
		}
		if !e.pages.has(i) {
			continue // outside the pages asked for (ReadFilePages)
		}
		if !watch.begin(i, asked) {
			// Given up by the caller: in its place, with nothing on it,
			// so the pages after it keep their numbers.
			doc.Pages = append(doc.Pages, Page{Number: i, Skipped: true})
			continue
		}
		read++
		p, err := pageAt(r, i)
		if err != nil {
			return Document{}, err
		}
		page, err := textLayer(p)
		if err != nil {
			return Document{}, fmt.Errorf("page %d: %w", i, err)
		}
		if countAlnum(page) < minTextLayer {
			scanned, ok, err := e.readPDFImage(imgs, i, pass)
			if err != nil {
				return Document{}, err
			}
			if ok {
				page = scanned
			} else if i <= len(info.pages) && len(page.Lines) == 0 {
				if err := unsupportedCodec(info.pages[i-1]); err != nil {
					return Document{}, fmt.Errorf("page %d: %w", i, err)
				}
			}
		}
		page.Number = i
		doc.Pages = append(doc.Pages, page)
	}
	if read == 0 && asked > 0 {
		return Document{}, fmt.Errorf("%w: all %d pages", ErrSkipped, asked)
	}
	return doc, nil
}

// decryptPDF is an encrypted PDF with an empty user password, decrypted
// by pdfcpu. The pre-scan has held its streams to the budgets already.
func decryptPDF(data []byte) ([]byte, error) {
	disablePDFConfig.Do(api.DisableConfigDir)
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	var out bytes.Buffer
	if err := api.Decrypt(bytes.NewReader(data), &out, conf); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEncrypted, err)
	}
	return out.Bytes(), nil
}

// unsupportedCodec is the error for a page whose images are all in a
// codec that no library here decodes, or nil.
func unsupportedCodec(codecs []pName) error {
	for _, c := range codecs {
		switch c {
		case "JPXDecode":
			return fmt.Errorf("%w: JPEG 2000 images in PDFs are not supported", ErrUnsupported)
		case "JBIG2Decode":
			return fmt.Errorf("%w: JBIG2 images in PDFs are not supported", ErrUnsupported)
		}
	}
	return nil
}

func countAlnum(p Page) int {
	n := 0
	for _, l := range p.Lines {
		for _, r := range l.Text {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				n++
			}
		}
	}
	return n
}

// textLayer gathers a page's glyphs into words and lines, top to bottom.
func textLayer(p pdf.Page) (Page, error) {
	box := mediaBox(p)
	x0, y0 := box.Index(0).Float64(), box.Index(1).Float64()
	x1, y1 := box.Index(2).Float64(), box.Index(3).Float64()
	if x1 <= x0 || y1 <= y0 {
		x0, y0, x1, y1 = 0, 0, 612, 792 // US Letter, when the box is missing
	}
	const k = pdfDPI / 72.0
	page := Page{Width: int((x1 - x0) * k), Height: int((y1 - y0) * k), TextLayer: true}

	var shown []pdf.Text
	all, err := glyphs(p)
	if err != nil {
		return Page{}, err
	}
	for _, t := range all {
		if t.S != "" && t.FontSize > 0 {
			shown = append(shown, t)
		}
	}
	// Top to bottom, then left to right; glyphs whose baselines are within
	// a third of the font size share a line.
	sort.SliceStable(shown, func(i, j int) bool { return shown[i].Y > shown[j].Y })
	var rows [][]pdf.Text
	for _, g := range shown {
		if n := len(rows); n > 0 {
			last := rows[n-1][0]
			if last.Y-g.Y < max(last.FontSize, g.FontSize)/3 {
				rows[n-1] = append(rows[n-1], g)
				continue
			}
		}
		rows = append(rows, []pdf.Text{g})
	}
	toBox := func(minX, maxX, y, size float64) image.Rectangle {
		return image.Rect(int((minX-x0)*k), int((y1-y-size*0.8)*k), int((maxX-x0)*k), int((y1-y+size*0.2)*k))
	}
	for _, row := range rows {
		sort.SliceStable(row, func(i, j int) bool { return row[i].X < row[j].X })
		var line Line
		var word strings.Builder
		var wMin, wMax, wY, wSize float64
		flush := func() {
			text := strings.TrimSpace(word.String())
			word.Reset()
			if text == "" {
				return
			}
			b := toBox(wMin, wMax, wY, wSize)
			line.Words = append(line.Words, Word{Text: text, Conf: 100, Box: b})
		}
		var prev *pdf.Text
		for i := range row {
			g := &row[i]
			blank := strings.TrimSpace(g.S) == ""
			if blank && prev != nil && g.X+0.1*g.FontSize < prev.X+glyphWidth(*prev) {
				// A space drawn over the glyph before it (some writers pad
				// lines so) separates nothing: "F actuurnummer" was one word.
				continue
			}
			if prev != nil && (blank || wordBreak(*prev, *g)) {
				flush()
			}
			prev = g
			if blank {
				continue
			}
			if word.Len() == 0 {
				wMin, wY, wSize = g.X, g.Y, g.FontSize
			}
			word.WriteString(g.S)
			wMax = g.X + glyphWidth(*g)
		}
		flush()
		if len(line.Words) == 0 {
			continue
		}
		line.Text, line.Box = JoinWords(line.Words)
		page.Lines = append(page.Lines, line)
	}
	return page, nil
}

// maxTreeDepth bounds every walk up or down a PDF's page tree: in a
// malformed file a node can be its own kid or parent, and the library's
// own walks (Reader.Page, Page.Resources) then never end.
const maxTreeDepth = 64

// mediaBox is the page's MediaBox, inherited from its parents if need be.
func mediaBox(p pdf.Page) pdf.Value { return inherited(p, "MediaBox") }

// inherited is key's value on the page or on the nearest of its parents
// that has one, as the page tree passes down MediaBox and Resources.
func inherited(p pdf.Page, key string) pdf.Value {
	v := p.V
	for depth := 0; depth < maxTreeDepth && !v.IsNull(); depth++ {
		if b := v.Key(key); !b.IsNull() {
			return b
		}
		v = v.Key("Parent")
	}
	return pdf.Value{}
}

// pageAt is the library's Reader.Page (the page numbered num, from 1, or
// a null page when there is none) with the descent bounded: a Pages node
// that lists itself among its kids sent Reader.Page round for ever (found
// by FuzzReadPDF).
func pageAt(r *pdf.Reader, num int) (pdf.Page, error) {
	num-- // from 0
	node := r.Trailer().Key("Root").Key("Pages")
	for depth := 0; node.Key("Type").Name() == "Pages"; depth++ {
		if depth == maxTreeDepth {
			return pdf.Page{}, fmt.Errorf("%w: the page tree loops or is deeper than %d levels", ErrCorrupt, maxTreeDepth)
		}
		kids := node.Key("Kids")
		next := pdf.Value{}
		for i := 0; i < kids.Len() && next.IsNull(); i++ {
			kid := kids.Index(i)
			switch kid.Key("Type").Name() {
			case "Pages":
				if c := int(kid.Key("Count").Int64()); num < c {
					next = kid
				} else {
					num -= c
				}
			case "Page":
				if num == 0 {
					return pdf.Page{V: kid}, nil
				}
				num--
			}
		}
		if next.IsNull() {
			break
		}
		node = next
	}
	return pdf.Page{}, nil
}

// glyphWidth is a glyph's advance. Type0 (CID) fonts give none through
// the library; half an em is the typical letter.
func glyphWidth(g pdf.Text) float64 {
	if g.W > 0 {
		return g.W
	}
	return 0.5 * g.FontSize * float64(utf8.RuneCountInString(g.S))
}

// wordBreak tells whether next starts a new word after prev on one line:
// a gap of a fifth of an em where widths are known; where they are not, an
// advance wider than any letter.
func wordBreak(prev, next pdf.Text) bool {
	if prev.W > 0 {
		return next.X-(prev.X+prev.W) > 0.2*next.FontSize
	}
	return next.X-prev.X > 0.95*prev.FontSize*float64(utf8.RuneCountInString(prev.S)) || next.X < prev.X
}

var disablePDFConfig sync.Once

// pdfImages reads a PDF's page images with pdfcpu, parsing the file once
// for all its pages, and reads each image object once: a PDF that draws
// one scan on 100 pages is read once, not 100 times.
type pdfImages struct {
	data []byte
	ctx  *model.Context
	read map[int]Page // by image object number
}

// readPDFImage reads the largest image of a scanned page. ok is false when
// the page has no image.
func (e *Engine) readPDFImage(imgs *pdfImages, pageNr int, pass Pass) (page Page, ok bool, err error) {
	if imgs.ctx == nil {
		// pdfcpu would otherwise read and write a configuration folder
		// in the user's home.
		disablePDFConfig.Do(api.DisableConfigDir)
		conf := model.NewDefaultConfiguration()
		conf.ValidationMode = model.ValidationRelaxed
		conf.Cmd = model.EXTRACTIMAGES
		ctx, err := api.ReadValidateAndOptimize(bytes.NewReader(imgs.data), conf)
		if err != nil {
			return Page{}, false, fmt.Errorf("%w: page %d images: %w", ErrCorrupt, pageNr, err)
		}
		imgs.ctx = ctx
	}
	// Stubs first (no pixels): only the page's largest image is
	// rendered, and only once for all the pages that draw it.
	stubs, err := pdfcpu.ExtractPageImages(imgs.ctx, pageNr, true)
	if err != nil {
		return Page{}, false, fmt.Errorf("%w: page %d images: %w", ErrCorrupt, pageNr, err)
	}
	var best *model.Image
	for _, img := range stubs {
		// pdfcpu does not always fill in the dimensions; the size is
		// checked when the image is decoded.
		if best == nil || img.Size > best.Size || img.Size == best.Size && img.ObjNr < best.ObjNr {
			best = &img
		}
	}
	if best == nil {
		return Page{}, false, nil
	}
	if p, ok := imgs.read[best.ObjNr]; ok {
		p.Lines = slices.Clone(p.Lines)
		return p, true, nil
	}
	var full *model.Image
	if obj := imgs.ctx.Optimize.ImageObjects[best.ObjNr]; obj != nil {
		full, err = pdfcpu.ExtractImage(imgs.ctx, obj.ImageDict, false, best.Name, best.ObjNr, false)
	} else { // the page's thumbnail
		var all map[int]model.Image
		if all, err = pdfcpu.ExtractPageImages(imgs.ctx, pageNr, false); err == nil {
			if img, ok := all[best.ObjNr]; ok {
				full = &img
			}
		}
	}
	if err != nil {
		return Page{}, false, fmt.Errorf("%w: page %d image: %w", ErrCorrupt, pageNr, err)
	}
	if full == nil || full.Reader == nil {
		return Page{}, false, nil // a codec pdfcpu leaves out (JBIG2)
	}
	best = full
	if best.FileType == "jpx" {
		return Page{}, false, fmt.Errorf("page %d: %w: JPEG 2000 images in PDFs are not supported", pageNr, ErrUnsupported)
	}
	raw, err := io.ReadAll(io.LimitReader(best.Reader, e.lim.MaxBytes*4))
	if err != nil {
		return Page{}, false, fmt.Errorf("%w: page %d image: %w", ErrCorrupt, pageNr, err)
	}
	img, err := decodeImage(raw, e.lim)
	if err != nil {
		return Page{}, false, fmt.Errorf("page %d: %w", pageNr, err)
	}
	page, err = e.readImage(img, pass)
	if err != nil {
		return Page{}, false, err
	}
	imgs.read[best.ObjNr] = page
	return page, true, nil
}
