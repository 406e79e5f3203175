package ocr

import (
	"fmt"
	"slices"
	"strings"

	"github.com/otiai10/gosseract/v2"
)

// CheckLanguages checks a language setting chosen by an account or for
// one upload: Auto (or "") or Tesseract languages joined by "+", each of
// them installed. It returns the setting written the one way
// ("deu+eng"), and an error matching ErrLanguage that names what is
// wrong and what is installed.
func CheckLanguages(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == Auto {
		return Auto, nil
	}
	langs, _, err := ParseLanguages(s)
	if err != nil {
		return "", err
	}
	avail, err := gosseract.GetAvailableLanguages()
	if err != nil {
		return "", fmt.Errorf("%w: list installed languages: %w", ErrLanguage, err)
	}
	for _, l := range langs {
		if !slices.Contains(avail, l) {
			return "", fmt.Errorf("%w: %q is not installed (installed: %s, or %s)", ErrLanguage, l, strings.Join(installed(avail), ", "), Auto)
		}
	}
	return strings.Join(langs, "+"), nil
}

// installed are the languages a setting may name: the installed
// Tesseract data without "osd", which is layout, not a language.
func installed(avail []string) []string {
	var out []string
	for _, l := range avail {
		if l != "osd" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// InLanguage is the engine reading in the language setting s
// (ParseLanguages: Auto or Tesseract languages) instead of its own, for
// one document. It is a view of e: it shares e's Tesseract instances,
// making the one for s's languages the first time it is asked for, and
// like e it is not safe for concurrent use. Closing e closes them all;
// closing the view does nothing.
func (e *Engine) InLanguage(s string) (*Engine, error) {
	if e.tess == nil {
		return nil, fmt.Errorf("%w: engine closed", ErrLanguage)
	}
	setting, err := CheckLanguages(s)
	if err != nil {
		return nil, err
	}
	langs, detect, err := ParseLanguages(setting)
	if err != nil {
		return nil, err
	}
	v := *e
	v.view = true
	v.detect = detect
	key := strings.Join(langs, "+")
	if key == e.langs {
		return &v, nil
	}
	c, ok := e.other[key]
	if !ok {
		if c, err = newClient(langs); err != nil {
			return nil, err
		}
		if err := initClient(c); err != nil {
			_ = c.Close()
			return nil, err
		}
		e.other[key] = c
	}
	v.tess, v.langs = c, key
	return &v, nil
}
