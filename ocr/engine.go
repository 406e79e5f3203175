package ocr

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/otiai10/gosseract/v2"

	"tillroll/ocr/recog"
)

// Options configures an Engine. The zero value reads English with the
// default limits.
type Options struct {
	Limits Limits
	// Languages for Tesseract, "eng" when empty.
	Languages []string
	// Detect are languages a page is read again in when the words of its
	// first reading are theirs (DetectLanguage); ParseLanguages("auto")
	// gives the installed ones.
	Detect []string
	// KeepPage reads every page image whole: it does not look for a
	// receipt on a larger page or in a photo (see locate.go).
	KeepPage bool
	// Second, when set, reads again the words that Reread picks on each
	// scanned page (Line.Alt). The Engine does not own it: the caller
	// closes it after the Engine.
	Second LineReader
	// Reread picks the words of a page worth a second reading. Nil picks
	// every line whole.
	Reread func(Page) []Span
	// Choices, when set, reads the characters' alternatives of each span
	// read again that holds an amount (Line.Choices). The Engine does not
	// own it.
	Choices *ChoiceReader
}

// Span is a run of one line's words to read again: Lines[Line].Words[First:End].
type Span struct{ Line, First, End int }

// LineReader reads one line of a page again: the second recognizer
// (package ocr/recog). box is in g's pixels.
type LineReader interface {
	ReadLine(g *image.Gray, box image.Rectangle) (recog.Reading, error)
}

// Engine reads documents with one Tesseract instance. It is not safe for
// concurrent use: each OCR worker owns one, made once and closed on
// shutdown.
type Engine struct {
	tess *gosseract.Client
	// langs are tess's languages joined by "+"; view marks an engine
	// made by InLanguage, which closes nothing.
	langs  string
	view   bool
	lim    Limits
	detect []string
	keep   bool
	// other holds a Tesseract instance per detected language, made when
	// the first page in that language comes, and per language setting
	// asked of InLanguage (keyed "deu+eng").
	other   map[string]*gosseract.Client
	second  LineReader
	reread  func(Page) []Span
	choices *ChoiceReader
	// pages limits the PDF pages read, while ReadFilePages runs (pages.go).
	pages pageRange
}

// NewEngine starts a Tesseract instance and checks that it can read.
func NewEngine(opt Options) (*Engine, error) {
	opt.Limits = opt.Limits.withDefaults()
	c, err := newClient(opt.Languages)
	if err != nil {
		return nil, err
	}
	langs := strings.Join(opt.Languages, "+")
	if langs == "" {
		langs = "eng"
	}
	e := &Engine{tess: c, langs: langs, lim: opt.Limits, detect: opt.Detect, keep: opt.KeepPage, other: map[string]*gosseract.Client{},
		second: opt.Second, reread: opt.Reread, choices: opt.Choices}
	// Initialise now, on a blank page, so a missing language file is an
	// error at start-up and not on the first document.
	if err := initClient(c); err != nil {
		_ = c.Close()
		return nil, err
	}
	return e, nil
}

// newClient makes a Tesseract instance with Tillroll's settings.
func newClient(langs []string) (*gosseract.Client, error) {
	c := gosseract.NewClient()
	if len(langs) > 0 {
		if err := c.SetLanguage(langs...); err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("tesseract languages: %w", err)
		}
	}
	// Variables are applied when the client initialises, below. Page
	// segmentation: PSM 6, one uniform block of text, reads a receipt's
	// lines with their amounts best (measured with tillroll eval: PSM 4
	// and 3 lose 3 to 12 points on dates and merchants). It must be set as
	// a variable: gosseract's SetPageSegMode before the first
	// initialisation is lost. Most scans carry no DPI tag; 300 is what
	// receipt scanners write.
	for k, v := range map[gosseract.SettableVariable]string{
		"tessedit_pageseg_mode": strconv.Itoa(int(gosseract.PSM_SINGLE_BLOCK)),
		"user_defined_dpi":      "300",
		"debug_file":            "/dev/null", // Tesseract's warnings are not ours to print
		// Receipts print dark on light: not trying each line inverted
		// saves 8% of the time and changed no field on the shared set.
		"tessedit_do_invert": "0",
	} {
		if err := c.SetVariable(k, v); err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("tesseract variable %s: %w", k, err)
		}
	}
	return c, nil
}

// initClient makes Tesseract load its data by reading a blank page.
func initClient(c *gosseract.Client) error {
	blank := image.NewGray(image.Rect(0, 0, 32, 32))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	if _, err := recognizeWith(c, blank); err != nil {
		return fmt.Errorf("start tesseract: %w", err)
	}
	return nil
}

// Close frees the Tesseract instances.
func (e *Engine) Close() error {
	if e.tess == nil || e.view {
		return nil
	}
	err := e.tess.Close()
	e.tess = nil
	for lang, c := range e.other {
		err = errors.Join(err, c.Close())
		delete(e.other, lang)
	}
	return err
}

// ReadFile reads the document at path: an image, or a PDF's text layer
// or page images. Errors from the input itself match ErrEmpty,
// ErrUnsupported, ErrTooLarge or ErrCorrupt.
func (e *Engine) ReadFile(ctx context.Context, path string) (Document, error) {
	return e.ReadFilePass(ctx, path, FirstPass)
}

// ReadFilePass is ReadFile with the preprocessing of the given pass.
func (e *Engine) ReadFilePass(ctx context.Context, path string, pass Pass) (Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return Document{}, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Document{}, fmt.Errorf("stat: %w", err)
	}
	if info.Size() > e.lim.MaxBytes {
		return Document{}, fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLarge, info.Size(), e.lim.MaxBytes)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return Document{}, fmt.Errorf("read: %w", err)
	}
	return e.ReadPass(ctx, data, pass)
}

// Read reads a document held in memory, as ReadFile does.
func (e *Engine) Read(ctx context.Context, data []byte) (Document, error) {
	return e.ReadPass(ctx, data, FirstPass)
}

// ReadPass is Read with the preprocessing of the given pass.
func (e *Engine) ReadPass(ctx context.Context, data []byte, pass Pass) (Document, error) {
	kind, err := Sniff(data[:min(len(data), SniffLen)])
	if err != nil {
		return Document{}, err
	}
	if kind == KindPDF {
		return e.readPDF(ctx, data, pass)
	}
	if kind == KindTIFF {
		offs, err := tiffPages(data, e.lim.MaxPages)
		if err != nil {
			return Document{}, err
		}
		if len(offs) > 1 {
			return e.readTIFF(ctx, data, offs, pass)
		}
	}
	if !watching(ctx).begin(1, 1) {
		return Document{}, fmt.Errorf("%w: the image is one page", ErrSkipped)
	}
	img, err := decodeImage(data, e.lim)
	if err != nil {
		return Document{}, err
	}
	src := e.prepare(img)
	var again *pageSource
	if pass == FirstPass && src.gray.Rect.Dx()*src.gray.Rect.Dy() < bigImage {
		// Kept for a second pass, before preprocessing changes the
		// pixels in place: a copy costs far less than decoding and
		// locating again.
		c := *src
		c.gray = cloneGray(src.gray)
		again = &c
	}
	page, err := e.readSource(src, pass)
	if err != nil {
		return Document{}, err
	}
	page.Number = 1
	if again != nil {
		again.lang = src.lang
	}
	page.source = again
	return Document{Kind: kind, Pages: []Page{page}}, nil
}

// ReadAgain reads a document again with the preprocessing of pass, as
// ReadPass would, from the image its first reading (by ReadPass, with
// FirstPass) decoded and located: a document of one image page, not
// larger than bigImage pixels. ok is false for any other document, which
// is to be read from its file again. The kept image is used once: doc
// holds it no more.
func (e *Engine) ReadAgain(ctx context.Context, doc Document, pass Pass) (again Document, ok bool, err error) {
	if len(doc.Pages) != 1 || doc.Pages[0].source == nil {
		return Document{}, false, nil
	}
	src := doc.Pages[0].source
	doc.Pages[0].source = nil
	if !watching(ctx).begin(1, 1) {
		return Document{}, true, fmt.Errorf("%w: the image is one page", ErrSkipped)
	}
	page, err := e.readSource(src, pass)
	if err != nil {
		return Document{}, true, err
	}
	page.Number = 1
	return Document{Kind: doc.Kind, Pages: []Page{page}}, true, nil
}

// pageSource is a page image ready for preprocessing: gray, and
// straightened where a receipt was found on it.
type pageSource struct {
	gray *image.Gray
	// loc is the receipt found on the page, when found; gray is then its
	// straightened image.
	loc   located
	found bool
	// size is the page image's own (the Page's Width and Height).
	size image.Point
	// lang is the language the first reading was read in at last
	// (inItsLanguage), "" for the engine's own.
	lang string
}

// prepare turns a decoded page image into what readSource reads: gray,
// and the receipt on it found and straightened (unless e keeps pages
// whole).
func (e *Engine) prepare(img image.Image) *pageSource {
	src := &pageSource{gray: toGray(img), size: img.Bounds().Size()}
	// A receipt on a larger page or in a photo: read it straightened.
	if !e.keep {
		src.loc, src.found = locate(src.gray)
	}
	if src.found {
		src.gray = src.loc.img
	}
	return src
}

// readImage preprocesses one page image and reads it. Boxes are given in
// the pixel space of img.
func (e *Engine) readImage(img image.Image, pass Pass) (Page, error) {
	return e.readSource(e.prepare(img), pass)
}

// readSource preprocesses a prepared page image for pass and reads it.
// Preprocessing may change src.gray's pixels. Boxes are given in the pixel
// space of the page image.
func (e *Engine) readSource(src *pageSource, pass Pass) (Page, error) {
	loc, found := src.loc, src.found
	g, scale := Preprocess(src.gray, pass)
	// Tesseract reads the page without its barcodes (which it would
	// glue to the text beside them); the second reader reads g.
	tg := withoutBarcodes(g)
	words, err := e.readIn(src, pass, tg)
	if err != nil {
		return Page{}, err
	}
	// Faint print that Tesseract found next to nothing in: read it again
	// with its contrast normalised (contrast.go), and keep the reading
	// that found more, with the image it read.
	if pass == FirstPass && tooFewWords(words) {
		if deep := cloneGray(g); deepenFaint(deep) {
			dtg := withoutBarcodes(deep)
			again, err := e.recognize(dtg)
			if err != nil {
				return Page{}, err
			}
			if realWords(again) > realWords(words) {
				words, g, tg = again, deep, dtg
			}
		}
	}
	if words, err = e.inItsLanguage(src, pass, tg, words); err != nil {
		return Page{}, err
	}
	page := Page{Width: src.size.X, Height: src.size.Y, Lines: groupLines(words)}
	// The second pass is Tesseract's alone: the words that decide a
	// field were read twice on the first.
	if pass == FirstPass {
		if err := e.readAgain(g, &page); err != nil {
			return Page{}, err
		}
	}
	if scale != 1 || found {
		back := func(r image.Rectangle) image.Rectangle {
			r = unscale(r, scale)
			if found {
				r = loc.toPage(r)
			}
			return r
		}
		for i := range page.Lines {
			l := &page.Lines[i]
			l.Box = back(l.Box)
			for j := range l.Words {
				l.Words[j].Box = back(l.Words[j].Box)
			}
			for j := range l.Alt {
				l.Alt[j].Box = back(l.Alt[j].Box)
			}
		}
	}
	return page, nil
}

// readAgain has the second recognizer read the words that decide a
// field, on the image Tesseract read (the lines' boxes are still in its
// pixels). A line read again gets Alt: its words with each span as the
// second recognizer read it.
func (e *Engine) readAgain(g *image.Gray, page *Page) error {
	if e.second == nil || len(page.Lines) == 0 {
		return nil
	}
	var spans []Span
	if e.reread != nil {
		scaled := *page
		scaled.Width, scaled.Height = g.Rect.Dx(), g.Rect.Dy()
		spans = e.reread(scaled)
	} else {
		for i, l := range page.Lines {
			spans = append(spans, Span{Line: i, First: 0, End: len(l.Words)})
		}
	}
	sort.Slice(spans, func(a, b int) bool {
		if spans[a].Line != spans[b].Line {
			return spans[a].Line < spans[b].Line
		}
		return spans[a].First < spans[b].First
	})
	for k := 0; k < len(spans); {
		i := spans[k].Line
		var alt []Word
		next := 0 // the first word of the line not yet in alt
		for ; k < len(spans) && spans[k].Line == i; k++ {
			sp := spans[k]
			if i < 0 || i >= len(page.Lines) {
				continue
			}
			l := &page.Lines[i]
			if sp.First < next || sp.End > len(l.Words) || sp.First >= sp.End {
				continue
			}
			ws, err := e.readSpan(g, l, sp)
			if err != nil {
				return fmt.Errorf("second reading of line %d: %w", i+1, err)
			}
			alt = append(alt, l.Words[next:sp.First]...)
			if len(ws) == 0 {
				ws = l.Words[sp.First:sp.End] // read as nothing: keep the first reading
			}
			alt = append(alt, ws...)
			next = sp.End
			if err := e.readChoices(g, l, sp); err != nil {
				return fmt.Errorf("choices of line %d: %w", i+1, err)
			}
		}
		if i >= 0 && i < len(page.Lines) && alt != nil {
			l := &page.Lines[i]
			l.Alt = append(alt, l.Words[next:]...)
		}
	}
	return nil
}

// readChoices adds to l the characters' alternatives of span sp when
// it holds an amount (a digit and a decimal separator).
func (e *Engine) readChoices(g *image.Gray, l *Line, sp Span) error {
	if e.choices == nil {
		return nil
	}
	text, box := JoinWords(l.Words[sp.First:sp.End])
	if !strings.ContainsAny(text, "0123456789") || !strings.ContainsAny(text, ".,") {
		return nil
	}
	box.Min.Y, box.Max.Y = l.Box.Min.Y, l.Box.Max.Y
	syms, err := e.choices.ReadChoices(g, box)
	if err != nil {
		return err
	}
	if len(syms) > 0 {
		l.Choices = append(l.Choices, SpanChoices{First: sp.First, End: sp.End, Symbols: syms})
	}
	return nil
}

// readSpan reads a span of a line's words again, on the line's rows.
func (e *Engine) readSpan(g *image.Gray, l *Line, sp Span) ([]Word, error) {
	_, box := JoinWords(l.Words[sp.First:sp.End])
	box.Min.Y, box.Max.Y = l.Box.Min.Y, l.Box.Max.Y
	rd, err := e.second.ReadLine(g, box)
	if err != nil {
		return nil, err
	}
	// Where Tesseract saw a space, so does the second reading.
	var gaps []int
	for j := sp.First + 1; j < sp.End; j++ {
		a, b := l.Words[j-1].Box.Max.X, l.Words[j].Box.Min.X
		if b > a {
			gaps = append(gaps, (a+b)/2)
		}
	}
	rd = recog.SplitAt(rd, gaps)
	ws := make([]Word, len(rd.Words))
	for j, w := range rd.Words {
		ws[j] = Word{Text: w.Text, Conf: w.Conf, Box: w.Box}
	}
	return ws, nil
}

func unscale(r image.Rectangle, s float64) image.Rectangle {
	f := func(v int) int { return int(float64(v)/s + 0.5) }
	return image.Rect(f(r.Min.X), f(r.Min.Y), f(r.Max.X), f(r.Max.Y))
}

// tessWord is a word as Tesseract gives it, with its place in the layout.
type tessWord struct {
	Word
	block, par, line int
}

var errTesseract = errors.New("tesseract failed")

func (e *Engine) recognize(g *image.Gray) ([]tessWord, error) {
	if e.tess == nil {
		return nil, fmt.Errorf("%w: engine closed", errTesseract)
	}
	return recognizeWith(e.tess, g)
}

func recognizeWith(c *gosseract.Client, g *image.Gray) ([]tessWord, error) {
	if err := c.SetImageFromBytes(bmp8(g)); err != nil {
		return nil, fmt.Errorf("%w: %w", errTesseract, err)
	}
	boxes, err := c.GetBoundingBoxesVerbose()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errTesseract, err)
	}
	words := make([]tessWord, 0, len(boxes))
	for _, b := range boxes {
		text := strings.TrimSpace(b.Word)
		if text == "" {
			continue
		}
		words = append(words, tessWord{
			Word:  Word{Text: text, Conf: b.Confidence, Box: b.Box},
			block: b.BlockNum, par: b.ParNum, line: b.LineNum,
		})
	}
	return words, nil
}

// groupLines gathers words into Tesseract's lines, in reading order.
func groupLines(words []tessWord) []Line {
	type key struct{ block, par, line int }
	var lines []Line
	var cur key
	for i, w := range words {
		k := key{w.block, w.par, w.line}
		if i == 0 || k != cur {
			lines = append(lines, Line{})
			cur = k
		}
		l := &lines[len(lines)-1]
		l.Words = append(l.Words, w.Word)
	}
	for i := range lines {
		l := &lines[i]
		sort.SliceStable(l.Words, func(a, b int) bool { return l.Words[a].Box.Min.X < l.Words[b].Box.Min.X })
		l.Text, l.Box = JoinWords(l.Words)
	}
	return lines
}
