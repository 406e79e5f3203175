// Package recog is Tillroll's second recognizer: PaddleOCR's PP-OCR text
// line recognition model, run in process with ONNX Runtime. Tesseract
// (package ocr) finds the page's lines and reads them first; this package
// reads again the crops of the lines that decide a field, so that package
// extract can choose between two readings.
//
// The model, its dictionary and ONNX Runtime's shared library are not part
// of the repository: `make deps` (scripts/install-recognizer) fetches them
// into a folder (Files names what it holds). With any of them missing, New
// fails with ErrUnavailable and Tillroll reads with Tesseract alone.
//
// A Recognizer holds one ONNX Runtime session and is not safe for
// concurrent use: each OCR worker makes one, as it makes its Tesseract
// engine, and closes it on shutdown.
package recog

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	ort "github.com/yalue/onnxruntime_go"
)

// The files of a recognizer folder.
const (
	LibraryFile = "libonnxruntime.so"
	ModelFile   = "rec.onnx"
	KeysFile    = "rec_keys.txt"
)

// Files are the names New needs in its folder.
var Files = []string{LibraryFile, ModelFile, KeysFile}

// Height is the height of the crops the model reads, in pixels.
const Height = 48

// maxWidth bounds a crop's width after scaling to Height: a receipt line
// is at most about 25 characters of 48 pixels each.
const maxWidth = 1600

// ErrUnavailable is returned by New when the folder lacks the library or
// the model: Tillroll then reads with Tesseract alone.
var ErrUnavailable = errors.New("second recognizer not installed")

// ONNX Runtime's environment is one per process, made on first use and
// kept until the process ends: the C library allows a single one.
var env struct {
	once sync.Once
	lib  string
	err  error
}

func initRuntime(lib string) error {
	env.once.Do(func() {
		env.lib = lib
		ort.SetSharedLibraryPath(lib)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			env.err = fmt.Errorf("%w: onnxruntime %s: %w", ErrUnavailable, lib, err)
		}
	})
	if env.err == nil && env.lib != lib {
		return fmt.Errorf("onnxruntime already loaded from %s, not %s", env.lib, lib)
	}
	return env.err
}

// Recognizer reads one text line at a time.
type Recognizer struct {
	sess    *ort.DynamicAdvancedSession
	in, out string
	keys    []string // index 0 is CTC's blank
}

// New loads the library and the model from dir.
func New(dir string) (*Recognizer, error) {
	return load(dir, true)
}

// load is New, with the model's graph fused (fuse.go) or as it is.
func load(dir string, fuse bool) (*Recognizer, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: no folder given", ErrUnavailable)
	}
	for _, f := range Files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	if err := initRuntime(filepath.Join(dir, LibraryFile)); err != nil {
		return nil, err
	}
	keys, err := readKeys(filepath.Join(dir, KeysFile))
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, ModelFile))
	if err != nil {
		return nil, fmt.Errorf("recognizer model: %w", err)
	}
	// The same function in fewer operations (fuse.go): a third less time
	// a line. A graph it does not know is read as it is, and so is one
	// whose rewriting ONNX Runtime refuses.
	if fuse {
		if fused, n, err := fuseModel(data); err == nil && n > 0 {
			data = nil
			if r, err := session(fused, keys); err == nil {
				return r, nil
			}
			return load(dir, false)
		}
	}
	return session(data, keys)
}

// session makes a Recognizer of the model in data, with dictionary keys.
func session(data []byte, keys []string) (*Recognizer, error) {
	// What fusing the model left, and the bytes as read when fused, are
	// garbage: give them back before ONNX Runtime makes its own copies,
	// so that a worker's peak memory does not hold all of them at once.
	debug.FreeOSMemory()
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(data)
	if err != nil {
		return nil, fmt.Errorf("recognizer model: %w", err)
	}
	if len(ins) != 1 || len(outs) != 1 {
		return nil, fmt.Errorf("recognizer model: %d inputs and %d outputs, want 1 and 1", len(ins), len(outs))
	}
	if d := outs[0].Dimensions; len(d) != 3 || d[2] != int64(len(keys)) {
		return nil, fmt.Errorf("recognizer model: output %v does not fit a dictionary of %d", d, len(keys)-1)
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("recognizer session options: %w", err)
	}
	defer opts.Destroy()
	// One thread: each OCR worker is one core's worth of work already.
	for _, set := range []func(int) error{opts.SetIntraOpNumThreads, opts.SetInterOpNumThreads} {
		if err := set(1); err != nil {
			return nil, fmt.Errorf("recognizer session options: %w", err)
		}
	}
	sess, err := ort.NewDynamicAdvancedSessionWithONNXData(data, []string{ins[0].Name}, []string{outs[0].Name}, opts)
	if err != nil {
		return nil, fmt.Errorf("recognizer session: %w", err)
	}
	return &Recognizer{sess: sess, in: ins[0].Name, out: outs[0].Name, keys: keys}, nil
}

// readKeys reads the model's dictionary, one character a line, and adds
// CTC's blank before it and the space after it (PaddleOCR's
// use_space_char).
func readKeys(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recognizer dictionary: %w", err)
	}
	defer f.Close()
	keys := []string{""}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k := strings.TrimRight(sc.Text(), "\r\n")
		if !utf8.ValidString(k) {
			return nil, fmt.Errorf("recognizer dictionary: line %d is not UTF-8", len(keys))
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("recognizer dictionary: %w", err)
	}
	if len(keys) < 2 {
		return nil, fmt.Errorf("recognizer dictionary %s is empty", path)
	}
	return append(keys, " "), nil
}

// Close frees the session.
func (r *Recognizer) Close() error {
	if r == nil || r.sess == nil {
		return nil
	}
	err := r.sess.Destroy()
	r.sess = nil
	if err != nil {
		return fmt.Errorf("close recognizer: %w", err)
	}
	return nil
}

// Reading is what the model read on one line.
type Reading struct {
	Text string
	// Conf is the mean probability of the characters read, 0-100; Min
	// the least sure character's.
	Conf, Min float64
	// Words are Text's words (split at spaces) with where the model saw
	// them, in the pixels of the page it was given.
	Words []Word
}

// Word is one word of a reading.
type Word struct {
	Text  string
	Conf  float64 // mean of its characters' probabilities, 0-100
	Box   image.Rectangle
	Chars []Char
}

// Char is one character of a word: where the model saw its middle, in the
// page's pixels along X, and how sure it was (0-1).
type Char struct {
	Text string
	X    int
	P    float64
}

// SplitAt splits rd's words wherever one of xs (page pixels along X, the
// gaps between the words the first reader saw) falls between two of a
// word's characters: the model joins Latin words it should part.
func SplitAt(rd Reading, xs []int) Reading {
	if len(xs) == 0 {
		return rd
	}
	var out []Word
	for _, w := range rd.Words {
		start := 0
		for i := 1; i < len(w.Chars); i++ {
			a, b := w.Chars[i-1].X, w.Chars[i].X
			for _, x := range xs {
				if x > a && x < b {
					out = append(out, wordOf(w.Chars[start:i], w.Box))
					start = i
					break
				}
			}
		}
		if start == 0 {
			out = append(out, w)
			continue
		}
		out = append(out, wordOf(w.Chars[start:], w.Box))
	}
	rd.Words = out
	texts := make([]string, len(out))
	for i, w := range out {
		texts[i] = w.Text
	}
	rd.Text = strings.Join(texts, " ")
	return rd
}

// wordOf makes a word of chars, on the rows of box, reaching half a pitch
// beyond its first and last characters' middles.
func wordOf(chars []Char, box image.Rectangle) Word {
	w := Word{Chars: chars}
	sum := 0.0
	for _, c := range chars {
		w.Text += c.Text
		sum += c.P
	}
	w.Conf = 100 * sum / float64(len(chars))
	half := box.Dy() / 4
	if len(chars) > 1 {
		half = max((chars[len(chars)-1].X-chars[0].X)/(2*(len(chars)-1)), 1)
	}
	w.Box = image.Rect(chars[0].X-half, box.Min.Y, chars[len(chars)-1].X+half+1, box.Max.Y)
	return w
}

// ReadLine reads the text in box of page g, a dark-on-light line.
func (r *Recognizer) ReadLine(g *image.Gray, box image.Rectangle) (Reading, error) {
	if r.sess == nil {
		return Reading{}, errors.New("recognizer closed")
	}
	inner := box
	box = padBox(box).Intersect(g.Rect)
	if box.Dx() < 2 || box.Dy() < 2 {
		return Reading{}, nil
	}
	var rd Reading
	var steps int
	err := r.run(g, box, func(probs []float32, t int) {
		rd, steps = decodeCTC(probs, t, len(r.keys), r.keys), t
	})
	if err != nil {
		return Reading{}, err
	}
	// Steps run left to right across the crop: step s covers
	// [s, s+1)/steps of its width.
	for i := range rd.Words {
		w := &rd.Words[i]
		for j := range w.Chars {
			c := &w.Chars[j]
			c.X = box.Min.X + int((float64(c.X)+0.5)/float64(steps)*float64(box.Dx()))
		}
		*w = wordOf(w.Chars, inner)
	}
	return rd, nil
}

// run has the model read the crop box of g and gives use the
// probabilities of each of the dictionary's classes at each of steps
// steps along the crop, before it frees them.
func (r *Recognizer) run(g *image.Gray, box image.Rectangle, use func(probs []float32, steps int)) error {
	data, w := lineTensor(g, box)
	in, err := ort.NewTensor(ort.NewShape(1, 3, Height, int64(w)), data)
	if err != nil {
		return fmt.Errorf("recognizer input: %w", err)
	}
	defer in.Destroy()
	outs := []ort.Value{nil}
	if err := r.sess.Run([]ort.Value{in}, outs); err != nil {
		return fmt.Errorf("recognizer: %w", err)
	}
	defer outs[0].Destroy()
	t, ok := outs[0].(*ort.Tensor[float32])
	if !ok {
		return fmt.Errorf("recognizer output is %T, not float32", outs[0])
	}
	sh := t.GetShape()
	if len(sh) != 3 || int(sh[2]) != len(r.keys) {
		return fmt.Errorf("recognizer output shape %v", sh)
	}
	use(t.GetData(), int(sh[1]))
	return nil
}

// padBox widens a line's box a little: Tesseract's boxes hug the ink, the
// model was trained on crops with a margin.
func padBox(b image.Rectangle) image.Rectangle {
	h := b.Dy()
	py, px := max(h/6, 2), max(h/3, 3)
	return image.Rect(b.Min.X-px, b.Min.Y-py, b.Max.X+px, b.Max.Y+py)
}

// lineTensor scales the crop to Height pixels, keeping its aspect, and
// normalises it to [-1, 1] in three equal channels (the model takes BGR).
func lineTensor(g *image.Gray, box image.Rectangle) ([]float32, int) {
	w := int(math.Ceil(float64(box.Dx()) * Height / float64(box.Dy())))
	w = min(max(w, 16), maxWidth)
	plane := make([]float32, Height*w)
	// Box-filtered sampling: each output pixel averages the source pixels
	// it covers, so a tall crop shrinks without aliasing.
	sx := float64(box.Dx()) / float64(w)
	sy := float64(box.Dy()) / float64(Height)
	for y := range Height {
		y0 := box.Min.Y + int(float64(y)*sy)
		y1 := max(box.Min.Y+int(float64(y+1)*sy), y0+1)
		for x := range w {
			x0 := box.Min.X + int(float64(x)*sx)
			x1 := max(box.Min.X+int(float64(x+1)*sx), x0+1)
			sum, n := 0, 0
			for yy := y0; yy < y1 && yy < box.Max.Y; yy++ {
				row := g.Pix[(yy-g.Rect.Min.Y)*g.Stride:]
				for xx := x0; xx < x1 && xx < box.Max.X; xx++ {
					sum += int(row[xx-g.Rect.Min.X])
					n++
				}
			}
			v := float32(255)
			if n > 0 {
				v = float32(sum) / float32(n)
			}
			plane[y*w+x] = v/127.5 - 1
		}
	}
	data := make([]float32, 0, 3*len(plane))
	for range 3 {
		data = append(data, plane...)
	}
	return data, w
}

// decodeCTC takes the likeliest class at each of t steps, drops repeats
// and blanks, and joins the rest into words. The model often leaves out
// the space between Latin words ("TotalAmount31.00"), so a gap between two
// characters much wider than the line's usual pitch ends a word too. The
// words' boxes are in steps along X (0..t) and have no height; ReadLine
// maps them onto the page.
func decodeCTC(probs []float32, t, n int, keys []string) Reading {
	type char struct {
		k    string
		step int
		p    float64
	}
	var chars []char
	prev := -1
	for s := range t {
		row := probs[s*n : (s+1)*n]
		best, bp := 0, row[0]
		for i, p := range row {
			if p > bp {
				best, bp = i, p
			}
		}
		if best != 0 && best != prev {
			chars = append(chars, char{normalize(keys[best]), s, float64(bp)})
		}
		prev = best
	}
	if len(chars) == 0 {
		return Reading{}
	}
	// The usual pitch: the median step between neighbours in a word.
	var gaps []int
	for i := 1; i < len(chars); i++ {
		if strings.TrimSpace(chars[i].k) != "" && strings.TrimSpace(chars[i-1].k) != "" {
			gaps = append(gaps, chars[i].step-chars[i-1].step)
		}
	}
	pitch := 0.0
	if len(gaps) >= 3 {
		sort.Ints(gaps)
		pitch = float64(gaps[len(gaps)/2])
	}
	var rd Reading
	var cur *Word
	var curSum float64
	var curN int
	endWord := func() {
		if cur != nil {
			lettersForZeros(cur)
			cur.Conf = 100 * curSum / float64(curN)
			rd.Words = append(rd.Words, *cur)
			cur = nil
		}
	}
	sum, minP := 0.0, 1.0
	for i, c := range chars {
		sum += c.p
		minP = math.Min(minP, c.p)
		if strings.TrimSpace(c.k) == "" {
			endWord()
			continue
		}
		if cur != nil && pitch > 0 && float64(c.step-chars[i-1].step) > wordGap*pitch {
			endWord()
		}
		if cur == nil {
			cur = &Word{Box: image.Rect(c.step, 0, c.step+1, 0)}
			curSum, curN = 0, 0
		}
		cur.Text += c.k
		cur.Box.Max.X = c.step + 1
		cur.Chars = append(cur.Chars, Char{Text: c.k, X: c.step, P: c.p})
		curSum += c.p
		curN++
	}
	endWord()
	if len(rd.Words) == 0 {
		return Reading{}
	}
	texts := make([]string, len(rd.Words))
	for i, w := range rd.Words {
		texts[i] = w.Text
	}
	rd.Text = strings.Join(texts, " ")
	rd.Conf, rd.Min = 100*sum/float64(len(chars)), 100*minP
	return rd
}

// lettersForZeros turns a run of zeros between two letters of a word into
// O's: the model's Latin letters and digits share one dictionary, and
// "FL00R", "CONFECTI0NERY" are words, not numbers.
func lettersForZeros(w *Word) {
	cs := w.Chars
	letter := func(i int) bool {
		if i < 0 || i >= len(cs) {
			return false
		}
		r, _ := utf8.DecodeRuneInString(cs[i].Text)
		return unicode.IsLetter(r)
	}
	changed := false
	for i := 0; i < len(cs); i++ {
		if cs[i].Text != "0" || !letter(i-1) {
			continue
		}
		j := i
		for j < len(cs) && cs[j].Text == "0" {
			j++
		}
		if letter(j) {
			for k := i; k < j; k++ {
				cs[k].Text = "O"
			}
			changed = true
		}
		i = j
	}
	if changed {
		var b strings.Builder
		for _, c := range cs {
			b.WriteString(c.Text)
		}
		w.Text = b.String()
	}
}

// wordGap is how many times the usual character pitch a gap must be to
// part two words.
const wordGap = 1.8

// normalize turns the dictionary's full-width forms (the model was trained
// on Chinese print too) into the ASCII a receipt means: "：" is ":", "×"
// is "x".
func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		case r == '×':
			return 'x'
		case r == '。':
			return '.'
		case r == '、':
			return ','
		}
		return r
	}, s)
}
