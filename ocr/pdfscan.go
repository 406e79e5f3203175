package ocr

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strconv"
)

// The pre-scan reads a PDF's structure with its own small, bounded
// parser before either PDF library sees the file, and refuses what would
// make them explode. Both libraries trust the file: ledongthuc/pdf sizes
// its xref table by /Size and by the largest object number, follows /Prev
// for ever and resolves an object stream's /Length through the same
// stream until the stack overflows; pdfcpu inflates every stream whole,
// sizes predictor rows by /Columns and allocates a stream's /Length
// before reading it. So, before them:
//
//   - the xref chain (/Prev, /XRefStm) is followed with loop detection
//     and at most maxXrefSections steps; every object number, /Size and
//     /Index is held to Limits.MaxObjects, and so is the count of objects
//     in the file;
//   - every stream in the file, found by its bytes and not only through
//     the xref (the libraries repair broken files), is decoded through
//     decodeStream with a budget: an image's declared pixels, else
//     Limits.MaxStreamBytes, and Limits.MaxDecodedBytes for the whole file;
//     its /Length must lie within the file, and an object stream's
//     /Length may not be stored in an object stream;
//   - every page's images, through Form XObjects to maxFormDepth and
//     inline images in its content, are held to the pixel limits, one by
//     one and together.
//
// The pre-scan also gives what the libraries cannot: which image codecs a
// page uses, so that a JPEG 2000 or JBIG2 scan is reported as such.

var errTooDeep = fmt.Errorf("%w: objects nest more than %d deep", ErrCorrupt, maxNesting)

// maxXrefSections bounds the xref sections followed from startxref.
const maxXrefSections = 64

// maxFormDepth bounds Form XObjects drawn within Form XObjects.
const maxFormDepth = 8

// maxObjStmBytes bounds an object stream's decoded bytes: ledongthuc/pdf
// inflates the whole stream again for every object it looks up in it.
const maxObjStmBytes = 4 << 20

// pdfInfo is what the pre-scan learnt of a PDF.
type pdfInfo struct {
	// data is the file from its %PDF- header on, with a header both
	// libraries accept.
	data []byte
	// encrypted is set when the trailer names an /Encrypt dictionary
	// (with an empty user password: the pre-scan decrypted its streams).
	encrypted bool
	// pages lists, page by page, the image codecs drawn on it (the last
	// filter of each image: "DCTDecode", "JPXDecode", "" for raw...).
	pages [][]pName
}

// pdfDef is one "n g obj" definition found in the file.
type pdfDef struct {
	num, gen int
	at       int // offset just after "obj"
	body     pObj
	parsed   bool
	stream   bool
	start    int // first byte of stream data
	end      int // offset of the "endstream" after it, or len(data)
}

type pdfScanner struct {
	data       []byte
	lim        Limits
	defs       map[int][]*pdfDef // by object number, in file order
	compressed map[int]pObj      // objects read from object streams
	trailers   []pDict           // newest first
	budget     int64             // decoded bytes left for the file
	encrypted  bool
	crypt      *pdfCrypt // the key of an encrypted file's streams
	deep       bool      // an object nests more than maxNesting deep
}

var objHeader = regexp.MustCompile(`(\d{1,10})[\x00\t\n\f\r ]+(\d{1,5})[\x00\t\n\f\r ]+obj`)

// preparePDF finds the header, normalises it for ledongthuc/pdf (which
// wants "%PDF-1.x" and a line end at byte 0), and pre-scans the file.
func preparePDF(data []byte, lim Limits) (pdfInfo, error) {
	data, err := normalizeHeader(data)
	if err != nil {
		return pdfInfo{}, err
	}
	s := &pdfScanner{data: data, lim: lim, defs: map[int][]*pdfDef{}, compressed: map[int]pObj{}, budget: lim.MaxDecodedBytes}
	if err := s.index(); err != nil {
		return pdfInfo{}, err
	}
	if err := s.xrefChain(); err != nil {
		return pdfInfo{}, err
	}
	for _, t := range s.trailers {
		if t["Encrypt"] == nil {
			continue
		}
		s.encrypted = true
		var id []byte
		if ids, ok := s.resolve(t["ID"]).([]pObj); ok && len(ids) > 0 {
			first, _ := s.resolve(ids[0]).(pString)
			id = []byte(first)
		}
		if s.crypt, err = s.newCrypt(s.dict(t["Encrypt"]), id); err != nil {
			return pdfInfo{}, err
		}
		break
	}
	if err := s.streams(); err != nil {
		return pdfInfo{}, err
	}
	if s.deep {
		return pdfInfo{}, errTooDeep
	}
	pages, err := s.pageImages()
	if err != nil {
		return pdfInfo{}, err
	}
	return pdfInfo{data: data, encrypted: s.encrypted, pages: pages}, nil
}

// normalizeHeader drops junk before the %PDF- header (the spec allows it
// within the first 1024 bytes; xref offsets then count from the header)
// and rewrites a header ledongthuc/pdf refuses (%PDF-2.0, no line end) as
// %PDF-1.7 of the same length, so no offset moves.
func normalizeHeader(data []byte) ([]byte, error) {
	i := bytes.Index(data[:min(len(data), 1024+5)], []byte("%PDF-"))
	if i < 0 {
		return nil, fmt.Errorf("%w: no %%PDF- header in the first 1024 bytes", ErrCorrupt)
	}
	data = data[i:]
	if len(data) < 9 {
		return nil, fmt.Errorf("%w: the PDF ends after its header", ErrCorrupt)
	}
	if v := data[5:8]; v[0] < '1' || v[0] > '2' || v[1] != '.' || v[2] < '0' || v[2] > '9' {
		return nil, fmt.Errorf("%w: an unknown PDF version %q", ErrCorrupt, v)
	}
	ok := data[5] == '1' && data[7] <= '7' && (data[8] == '\r' || data[8] == '\n')
	if !ok {
		fixed := bytes.Clone(data)
		copy(fixed[5:], "1.7")
		if fixed[8] != '\r' && fixed[8] != '\n' {
			fixed[8] = '\n' // a space, or the "%" of a binary comment
		}
		data = fixed
	}
	return data, nil
}

// index finds every "n g obj" in the file, inside stream data too: an
// xref may point anywhere.
func (s *pdfScanner) index() error {
	count := 0
	for _, m := range objHeader.FindAllSubmatchIndex(s.data, -1) {
		if m[0] > 0 && !isSpace(s.data[m[0]-1]) && !isDelim(s.data[m[0]-1]) {
			continue // the digits are the tail of something else
		}
		if end := m[1]; end < len(s.data) && !isSpace(s.data[end]) && !isDelim(s.data[end]) {
			continue
		}
		num, _ := strconv.Atoi(string(s.data[m[2]:m[3]]))
		gen, _ := strconv.Atoi(string(s.data[m[4]:m[5]]))
		if num > s.lim.MaxObjects {
			return fmt.Errorf("%w: object number %d (at most %d objects)", ErrTooLarge, num, s.lim.MaxObjects)
		}
		count++
		if count > s.lim.MaxObjects {
			return fmt.Errorf("%w: more than %d objects", ErrTooLarge, s.lim.MaxObjects)
		}
		s.defs[num] = append(s.defs[num], &pdfDef{num: num, gen: gen, at: m[1]})
	}
	return nil
}

// parse reads a definition's body, and where a stream follows, its data.
func (s *pdfScanner) parse(d *pdfDef) {
	if d.parsed {
		return
	}
	d.parsed = true
	l := &lexer{b: s.data, pos: d.at}
	body, ok := l.object(0)
	if l.deep {
		s.deep = true
	}
	if !ok {
		return
	}
	d.body = body
	if _, isDict := body.(pDict); !isDict || !l.keyword("stream") {
		return
	}
	start := l.pos
	if start < len(s.data) && s.data[start] == '\r' {
		start++
	}
	if start < len(s.data) && s.data[start] == '\n' {
		start++
	}
	d.stream, d.start = true, start
	d.end = len(s.data)
	if e := bytes.Index(s.data[start:], []byte("endstream")); e >= 0 {
		d.end = start + e
	}
}

// resolve is o, or the object o refers to: the last definition in the
// file, else the object from an object stream.
func (s *pdfScanner) resolve(o pObj) pObj {
	all := s.candidates(o)
	if len(all) == 0 {
		return nil
	}
	return all[len(all)-1]
}

// candidates is every object o may stand for: o itself when it is no
// reference, else each definition of the object it refers to (an updated
// file defines some twice, and the libraries may pick either).
func (s *pdfScanner) candidates(o pObj) []pObj {
	r, ok := o.(pRef)
	if !ok {
		return []pObj{o}
	}
	var out []pObj
	if c, ok := s.compressed[r.num]; ok {
		out = append(out, c)
	}
	for _, d := range s.defs[r.num] {
		s.parse(d)
		if d.body != nil {
			out = append(out, d.body)
		}
	}
	return out
}

func (s *pdfScanner) dict(o pObj) pDict {
	d, _ := s.resolve(o).(pDict)
	return d
}

// streamDef is the stream definition o refers to, if any.
func (s *pdfScanner) streamDef(o pObj) *pdfDef {
	r, ok := o.(pRef)
	if !ok {
		return nil
	}
	defs := s.defs[r.num]
	for i := len(defs) - 1; i >= 0; i-- {
		s.parse(defs[i])
		if defs[i].stream {
			return defs[i]
		}
	}
	return nil
}

// xrefChain follows startxref, /Prev and /XRefStm, and checks every
// section's numbers before a library sizes a table by them.
func (s *pdfScanner) xrefChain() error {
	tail := s.data[max(0, len(s.data)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return fmt.Errorf("%w: no startxref at the end of the PDF", ErrCorrupt)
	}
	l := &lexer{b: tail, pos: i + len("startxref")}
	off, ok := l.int()
	if !ok {
		return fmt.Errorf("%w: startxref is not followed by an offset", ErrCorrupt)
	}
	queue := []int64{off}
	seen := map[int64]bool{}
	for steps := 0; len(queue) > 0; steps++ {
		off := queue[0]
		queue = queue[1:]
		if seen[off] {
			return fmt.Errorf("%w: the cross-reference chain loops", ErrCorrupt)
		}
		seen[off] = true
		if steps == maxXrefSections {
			return fmt.Errorf("%w: more than %d cross-reference sections", ErrTooLarge, maxXrefSections)
		}
		if off < 0 || off >= int64(len(s.data)) {
			return fmt.Errorf("%w: a cross-reference offset is outside the file", ErrCorrupt)
		}
		trailer, err := s.xrefSection(int(off))
		if err != nil {
			return err
		}
		s.trailers = append(s.trailers, trailer)
		if size, ok := trailer["Size"].(int64); ok && size > int64(s.lim.MaxObjects) {
			return fmt.Errorf("%w: the cross-reference table declares %d objects (at most %d)", ErrTooLarge, size, s.lim.MaxObjects)
		}
		for _, k := range []pName{"XRefStm", "Prev"} {
			switch v := trailer[k].(type) {
			case nil:
			case int64:
				queue = append(queue, v)
			case float64:
				queue = append(queue, int64(v))
			default:
				return fmt.Errorf("%w: /%s is not an offset", ErrCorrupt, k)
			}
		}
	}
	return nil
}

// xrefSection checks the table or stream at off and returns its trailer.
func (s *pdfScanner) xrefSection(off int) (pDict, error) {
	l := &lexer{b: s.data, pos: off}
	if l.keyword("xref") {
		for {
			if l.keyword("trailer") {
				t, ok := l.object(0)
				d, isDict := t.(pDict)
				if !ok || !isDict {
					return nil, fmt.Errorf("%w: the cross-reference table has no trailer", ErrCorrupt)
				}
				return d, nil
			}
			first, ok1 := l.int()
			count, ok2 := l.int()
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("%w: a damaged cross-reference table", ErrCorrupt)
			}
			if first+count > int64(s.lim.MaxObjects) {
				return nil, fmt.Errorf("%w: the cross-reference table lists object %d (at most %d objects)", ErrTooLarge, first+count, s.lim.MaxObjects)
			}
			// An entry is 20 bytes; 18 allows sloppy line ends.
			if count*18 > int64(len(s.data)-l.pos) {
				return nil, fmt.Errorf("%w: the cross-reference table lists more entries than the file holds", ErrCorrupt)
			}
			for range count {
				_, ok1 := l.int()
				_, ok2 := l.int()
				w := l.word()
				if !ok1 || !ok2 || (w != "n" && w != "f") {
					return nil, fmt.Errorf("%w: a damaged cross-reference entry", ErrCorrupt)
				}
			}
		}
	}
	// An xref stream: "n g obj << /Type /XRef ... >> stream".
	l.pos = off
	if _, ok := l.int(); !ok {
		return nil, fmt.Errorf("%w: startxref points at no cross-reference table", ErrCorrupt)
	}
	_, _ = l.int()
	if !l.keyword("obj") {
		return nil, fmt.Errorf("%w: startxref points at no cross-reference table", ErrCorrupt)
	}
	d := &pdfDef{at: l.pos}
	s.parse(d)
	dict, _ := d.body.(pDict)
	if !d.stream || dict["Type"] != pName("XRef") {
		return nil, fmt.Errorf("%w: startxref points at no cross-reference stream", ErrCorrupt)
	}
	size, _ := dict["Size"].(int64)
	if size < 0 || size > int64(s.lim.MaxObjects) {
		return nil, fmt.Errorf("%w: the cross-reference stream declares %d objects (at most %d)", ErrTooLarge, size, s.lim.MaxObjects)
	}
	w, _ := dict["W"].([]pObj)
	entry := int64(0)
	for _, x := range w {
		v, ok := x.(int64)
		if !ok || v < 0 || v > 8 {
			return nil, fmt.Errorf("%w: a cross-reference stream's /W is out of range", ErrCorrupt)
		}
		entry += v
	}
	if len(w) != 3 || entry == 0 {
		return nil, fmt.Errorf("%w: a cross-reference stream's /W is out of range", ErrCorrupt)
	}
	entries := size
	if idx, ok := dict["Index"].([]pObj); ok {
		entries = 0
		for i := 0; i+1 < len(idx); i += 2 {
			first, ok1 := idx[i].(int64)
			n, ok2 := idx[i+1].(int64)
			if !ok1 || !ok2 || first < 0 || n < 0 || first+n > int64(s.lim.MaxObjects) {
				return nil, fmt.Errorf("%w: a cross-reference stream's /Index lists objects past %d", ErrTooLarge, s.lim.MaxObjects)
			}
			entries += n
		}
		if entries > int64(s.lim.MaxObjects) {
			return nil, fmt.Errorf("%w: a cross-reference stream lists %d objects (at most %d)", ErrTooLarge, entries, s.lim.MaxObjects)
		}
	}
	if err := s.checkLength(d, dict, true); err != nil {
		return nil, err
	}
	{
		chain, err := s.filters(dict)
		if err != nil {
			return nil, err
		}
		_, n, err := s.decode(d, dict, chain, entries*entry+1024, false)
		if err != nil {
			return nil, err
		}
		if n < entries*entry {
			return nil, fmt.Errorf("%w: a cross-reference stream is shorter than its /Index", ErrCorrupt)
		}
	}
	return dict, nil
}

// checkLength holds a stream's /Length to the file: pdfcpu allocates that
// many bytes before reading. An object stream's or xref stream's length
// stored in an object stream is refused (the spec forbids it, and
// resolving it recursed until ledongthuc/pdf's stack overflowed).
func (s *pdfScanner) checkLength(d *pdfDef, dict pDict, structural bool) error {
	if r, ok := dict["Length"].(pRef); ok && structural {
		if _, inStream := s.compressed[r.num]; inStream || len(s.defs[r.num]) == 0 {
			return fmt.Errorf("%w: an object stream's /Length is not a plain object", ErrCorrupt)
		}
	}
	for _, c := range s.candidates(dict["Length"]) {
		switch v := c.(type) {
		case int64:
			if int64(d.start)+v > int64(len(s.data)) {
				return fmt.Errorf("%w: a stream's /Length runs past the end of the file", ErrCorrupt)
			}
		case float64:
			if v < 0 || float64(d.start)+v > float64(len(s.data)) {
				return fmt.Errorf("%w: a stream's /Length runs past the end of the file", ErrCorrupt)
			}
		}
	}
	return nil
}

// filters is a stream's filter chain: /Filter and /DecodeParms as a name
// and a dictionary or as arrays, through references.
func (s *pdfScanner) filters(dict pDict) ([]filterStep, error) {
	return s.filterChain(dict["Filter"], dict["DecodeParms"], dict["DP"], dict["F"])
}

func (s *pdfScanner) filterChain(filter, parms, short, shortF pObj) ([]filterStep, error) {
	if filter == nil {
		filter = shortF
	}
	if parms == nil {
		parms = short
	}
	var names []pObj
	switch f := s.resolve(filter).(type) {
	case nil:
		return nil, nil
	case pName:
		names = []pObj{f}
	case []pObj:
		names = f
	default:
		return nil, fmt.Errorf("%w: a stream's /Filter is not a name", ErrCorrupt)
	}
	if len(names) > maxFilters {
		return nil, fmt.Errorf("%w: a stream has %d filters (at most %d)", ErrCorrupt, len(names), maxFilters)
	}
	var ps []pObj
	switch p := s.resolve(parms).(type) {
	case pDict:
		ps = []pObj{p}
	case []pObj:
		ps = p
	}
	chain := make([]filterStep, len(names))
	for i, n := range names {
		name, ok := s.resolve(n).(pName)
		if !ok {
			return nil, fmt.Errorf("%w: a stream's /Filter is not a name", ErrCorrupt)
		}
		chain[i].name = canonicalFilter(name)
		if i < len(ps) {
			chain[i].parms = s.dict(ps[i])
		}
	}
	return chain, nil
}

// decode decodes a stream's data, by its /Length and by its endstream
// (the libraries use one or the other), within limit and the file's
// budget.
func (s *pdfScanner) decode(d *pdfDef, dict pDict, chain []filterStep, limit int64, keep bool) ([]byte, int64, error) {
	// The end by endstream, less the line end before it; and the end by
	// /Length where that is elsewhere.
	last := d.end
	if last > d.start && s.data[last-1] == '\n' {
		last--
	}
	if last > d.start && s.data[last-1] == '\r' {
		last--
	}
	ends := []int{last}
	for _, c := range s.candidates(dict["Length"]) {
		n, ok := c.(int64)
		if !ok || n < 0 || d.start+int(n) > len(s.data) {
			continue
		}
		if e := d.start + int(n); e != last {
			ends = append(ends, e)
		}
	}
	var out []byte
	var most int64
	for _, end := range ends {
		if end < d.start {
			continue
		}
		raw := s.data[d.start:end]
		if dict["Type"] != pName("XRef") { // never encrypted
			raw = s.crypt.decrypt(d.num, d.gen, raw)
		}
		b, n, err := decodeStream(raw, chain, min(limit, s.budget), keep)
		if n > s.budget {
			return nil, n, fmt.Errorf("%w: its streams decode to more than %d MB", ErrTooLarge, s.lim.MaxDecodedBytes>>20)
		}
		s.budget -= n
		if err != nil {
			return nil, n, err
		}
		if n >= most {
			out, most = b, n
		}
	}
	return out, most, nil
}

// streams checks every stream in the file: object streams first (their
// objects are needed to resolve the rest), then all others.
func (s *pdfScanner) streams() error {
	var all []*pdfDef
	for _, defs := range s.defs {
		for _, d := range defs {
			s.parse(d)
			if d.stream {
				all = append(all, d)
			}
		}
	}
	for _, d := range all {
		dict := d.body.(pDict)
		if dict["Type"] == pName("ObjStm") {
			if err := s.objectStream(d, dict); err != nil {
				return err
			}
		}
	}
	for _, d := range all {
		dict := d.body.(pDict)
		if err := s.checkLength(d, dict, false); err != nil {
			return err
		}
		if dict["Type"] == pName("ObjStm") || dict["Type"] == pName("XRef") {
			continue // checked already
		}
		chain, err := s.filters(dict)
		if err != nil {
			return err
		}
		limit := s.lim.MaxStreamBytes
		tooMuch := fmt.Errorf("%w: a stream decodes to more than %d MB", ErrTooLarge, limit>>20)
		if isImage(dict) {
			w, h, err := s.imageSize(dict)
			if err != nil {
				return err
			}
			// The codec's own header is checked when it is decoded; what
			// comes before it is compressed bytes.
			if len(chain) == 0 || !imageCodec(chain[len(chain)-1].name) {
				limit = s.imageBytes(dict, w, h)
				tooMuch = fmt.Errorf("%w: an image's data decodes to more than its %dx%d pixels hold", ErrTooLarge, w, h)
			}
		}
		if _, _, err := s.decode(d, dict, chain, limit, false); err != nil {
			if err == errBudget {
				return tooMuch
			}
			return err
		}
	}
	return nil
}

// objectStream reads the objects of an object stream into s.compressed.
func (s *pdfScanner) objectStream(d *pdfDef, dict pDict) error {
	if err := s.checkLength(d, dict, true); err != nil {
		return err
	}
	n, _ := dict["N"].(int64)
	first, _ := dict["First"].(int64)
	if n < 0 || n > int64(s.lim.MaxObjects) || first < 0 {
		return fmt.Errorf("%w: an object stream's /N or /First is out of range", ErrCorrupt)
	}
	// /Extends chains object streams; a loop sends ledongthuc/pdf round
	// for ever.
	seen := map[*pdfDef]bool{d: true}
	for ext, depth := dict["Extends"], 0; ext != nil; depth++ {
		e := s.streamDef(ext)
		if e == nil {
			break
		}
		if seen[e] || depth == maxFormDepth {
			return fmt.Errorf("%w: object streams extend one another in a loop", ErrCorrupt)
		}
		seen[e] = true
		ed, _ := e.body.(pDict)
		ext = ed["Extends"]
	}
	chain, err := s.filters(dict)
	if err != nil {
		return err
	}
	data, _, err := s.decode(d, dict, chain, maxObjStmBytes, true)
	if err == errBudget {
		return fmt.Errorf("%w: an object stream decodes to more than %d MB", ErrTooLarge, maxObjStmBytes>>20)
	}
	if err != nil {
		return err
	}
	l := &lexer{b: data}
	type entry struct{ num, off int64 }
	entries := make([]entry, 0, min(n, 1<<12))
	for range n {
		num, ok1 := l.int()
		off, ok2 := l.int()
		if !ok1 || !ok2 {
			break
		}
		if num > int64(s.lim.MaxObjects) {
			return fmt.Errorf("%w: object number %d (at most %d objects)", ErrTooLarge, num, s.lim.MaxObjects)
		}
		entries = append(entries, entry{num, off})
	}
	for _, e := range entries {
		pos := first + e.off
		if pos < 0 || pos >= int64(len(data)) {
			continue
		}
		ol := &lexer{b: data, pos: int(pos)}
		if o, ok := ol.object(0); ok {
			s.compressed[int(e.num)] = o
		}
		if ol.deep {
			return errTooDeep
		}
	}
	return nil
}

func isImage(d pDict) bool {
	return d["Subtype"] == pName("Image")
}

// imageSize is an image's declared width and height, held to the limits.
func (s *pdfScanner) imageSize(d pDict) (w, h int, err error) {
	side := func(k pName) int {
		most := 0
		for _, c := range s.candidates(d[k]) {
			switch v := c.(type) {
			case int64:
				most = max(most, int(min(v, math.MaxInt32)))
			case float64:
				most = max(most, int(min(v, math.MaxInt32)))
			}
		}
		return most
	}
	w, h = side("Width"), side("Height")
	if err := checkSize(w, h, s.lim); err != nil {
		return 0, 0, fmt.Errorf("a page image: %w", err)
	}
	return w, h, nil
}

// imageBytes is the most a w x h image's raw samples can take: four
// components of 16 bits unless it says less, one predictor byte a row,
// and some slack for writers that pad.
func (s *pdfScanner) imageBytes(d pDict, w, h int) int64 {
	bpc := int64(16)
	if v, ok := s.resolve(d["BitsPerComponent"]).(int64); ok && v >= 1 && v <= 16 {
		bpc = v
	}
	if m, _ := s.resolve(d["ImageMask"]).(bool); m {
		bpc = 1
	}
	comps := int64(4)
	switch s.resolve(d["ColorSpace"]) {
	case pName("DeviceGray"), pName("CalGray"), pName("G"):
		comps = 1
	case pName("DeviceRGB"), pName("CalRGB"), pName("RGB"):
		comps = 3
	}
	row := (int64(w)*comps*bpc+7)/8 + 1
	return row*int64(h) + 4096
}

// pageImages walks the page tree and holds each page's images to the
// limits: each image by itself, and all of a page's images together.
func (s *pdfScanner) pageImages() ([][]pName, error) {
	var root pDict
	for _, t := range s.trailers {
		if root = s.dict(t["Root"]); root != nil {
			break
		}
	}
	if root == nil {
		return nil, nil // the libraries report it
	}
	var pages [][]pName
	seen := map[pRef]bool{}
	var walk func(node pObj, res pObj, depth int) error
	walk = func(node pObj, res pObj, depth int) error {
		if r, ok := node.(pRef); ok {
			if seen[r] {
				return fmt.Errorf("%w: the page tree loops", ErrCorrupt)
			}
			seen[r] = true
		}
		if depth > maxTreeDepth {
			return fmt.Errorf("%w: the page tree loops or is deeper than %d levels", ErrCorrupt, maxTreeDepth)
		}
		d := s.dict(node)
		if d == nil {
			return nil
		}
		if r := d["Resources"]; r != nil {
			res = r
		}
		kids, isNode := s.resolve(d["Kids"]).([]pObj)
		if !isNode || d["Type"] == pName("Page") {
			if len(pages) >= s.lim.MaxPages {
				return fmt.Errorf("%w: more than %d pages", ErrTooLarge, s.lim.MaxPages)
			}
			p := &pageCost{seen: map[pRef]bool{}, forms: map[pRef]bool{}}
			if err := s.resources(res, p, 0); err != nil {
				return fmt.Errorf("page %d: %w", len(pages)+1, err)
			}
			if err := s.inlineImages(d["Contents"], p); err != nil {
				return fmt.Errorf("page %d: %w", len(pages)+1, err)
			}
			pages = append(pages, p.codecs)
			return nil
		}
		for _, k := range kids {
			if err := walk(k, res, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root["Pages"], nil, 0); err != nil {
		return nil, err
	}
	return pages, nil
}

// pageCost adds up one page's images.
type pageCost struct {
	pixels int64
	codecs []pName
	seen   map[pRef]bool // images counted already
	forms  map[pRef]bool // the forms being walked, one within the next
}

func (s *pdfScanner) add(p *pageCost, w, h int, codec pName) error {
	p.pixels += int64(w) * int64(h)
	p.codecs = append(p.codecs, codec)
	if p.pixels > int64(s.lim.MaxPixels) {
		return fmt.Errorf("%w: the page's images hold %d pixels (at most %d in all)", ErrTooLarge, p.pixels, s.lim.MaxPixels)
	}
	return nil
}

// resources counts the images of a resource dictionary, and of the Form
// XObjects in it.
func (s *pdfScanner) resources(res pObj, p *pageCost, depth int) error {
	if depth > maxFormDepth {
		return fmt.Errorf("%w: forms are drawn within forms more than %d deep", ErrCorrupt, maxFormDepth)
	}
	xobjs := s.dict(s.dict(res)["XObject"])
	for _, x := range xobjs {
		def := s.streamDef(x)
		if def == nil {
			continue
		}
		r, _ := x.(pRef)
		d := def.body.(pDict)
		switch d["Subtype"] {
		case pName("Image"):
			if p.seen[r] {
				continue // drawn twice, decoded once
			}
			p.seen[r] = true
			w, h, err := s.imageSize(d)
			if err != nil {
				return err
			}
			chain, err := s.filters(d)
			if err != nil {
				return err
			}
			codec := pName("")
			if len(chain) > 0 && imageCodec(chain[len(chain)-1].name) {
				codec = chain[len(chain)-1].name
			}
			if err := s.add(p, w, h, codec); err != nil {
				return err
			}
		case pName("Form"):
			// pdfcpu walks forms within forms without a bound.
			if p.forms[r] {
				return fmt.Errorf("%w: a form draws itself", ErrCorrupt)
			}
			p.forms[r] = true
			err := s.resources(d["Resources"], p, depth+1)
			delete(p.forms, r)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// inlineImages holds the inline images (BI ... ID ... EI) of a page's
// content to the limits.
func (s *pdfScanner) inlineImages(contents pObj, p *pageCost) error {
	var parts []pObj
	switch c := s.resolve(contents).(type) {
	case []pObj:
		parts = c
	default:
		parts = []pObj{contents}
	}
	if len(parts) > 1<<12 {
		return fmt.Errorf("%w: a page has %d content streams", ErrTooLarge, len(parts))
	}
	for _, part := range parts {
		def := s.streamDef(part)
		if def == nil {
			continue
		}
		dict := def.body.(pDict)
		chain, err := s.filters(dict)
		if err != nil {
			return err
		}
		data, _, err := s.decode(def, dict, chain, s.lim.MaxStreamBytes, true)
		if err != nil {
			if err == errBudget {
				return fmt.Errorf("%w: a content stream decodes to more than %d MB", ErrTooLarge, s.lim.MaxStreamBytes>>20)
			}
			return err
		}
		if nesting(data, maxNesting) > maxNesting {
			return fmt.Errorf("%w: a content stream's operands nest more than %d deep", ErrCorrupt, maxNesting)
		}
		for i := 0; ; {
			j := bytes.Index(data[i:], []byte("BI"))
			if j < 0 {
				break
			}
			i += j + 2
			if i-2 > 0 && !isSpace(data[i-3]) && !isDelim(data[i-3]) || i < len(data) && !isSpace(data[i]) && !isDelim(data[i]) {
				continue
			}
			end, err := s.inlineImage(data, i, p)
			if err != nil {
				return err
			}
			i = end
		}
	}
	return nil
}

// inlineImage checks the inline image whose dictionary starts at pos and
// returns where its data ends.
func (s *pdfScanner) inlineImage(data []byte, pos int, p *pageCost) (int, error) {
	l := &lexer{b: data, pos: pos}
	d := pDict{}
	for range 64 {
		if l.keyword("ID") {
			break
		}
		k, ok := l.object(1)
		name, isName := k.(pName)
		if !ok || !isName {
			return l.pos, nil // not an inline image after all
		}
		v, ok := l.object(1)
		if !ok {
			return l.pos, nil
		}
		d[name] = v
	}
	get := func(long, short pName) pObj {
		if v, ok := d[long]; ok {
			return v
		}
		return d[short]
	}
	d["Width"], d["Height"] = get("Width", "W"), get("Height", "H")
	d["BitsPerComponent"], d["ColorSpace"], d["ImageMask"] = get("BitsPerComponent", "BPC"), get("ColorSpace", "CS"), get("ImageMask", "IM")
	w, h, err := s.imageSize(d)
	if err != nil {
		return 0, err
	}
	start := l.pos + 1
	end := bytes.Index(data[min(start, len(data)):], []byte("EI"))
	if end < 0 {
		end = len(data)
	} else {
		end += start
	}
	chain, err := s.filterChain(get("Filter", "F"), get("DecodeParms", "DP"), nil, nil)
	if err != nil {
		return 0, err
	}
	codec := pName("")
	if len(chain) > 0 && imageCodec(chain[len(chain)-1].name) {
		codec = chain[len(chain)-1].name
	}
	if err := s.add(p, w, h, codec); err != nil {
		return 0, err
	}
	limit := s.imageBytes(d, w, h)
	if _, _, err := decodeStream(data[min(start, end):end], chain, limit, false); err == errBudget {
		return 0, fmt.Errorf("%w: an inline image decodes to more than its %dx%d pixels hold", ErrTooLarge, w, h)
	} else if err != nil {
		return 0, err
	}
	return end, nil
}
