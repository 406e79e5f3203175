// Package pdfwrite assembles a PDF file from object bodies: the one
// cross-reference table and trailer that Tillroll's own small PDFs (a mail's
// text, test fixtures, crafted hostile files) all need.
package pdfwrite

import (
	"bytes"
	"fmt"
)

// Assemble writes header, then objs numbered from 1, an xref table and a
// trailer holding /Size and the dictionary entries in trailer (which must
// name the /Root, e.g. "/Root 1 0 R").
func Assemble(header string, objs []string, trailer string) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	offsets := make([]int, len(objs))
	for i, body := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailer, xref)
	return b.Bytes()
}
