package main

import (
	"errors"
	"flag"
	"fmt"

	"tillroll/ocr"
	"tillroll/ocr/extract"
	"tillroll/ocr/recog"
	"tillroll/pipeline"
)

// readerConfig is how each OCR worker's reader is made.
type readerConfig struct {
	limits ocr.Limits
	// langs and detect are Tesseract's languages (ocr.ParseLanguages).
	langs, detect []string
	// second turns the second recognizer on; dir is its folder ("" finds
	// the one `make deps` installed).
	second bool
	dir    string
	// whole reads each page image whole (ocr.Options.KeepPage).
	whole bool
	// choices reads Tesseract's alternatives for the characters of the
	// amounts read again (ocr.Options.Choices).
	choices bool
}

// engine is Tesseract with, when installed, the second recognizer.
type engine struct {
	*ocr.Engine
	rec     *recog.Recognizer
	choices *ocr.ChoiceReader
}

func (e *engine) Close() error {
	err := e.Engine.Close()
	return errors.Join(err, e.rec.Close(), e.choices.Close())
}

// newReader makes one worker's reader. Without the second recognizer's
// files it reads with Tesseract alone; status says which.
func newReader(cfg readerConfig) (pipeline.Reader, error) {
	opt := ocr.Options{Limits: cfg.limits, Languages: cfg.langs, Detect: cfg.detect, KeepPage: cfg.whole}
	var rec *recog.Recognizer
	if cfg.second {
		r, err := recog.New(recog.Locate(cfg.dir))
		switch {
		case err == nil:
			rec = r
			opt.Second, opt.Reread = r, extract.Reread
		case !errors.Is(err, recog.ErrUnavailable):
			return nil, fmt.Errorf("second recognizer: %w", err)
		}
	}
	var choices *ocr.ChoiceReader
	if cfg.choices && rec != nil {
		c, err := ocr.NewChoiceReader(firstLanguage(cfg.langs))
		if err != nil {
			_ = rec.Close()
			return nil, fmt.Errorf("tesseract choices: %w", err)
		}
		choices, opt.Choices = c, c
	}
	eng, err := ocr.NewEngine(opt)
	if err != nil {
		_ = rec.Close()
		_ = choices.Close()
		return nil, fmt.Errorf("start OCR engine: %w", err)
	}
	return &engine{Engine: eng, rec: rec, choices: choices}, nil
}

// firstLanguage is the first of Tesseract's languages, "eng" when none.
func firstLanguage(langs []string) string {
	if len(langs) == 0 {
		return "eng"
	}
	return langs[0]
}

// secondReaderStatus says whether the second recognizer can run, and
// why not.
func secondReaderStatus(cfg readerConfig) (bool, string) {
	if !cfg.second {
		return false, "turned off (--second-reader=false): reading with Tesseract alone"
	}
	r, err := recog.New(recog.Locate(cfg.dir))
	if err != nil {
		return false, fmt.Sprintf("%v: reading with Tesseract alone (make deps installs it)", err)
	}
	_ = r.Close()
	return true, "PP-OCRv4 recognition on ONNX Runtime, on the lines that decide a field"
}

// readerFlags adds the second recognizer's flags to fs.
func readerFlags(fs *flag.FlagSet) *readerConfig {
	cfg := &readerConfig{limits: ocr.DefaultLimits()}
	fs.BoolVar(&cfg.second, "second-reader", true, "read the lines that decide a field again with the second recognizer, when installed")
	fs.BoolVar(&cfg.whole, "whole-page", false, wholePageUsage)
	fs.BoolVar(&cfg.choices, "tesseract-choices", false, "with the second reader, also read Tesseract's alternatives for the characters of each amount read again, and take one the receipt's arithmetic proves")
	fs.StringVar(&cfg.dir, "recognizer-dir", "", "folder of the second recognizer (default: "+recog.DirName+" in or above the working directory, or beside the binary)")
	return cfg
}
