package ocr

/*
#cgo LDFLAGS: -ltesseract
#include <stdlib.h>
#include <tesseract/capi.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"unsafe"
)

// SpanChoices are Tesseract's alternatives for each character of a span
// of a line's words (Lines[i].Words[First:End]), best first, spaces left
// out: what Tesseract's LSTM also thought each character might be
// (lstm_choice_mode=2). gosseract does not expose them, so a small shim
// on Tesseract's C API reads them.
type SpanChoices struct {
	First, End int
	Symbols    [][]string
}

// ChoiceReader reads a crop's characters with their alternatives, on a
// Tesseract instance of its own. It is not safe for concurrent use.
type ChoiceReader struct {
	api *C.TessBaseAPI
}

var errChoices = errors.New("tesseract choices")

// NewChoiceReader starts a Tesseract instance in lang ("eng" when empty)
// set to keep each character's alternatives.
func NewChoiceReader(lang string) (*ChoiceReader, error) {
	if lang == "" {
		lang = "eng"
	}
	api := C.TessBaseAPICreate()
	if api == nil {
		return nil, fmt.Errorf("%w: no instance", errChoices)
	}
	cl := C.CString(lang)
	defer C.free(unsafe.Pointer(cl))
	if C.TessBaseAPIInit3(api, nil, cl) != 0 {
		C.TessBaseAPIDelete(api)
		return nil, fmt.Errorf("%w: cannot load language %q", errChoices, lang)
	}
	for k, v := range map[string]string{"lstm_choice_mode": "2", "debug_file": "/dev/null", "user_defined_dpi": "300"} {
		ck, cv := C.CString(k), C.CString(v)
		ok := C.TessBaseAPISetVariable(api, ck, cv)
		C.free(unsafe.Pointer(ck))
		C.free(unsafe.Pointer(cv))
		if ok == 0 {
			C.TessBaseAPIEnd(api)
			C.TessBaseAPIDelete(api)
			return nil, fmt.Errorf("%w: variable %s", errChoices, k)
		}
	}
	C.TessBaseAPISetPageSegMode(api, C.PSM_SINGLE_LINE)
	return &ChoiceReader{api: api}, nil
}

// Close frees the Tesseract instance.
func (r *ChoiceReader) Close() error {
	if r == nil || r.api == nil {
		return nil
	}
	C.TessBaseAPIEnd(r.api)
	C.TessBaseAPIDelete(r.api)
	r.api = nil
	return nil
}

// ReadChoices reads the crop box of g as one line and returns, per
// character, its alternatives best first (the first is what Tesseract
// read).
func (r *ChoiceReader) ReadChoices(g *image.Gray, box image.Rectangle) ([][]string, error) {
	if r == nil || r.api == nil {
		return nil, fmt.Errorf("%w: closed", errChoices)
	}
	box = box.Intersect(g.Rect)
	if box.Dx() < 2 || box.Dy() < 2 {
		return nil, nil
	}
	// A margin of white around the crop, as Tesseract reads best.
	pad := max(box.Dy()/4, 4)
	w, h := box.Dx()+2*pad, box.Dy()+2*pad
	buf := make([]byte, w*h)
	for i := range buf {
		buf[i] = 255
	}
	for y := box.Min.Y; y < box.Max.Y; y++ {
		src := g.Pix[g.PixOffset(box.Min.X, y):g.PixOffset(box.Max.X, y)]
		copy(buf[(y-box.Min.Y+pad)*w+pad:], src)
	}
	cbuf := C.CBytes(buf)
	defer C.free(cbuf)
	C.TessBaseAPISetImage(r.api, (*C.uchar)(cbuf), C.int(w), C.int(h), 1, C.int(w))
	if C.TessBaseAPIRecognize(r.api, nil) != 0 {
		return nil, fmt.Errorf("%w: recognize failed", errChoices)
	}
	it := C.TessBaseAPIGetIterator(r.api)
	if it == nil {
		return nil, nil
	}
	defer C.TessResultIteratorDelete(it)
	var out [][]string
	for {
		if t := C.TessResultIteratorGetUTF8Text(it, C.RIL_SYMBOL); t != nil {
			best := C.GoString(t)
			C.TessDeleteText(t)
			alts := []string{best}
			if ci := C.TessResultIteratorGetChoiceIterator(it); ci != nil {
				for {
					if ct := C.TessChoiceIteratorGetUTF8Text(ci); ct != nil {
						if s := C.GoString(ct); s != best && s != "" {
							alts = append(alts, s)
						}
					}
					if C.TessChoiceIteratorNext(ci) == 0 {
						break
					}
				}
				C.TessChoiceIteratorDelete(ci)
			}
			out = append(out, alts)
		}
		if C.TessResultIteratorNext(it, C.RIL_SYMBOL) == 0 {
			break
		}
	}
	return out, nil
}
