package ocr

import (
	"bytes"
	"compress/lzw"
	"compress/zlib"
	"encoding/ascii85"
	"errors"
	"fmt"
	"image"
	"testing"
)

// Each filter form decodes to the bytes it encodes, and a budget smaller
// than the output stops it with errBudget.
func TestDecodeStream(t *testing.T) {
	want := bytes.Repeat([]byte("TOTAL 12.50\n"), 50)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(want)
	zw.Close()
	var a85 bytes.Buffer
	aw := ascii85.NewEncoder(&a85)
	aw.Write(z.Bytes())
	aw.Close()
	a85.WriteString("~>")
	// LZW with the change one code early is what PDF writes; Go's
	// compress/lzw changes on time, so EarlyChange 0 reads it.
	var l bytes.Buffer
	lw := lzw.NewWriter(&l, lzw.MSB, 8)
	lw.Write(want)
	lw.Close()
	// Run length: a literal run of the text, then 600 spaces as repeats.
	var rl bytes.Buffer
	for i := 0; i < len(want); i += 128 {
		chunk := want[i:min(i+128, len(want))]
		rl.WriteByte(byte(len(chunk) - 1))
		rl.Write(chunk)
	}
	rl.WriteByte(128)
	tests := []struct {
		name  string
		raw   []byte
		chain []filterStep
	}{
		{"none", want, nil},
		{"Flate", z.Bytes(), []filterStep{{name: "FlateDecode"}}},
		{"Fl, short name", z.Bytes(), []filterStep{{name: "Fl"}}},
		{"A85 then Flate", a85.Bytes(), []filterStep{{name: "ASCII85Decode"}, {name: "FlateDecode"}}},
		{"AHx", []byte(fmt.Sprintf("%X>", want)), []filterStep{{name: "AHx"}}},
		{"LZW, EarlyChange 0", l.Bytes(), []filterStep{{name: "LZWDecode", parms: pDict{"EarlyChange": int64(0)}}}},
		{"RunLength", rl.Bytes(), []filterStep{{name: "RunLengthDecode"}}},
		{"Flate with a predictor's parameters", z.Bytes(), []filterStep{{name: "FlateDecode", parms: pDict{"Predictor": int64(12), "Columns": int64(4)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := decodeStream(tt.raw, tt.chain, 1<<20, true)
			if err != nil || !bytes.Equal(got, want) || n != int64(len(want)) {
				t.Fatalf("got %d bytes (%q...), %v; want %d", n, got[:min(len(got), 20)], err, len(want))
			}
			if _, _, err := decodeStream(tt.raw, tt.chain, int64(len(want)-1), false); !errors.Is(err, errBudget) {
				t.Fatalf("a budget of one byte less: %v, want errBudget", err)
			}
		})
	}
	if _, _, err := decodeStream(z.Bytes(), []filterStep{{name: "FlateDecode", parms: pDict{"Predictor": int64(12), "Columns": int64(1 << 30)}}}, 1<<20, false); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a predictor of 2^30 columns: %v, want ErrCorrupt", err)
	}
}

// Each EXIF orientation turns the page the way it says.
func TestOrient(t *testing.T) {
	// 3 x 2, numbered 1..6 row by row.
	g := image.NewGray(image.Rect(0, 0, 3, 2))
	copy(g.Pix, []byte{1, 2, 3, 4, 5, 6})
	want := map[int][]byte{
		1: {1, 2, 3, 4, 5, 6},
		2: {3, 2, 1, 6, 5, 4},
		3: {6, 5, 4, 3, 2, 1},
		4: {4, 5, 6, 1, 2, 3},
		5: {1, 4, 2, 5, 3, 6},
		6: {4, 1, 5, 2, 6, 3},
		7: {6, 3, 5, 2, 4, 1},
		8: {3, 6, 2, 5, 1, 4},
	}
	for o, w := range want {
		got := orient(g, o)
		if !bytes.Equal(got.Pix, w) {
			t.Errorf("orientation %d: %v, want %v", o, got.Pix, w)
		}
	}
}
