package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"tillroll/capture"
	"tillroll/eval"
	"tillroll/ocr"
	"tillroll/pipeline"
)

// langUsage is the help of the --lang flag of scan, eval and serve.
const langUsage = "OCR languages: auto (English, or the receipt's own language when its words say so), or Tesseract languages joined by + (eng, deu+eng, fra, ...)"

// wholePageUsage is the help of the --whole-page flag of scan, eval and serve.
const wholePageUsage = "read each page image whole: do not look for the receipt on a larger page or in a photo"

// runScan reads each file with the same pipeline as the server and prints
// the capture API's "data" object for it, one JSON object per line. A file
// that cannot be read prints a failed object with its reason, and the
// command exits non-zero at the end.
func runScan(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("scan", stderr)
	confidence := fs.Bool("confidence", false, "add each field's confidence (0-100)")
	lang := fs.String("lang", ocr.DefaultLanguages, langUsage)
	rcfg := readerFlags(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: scan FILE...", errUsage)
	}
	langs, detect, err := ocr.ParseLanguages(*lang)
	if err != nil {
		return fmt.Errorf("%w: --lang: %w", errUsage, err)
	}
	rcfg.langs, rcfg.detect = langs, detect
	eng, err := newReader(*rcfg)
	if err != nil {
		return err
	}
	defer eng.Close()

	enc := json.NewEncoder(stdout)
	seen := map[string]bool{} // file hashes and text hashes of this run
	failed := 0
	for _, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := scanOne(ctx, eng, path, seen)
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "tillroll: %s: %v\n", path, err)
			res = capture.Placeholder(capture.StatusFailed, pipeline.Reason(err), time.Now())
		}
		if !*confidence {
			res = res.WithoutConfidence()
		}
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be read", failed, fs.NArg())
	}
	return nil
}

func scanOne(ctx context.Context, eng pipeline.Reader, path string, seen map[string]bool) (capture.Result, error) {
	sum, err := fileHash(path)
	if err != nil {
		return capture.Result{}, err
	}
	res, textHash, err := pipeline.Process(ctx, eng, path, time.Now())
	if err != nil {
		return capture.Result{}, err
	}
	if seen["file:"+sum] || (textHash != "" && seen["text:"+textHash]) {
		res.Is_Duplicate = 1
	}
	seen["file:"+sum] = true
	if textHash != "" {
		seen["text:"+textHash] = true
	}
	return res, nil
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// runEval measures field accuracy on a folder of files with truth.
func runEval(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", stderr)
	lang := fs.String("lang", ocr.DefaultLanguages, langUsage)
	rcfg := readerFlags(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: eval DIR", errUsage)
	}
	langs, detect, err := ocr.ParseLanguages(*lang)
	if err != nil {
		return fmt.Errorf("%w: --lang: %w", errUsage, err)
	}
	rcfg.langs, rcfg.detect = langs, detect
	eng, err := newReader(*rcfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	read := func(ctx context.Context, path string) (capture.Result, error) {
		res, _, err := pipeline.Process(ctx, eng, path, time.Now())
		return res, err
	}
	_, err = eval.Run(ctx, fs.Arg(0), read, stdout)
	return err
}
