package intake

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/net/html"

	"tillroll/internal/pdfwrite"
)

// htmlText is the text of an HTML mail as a reader sees it: no markup,
// scripts or styles; a line break for each block, a tab between table
// cells, so an order confirmation's rows stay rows.
func htmlText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyLines(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr", "section", "header", "footer":
				b.WriteByte('\n')
			case "td", "th":
				if tt != html.EndTagToken {
					b.WriteByte('\t')
				}
			}
		}
	}
}

// tidyLines trims each line and drops runs of empty ones.
func tidyLines(s string) string {
	var out []string
	blank := false
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// Text documents are set in Courier (a standard PDF font every reader has,
// every glyph 600/1000 em wide) at this size, on A4 pages.
const (
	pdfFontSize   = 9
	pdfLineHeight = 11
	pdfPageW      = 595
	pdfPageH      = 842
	pdfMargin     = 40
	pdfMaxPages   = 20
)

// textPDF sets text as a PDF with a text layer, so the pipeline reads it
// from its text (no OCR). Characters outside Windows-1252 become '?';
// long lines wrap; past pdfMaxPages pages the text is cut.
func textPDF(text string) []byte {
	cols := (pdfPageW - 2*pdfMargin) * 1000 / (600 * pdfFontSize)
	rows := (pdfPageH - 2*pdfMargin) / pdfLineHeight
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		r := []rune(strings.ReplaceAll(l, "\t", "    "))
		for len(r) > cols {
			cut := cols
			for i := cols; i > cols/2; i-- {
				if r[i] == ' ' {
					cut = i
					break
				}
			}
			lines = append(lines, string(r[:cut]))
			for r = r[cut:]; len(r) > 0 && r[0] == ' '; {
				r = r[1:]
			}
		}
		lines = append(lines, string(r))
	}
	var pages [][]string
	for len(lines) > 0 && len(pages) < pdfMaxPages {
		n := min(rows, len(lines))
		pages = append(pages, lines[:n])
		lines = lines[n:]
	}
	if len(pages) == 0 {
		pages = [][]string{{""}}
	}

	// Objects: 1 catalog, 2 pages, 3 font, then a page and its content per page.
	var objs []string
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 255 /Widths ["+strings.Repeat("600 ", 224)+"] >>",
	)
	for i, page := range pages {
		var c bytes.Buffer
		fmt.Fprintf(&c, "BT /F1 %d Tf %d TL %d %d Td\n", pdfFontSize, pdfLineHeight, pdfMargin, pdfPageH-pdfMargin-pdfFontSize)
		for _, l := range page {
			c.WriteString("(")
			c.Write(winAnsi(l))
			c.WriteString(") Tj T*\n")
		}
		c.WriteString("ET\n")
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", pdfPageW, pdfPageH, 5+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", c.Len(), c.String()),
		)
	}
	return pdfwrite.Assemble("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", objs, "/Root 1 0 R")
}

// winAnsi encodes a line for a PDF string in WinAnsiEncoding, escaping
// what a PDF string must escape.
func winAnsi(s string) []byte {
	var b []byte
	for _, r := range s {
		var c byte
		switch {
		case r == '(' || r == ')' || r == '\\':
			b = append(b, '\\', byte(r))
			continue
		case r >= 0x20 && r < 0x7f, r >= 0xa0 && r <= 0xff:
			c = byte(r)
		case r == '€':
			c = 0x80
		case r == '–':
			c = 0x96
		case r == '—':
			c = 0x97
		case r == '‘', r == '’':
			c = 0x27
		case r == '“', r == '”', r == '„':
			c = '"'
		case r == '…':
			c = 0x85
		case r == '•':
			c = 0x95
		default:
			c = '?'
		}
		b = append(b, c)
	}
	return b
}
