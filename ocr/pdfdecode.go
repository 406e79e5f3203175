package ocr

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"errors"
	"fmt"
	"io"

	"github.com/hhrutter/lzw"
)

// Every stream the pre-scan reads goes through decodeStream, whatever its
// filters: a name or an array, chained, with or without predictors. It
// inflates streaming and stops at the budget, so a decompression bomb
// costs the pre-scan its budget and no more.

// errBudget is a stream that decodes to more bytes than it may.
var errBudget = errors.New("decodes to more than it may")

// maxFilters bounds a stream's filter chain.
const maxFilters = 8

// filterStep is one filter of a chain with its parameters (nil for none).
type filterStep struct {
	name  pName
	parms pDict
}

// imageCodec is a filter that decodes to pixels; the chain stops before it.
func imageCodec(f pName) bool {
	switch f {
	case "DCTDecode", "DCT", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode", "CCF":
		return true
	}
	return false
}

// canonicalFilter is the full name of an abbreviated filter (inline
// images use the short names).
func canonicalFilter(f pName) pName {
	switch f {
	case "Fl":
		return "FlateDecode"
	case "LZW":
		return "LZWDecode"
	case "AHx":
		return "ASCIIHexDecode"
	case "A85":
		return "ASCII85Decode"
	case "RL":
		return "RunLengthDecode"
	case "DCT":
		return "DCTDecode"
	case "CCF":
		return "CCITTFaxDecode"
	}
	return f
}

// checkParms refuses decode parameters whose row buffers would be huge:
// both PDF libraries allocate a predictor row of Columns x Colors x
// BitsPerComponent bits before reading a byte.
func checkParms(p pDict) error {
	if p == nil {
		return nil
	}
	get := func(k pName, dflt int64) int64 {
		if v, ok := p[k].(int64); ok {
			return v
		}
		return dflt
	}
	pred, colors, bpc, cols := get("Predictor", 1), get("Colors", 1), get("BitsPerComponent", 8), get("Columns", 1)
	switch {
	case pred != 1 && pred != 2 && (pred < 10 || pred > 15):
		return fmt.Errorf("%w: a stream has an unknown predictor %d", ErrCorrupt, pred)
	case colors < 1 || colors > 32, bpc < 1 || bpc > 16, cols < 1 || cols > 1<<20:
		return fmt.Errorf("%w: a stream's decode parameters are out of range", ErrCorrupt)
	case cols*colors*bpc/8 > 1<<22:
		return fmt.Errorf("%w: a stream's predictor rows are %d bytes long", ErrTooLarge, cols*colors*bpc/8)
	}
	return nil
}

// decodeStream runs raw through the chain's filters up to the first image
// codec, and returns the decoded bytes when keep is set (else nil) and
// their count. More than limit bytes is errBudget. Data a filter cannot
// decode ends the stream where the error is: the libraries stop there too.
func decodeStream(raw []byte, chain []filterStep, limit int64, keep bool) ([]byte, int64, error) {
	var rd io.Reader = bytes.NewReader(raw)
	for _, f := range chain {
		if err := checkParms(f.parms); err != nil {
			return nil, 0, err
		}
		name := canonicalFilter(f.name)
		if imageCodec(name) {
			break
		}
		switch name {
		case "FlateDecode":
			zr, err := zlib.NewReader(rd)
			if err != nil {
				return nil, 0, nil // not zlib: nothing inflates
			}
			rd = zr
		case "LZWDecode":
			early := true
			if v, ok := f.parms["EarlyChange"].(int64); ok && v == 0 {
				early = false
			}
			rd = lzw.NewReader(rd, early)
		case "ASCIIHexDecode":
			rd = &hexReader{r: bufio.NewReader(rd)}
		case "ASCII85Decode":
			rd = ascii85.NewDecoder(&a85Reader{r: bufio.NewReader(rd)})
		case "RunLengthDecode":
			rd = &runLengthReader{r: bufio.NewReader(rd)}
		case "Crypt":
			// Identity, the only crypt filter without a key.
		default:
			return nil, 0, nil // a filter no library here decodes
		}
	}
	var out bytes.Buffer
	var w io.Writer = io.Discard
	if keep {
		w = &out
	}
	n, err := io.Copy(w, io.LimitReader(rd, limit+1))
	if n > limit {
		return nil, n, errBudget
	}
	_ = err // a damaged stream ends where it breaks
	if !keep {
		return nil, n, nil
	}
	return out.Bytes(), n, nil
}

// hexReader decodes ASCIIHexDecode up to its ">".
type hexReader struct {
	r    *bufio.Reader
	done bool
}

func (h *hexReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !h.done {
		var v [2]byte
		for i := 0; i < 2; {
			c, err := h.r.ReadByte()
			if err != nil || c == '>' {
				h.done = true
				if i == 1 {
					p[n] = v[0] << 4
					n++
				}
				return n, nil
			}
			switch {
			case c >= '0' && c <= '9':
				v[i] = c - '0'
			case c >= 'a' && c <= 'f':
				v[i] = c - 'a' + 10
			case c >= 'A' && c <= 'F':
				v[i] = c - 'A' + 10
			default:
				continue
			}
			i++
		}
		p[n] = v[0]<<4 | v[1]
		n++
	}
	if n == 0 && h.done {
		return 0, io.EOF
	}
	return n, nil
}

// a85Reader passes ASCII85 text on up to its "~>", without white space.
type a85Reader struct {
	r    *bufio.Reader
	done bool
}

func (a *a85Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !a.done {
		c, err := a.r.ReadByte()
		if err != nil || c == '~' {
			a.done = true
			break
		}
		if isSpace(c) {
			continue
		}
		p[n] = c
		n++
	}
	if n == 0 && a.done {
		return 0, io.EOF
	}
	return n, nil
}

// runLengthReader decodes RunLengthDecode.
type runLengthReader struct {
	r       *bufio.Reader
	run     int  // bytes of the current run left
	literal bool // copying, not repeating
	b       byte
	done    bool
}

func (rl *runLengthReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if rl.run == 0 {
			if rl.done {
				break
			}
			c, err := rl.r.ReadByte()
			if err != nil || c == 128 {
				rl.done = true
				break
			}
			if c < 128 {
				rl.run, rl.literal = int(c)+1, true
			} else {
				b, err := rl.r.ReadByte()
				if err != nil {
					rl.done = true
					break
				}
				rl.run, rl.literal, rl.b = 257-int(c), false, b
			}
		}
		if rl.literal {
			c, err := rl.r.ReadByte()
			if err != nil {
				rl.done, rl.run = true, 0
				break
			}
			p[n] = c
		} else {
			p[n] = rl.b
		}
		n++
		rl.run--
	}
	if n == 0 && rl.done {
		return 0, io.EOF
	}
	return n, nil
}
