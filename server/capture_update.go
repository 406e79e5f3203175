package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/capture"
	"tillroll/store"
)

// Corrections through the API, as Photon's update calls: fields of the
// result, and its line items added, changed and deleted. A correction is
// kept beside what OCR read; GET /api/v4/json shows the corrected result.

// fixedKeys are the keys of the data object a correction cannot set: they
// say what the document is and where it came from, not what it shows.
var fixedKeys = []string{"Status", "Reason", "Created", "Confidence", "photon_key", "doc_path", "Pages", "Skipped_Pages", "Is_Duplicate", "Raw_Text", "Line_Items"}

// lineItemFixed are the keys of a line item a correction cannot set.
var lineItemFixed = []string{"Line"}

// captureUpdate is PUT /api/v4/update?photon_key=KEY with a JSON object of
// fields: each replaces the field of that name.
func (s *Server) captureUpdate(c *echo.Context) error {
	fields, err := jsonObject(c)
	if err != nil {
		return err
	}
	return s.correct(c, func(r *capture.Result, _ capture.Result) error {
		return setKeys(r, fields, fixedKeys, "field")
	})
}

// captureAddLineItem is POST /api/v4/update/line-items?photon_key=KEY (and
// /api/v4/line-items) with the item's fields: a new line item, numbered
// after the last and after every line OCR read, so that the number of a
// read line a correction deleted never comes back meaning another.
func (s *Server) captureAddLineItem(c *echo.Context) error {
	fields, err := jsonObject(c)
	if err != nil {
		return err
	}
	return s.correct(c, func(r *capture.Result, read capture.Result) error {
		it := capture.LineItem{Line: 1}
		for _, li := range append(slices.Clone(r.Line_Items), read.Line_Items...) {
			it.Line = max(it.Line, li.Line+1)
		}
		if err := setKeys(&it, fields, lineItemFixed, "line item field"); err != nil {
			return err
		}
		r.Line_Items = append(r.Line_Items, it)
		return nil
	})
}

// captureUpdateLineItem is PUT /api/v4/update/line-items/:id?photon_key=:
// the line item whose Line is id gets the fields sent.
func (s *Server) captureUpdateLineItem(c *echo.Context) error {
	fields, err := jsonObject(c)
	if err != nil {
		return err
	}
	return s.correct(c, func(r *capture.Result, _ capture.Result) error {
		i, err := lineItemIndex(c, r)
		if err != nil {
			return err
		}
		return setKeys(&r.Line_Items[i], fields, lineItemFixed, "line item field")
	})
}

// captureDeleteLineItem is DELETE /api/v4/update/line-items/:id?photon_key=.
func (s *Server) captureDeleteLineItem(c *echo.Context) error {
	return s.correct(c, func(r *capture.Result, _ capture.Result) error {
		i, err := lineItemIndex(c, r)
		if err != nil {
			return err
		}
		r.Line_Items = slices.Delete(r.Line_Items, i, i+1)
		return nil
	})
}

// correct applies a correction to the document named by ?photon_key= and
// answers with the corrected data.
func (s *Server) correct(c *echo.Context, apply func(r *capture.Result, read capture.Result) error) error {
	key := c.QueryParam("photon_key")
	if key == "" {
		return errorf(http.StatusBadRequest, "photon_key is required")
	}
	d, err := s.store.CorrectDocument(account(c).Username, key, apply)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errorf(http.StatusNotFound, "no document with that photon_key")
	case errors.Is(err, store.ErrNotRead):
		return errorf(http.StatusBadRequest, "the document has not been read yet (or could not be): there is nothing to correct")
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, dataResponse{Data: d.Data().WithoutConfidence(), Message: "success", Status: "success"})
}

func lineItemIndex(c *echo.Context, r *capture.Result) (int, error) {
	id, err := strconv.Atoi(c.Param("id"))
	if err != nil {
		return 0, errorf(http.StatusBadRequest, "the line item id is its Line number, a whole number")
	}
	for i, li := range r.Line_Items {
		if li.Line == id {
			return i, nil
		}
	}
	return 0, errorf(http.StatusNotFound, fmt.Sprintf("no line item %d in this document", id))
}

// jsonObject reads the request body as one JSON object.
func jsonObject(c *echo.Context) (map[string]json.RawMessage, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, uploadReadError(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, errorf(http.StatusBadRequest, `the body must be a JSON object of fields, like {"Total": 12.50}`)
	}
	return m, nil
}

// setKeys sets fields of v (a struct encoded with the API's key names)
// from the JSON values sent: each must be a key v has and not a fixed
// one, of the key's type; a number may come as a string ("1234.50"), as
// Photon writes amounts. Nothing is set unless every field is right.
func setKeys(v any, fields map[string]json.RawMessage, fixed []string, what string) error {
	cur, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(cur, &m); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		old, ok := m[k]
		if !ok {
			return errorf(http.StatusBadRequest, fmt.Sprintf("unknown %s %q", what, clip(k)))
		}
		if slices.Contains(fixed, k) {
			return errorf(http.StatusBadRequest, fmt.Sprintf("%s cannot be corrected", k))
		}
		nv, ok := sameKind(old, fields[k])
		if !ok {
			return errorf(http.StatusBadRequest, fmt.Sprintf("%s must be a %s", k, kindName(old)))
		}
		m[k] = nv
	}
	out, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		return errorf(http.StatusBadRequest, "a field has a value of the wrong type")
	}
	return nil
}

// sameKind is the new value as the kind of the old one, if it can be.
func sameKind(old, nv json.RawMessage) (json.RawMessage, bool) {
	nv = bytes.TrimSpace(nv)
	switch kindName(old) {
	case "string":
		var s string
		return nv, json.Unmarshal(nv, &s) == nil
	case "number":
		var f float64
		if json.Unmarshal(nv, &f) == nil {
			return nv, true
		}
		var s string
		if json.Unmarshal(nv, &s) != nil {
			return nil, false
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 64)
		if err != nil {
			return nil, false
		}
		b, _ := json.Marshal(f)
		return b, true
	case "list":
		var l []json.RawMessage
		return nv, json.Unmarshal(nv, &l) == nil
	}
	return nil, false
}

func kindName(v json.RawMessage) string {
	switch b := bytes.TrimSpace(v); {
	case len(b) == 0:
		return "value"
	case b[0] == '"':
		return "string"
	case b[0] == '[' || string(b) == "null":
		return "list"
	case b[0] == '{':
		return "object"
	case b[0] == 't' || b[0] == 'f':
		return "boolean"
	}
	return "number"
}
