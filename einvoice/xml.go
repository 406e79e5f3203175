package einvoice

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Limits bound what reading one invoice XML may cost.
type Limits struct {
	// MaxBytes is the largest XML read, in bytes (also the largest
	// attachment taken out of a PDF).
	MaxBytes int64
	// MaxDepth is the deepest element nesting accepted.
	MaxDepth int
	// MaxElements is the most elements in one XML.
	MaxElements int
}

// DefaultLimits fit the largest real e-invoices (thousands of lines) with
// room to spare: 16 MB, 64 levels, 500,000 elements. CII and UBL nest
// about 10 levels deep.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 16 << 20, MaxDepth: 64, MaxElements: 500_000}
}

// node is one element of a parsed XML: its local name, namespace,
// attributes, text and children. Prefixes are gone; the structures of CII
// and UBL are matched by local names below a root whose namespace (space)
// was checked.
type node struct {
	space, name string
	attrs       []xml.Attr
	text        string
	kids        []*node
}

// parseXML reads data into a tree with encoding/xml, token by token,
// refusing any DTD (so no entity is ever expanded or fetched), more than
// lim.MaxDepth levels and more than lim.MaxElements elements.
func parseXML(data []byte, lim Limits) (*node, error) {
	if int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: XML of %d bytes (at most %d)", ErrTooLarge, len(data), lim.MaxBytes)
	}
	// A byte order mark is no text (encoding/xml would return it as such).
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// Only the five predefined entities and character references exist:
	// d.Entity stays nil, and a DOCTYPE is refused below.
	d.CharsetReader = charsetReader
	var (
		root  *node
		stack []*node
		texts [][]byte
		count int
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, fmt.Errorf("%w: the XML has a DTD (<!%.20s...>); e-invoices have none, and entities are never expanded", ErrMalformed, t)
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("%w: more than one root element", ErrMalformed)
			}
			count++
			if count > lim.MaxElements {
				return nil, fmt.Errorf("%w: more than %d elements", ErrTooLarge, lim.MaxElements)
			}
			if len(stack) >= lim.MaxDepth {
				return nil, fmt.Errorf("%w: elements nested deeper than %d levels", ErrTooLarge, lim.MaxDepth)
			}
			n := &node{space: t.Name.Space, name: t.Name.Local, attrs: t.Attr}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
			texts = append(texts, nil)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, fmt.Errorf("%w: unexpected end element %s", ErrMalformed, t.Name.Local)
			}
			n := stack[len(stack)-1]
			n.text = strings.TrimSpace(string(texts[len(texts)-1]))
			stack, texts = stack[:len(stack)-1], texts[:len(texts)-1]
		case xml.CharData:
			if len(stack) > 0 {
				texts[len(texts)-1] = append(texts[len(texts)-1], t...)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text outside the root element: %.20q", ErrMalformed, bytes.TrimSpace(t))
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", ErrMalformed)
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("%w: the XML ends inside <%s>", ErrMalformed, stack[len(stack)-1].name)
	}
	return root, nil
}

// charsetReader accepts the encodings e-invoices are written in: UTF-8
// (and US-ASCII, a subset), ISO-8859-1, ISO-8859-15 and Windows-1252.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "latin1", "iso8859-1", "iso_8859-1":
		return charmap.ISO8859_1.NewDecoder().Reader(r), nil
	case "iso-8859-15", "latin9", "iso8859-15":
		return charmap.ISO8859_15.NewDecoder().Reader(r), nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder().Reader(r), nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q", label)
}

// kid is the first child whose local name is one of names, nil if none.
func (n *node) kid(names ...string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		for _, name := range names {
			if k.name == name {
				return k
			}
		}
	}
	return nil
}

// at follows a path of local names; each step may list alternatives
// separated by "|" (the names differ between CII versions).
func (n *node) at(path ...string) *node {
	for _, step := range path {
		if n == nil {
			return nil
		}
		n = n.kid(strings.Split(step, "|")...)
	}
	return n
}

// all is every child with one of the local names.
func (n *node) all(names ...string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		for _, name := range names {
			if k.name == name {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// str is the text at path, "" if there is none.
func (n *node) str(path ...string) string {
	m := n.at(path...)
	if m == nil {
		return ""
	}
	return m.text
}

// attr is the value of the attribute with the local name, "" if none.
func (n *node) attr(name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
