package ocr

import (
	"context"
	"encoding/binary"
	"fmt"
)

// A TIFF holds its pages as a chain of image file directories (IFDs): the
// header names the first, each names the next. The image decoder reads
// the first alone, so a later page is read from a copy of the file whose
// header names that page's directory instead: the offsets inside a
// directory are from the start of the file, and stay right.

// tiffPages is the offsets of a classic TIFF's directories, page 1 first:
// at most max+1 of them, so that a caller can tell a file of too many
// pages. A chain that loops or leaves the file is ErrCorrupt. A BigTIFF,
// which the decoder does not read, is one page (the decoder's error).
func tiffPages(data []byte, max int) ([]uint32, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("%w: a TIFF header of %d bytes", ErrCorrupt, len(data))
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		bo = binary.BigEndian
	}
	if bo.Uint16(data[2:4]) != 42 {
		return []uint32{0}, nil
	}
	var offs []uint32
	seen := map[uint32]bool{}
	for off := bo.Uint32(data[4:8]); off != 0 && len(offs) <= max; {
		if seen[off] {
			return nil, fmt.Errorf("%w: the TIFF's pages loop back to page %d", ErrCorrupt, len(offs))
		}
		seen[off] = true
		if uint64(off)+2 > uint64(len(data)) {
			if len(offs) > 0 {
				break // a bad link after the first page: the pages so far
			}
			return nil, fmt.Errorf("%w: the TIFF's first page lies past its end", ErrCorrupt)
		}
		offs = append(offs, off)
		next := uint64(off) + 2 + 12*uint64(bo.Uint16(data[off:off+2]))
		if next+4 > uint64(len(data)) {
			break
		}
		off = bo.Uint32(data[next : next+4])
	}
	if len(offs) == 0 {
		return nil, fmt.Errorf("%w: the TIFF has no pages", ErrCorrupt)
	}
	return offs, nil
}

// tiffPage makes data, a TIFF, begin at the directory off: its page
// there is what the decoder reads. The caller owns data (a copy).
func tiffPage(data []byte, off uint32) {
	if data[0] == 'M' {
		binary.BigEndian.PutUint32(data[4:8], off)
	} else {
		binary.LittleEndian.PutUint32(data[4:8], off)
	}
}

// readTIFF reads every page of a multi-page TIFF, as readPDF reads a
// PDF's: within the page range asked for, each page told to the page
// watch and held to the limits on its own, at most MaxPages.
func (e *Engine) readTIFF(ctx context.Context, data []byte, offs []uint32, pass Pass) (Document, error) {
	if len(offs) > e.lim.MaxPages {
		return Document{}, fmt.Errorf("%w: more than %d pages", ErrTooLarge, e.lim.MaxPages)
	}
	page := append([]byte(nil), data...)
	watch, asked, read := watching(ctx), 0, 0
	for i := range offs {
		if e.pages.has(i + 1) {
			asked++
		}
	}
	doc := Document{Kind: KindTIFF}
	for i, off := range offs {
		n := i + 1
		if err := ctx.Err(); err != nil {
			return Document{}, err
		}
		if !e.pages.has(n) {
			continue
		}
		if !watch.begin(n, asked) {
			doc.Pages = append(doc.Pages, Page{Number: n, Skipped: true})
			continue
		}
		read++
		tiffPage(page, off)
		img, err := decodeImage(page, e.lim)
		if err != nil {
			return Document{}, fmt.Errorf("page %d: %w", n, err)
		}
		p, err := e.readImage(img, pass)
		if err != nil {
			return Document{}, err
		}
		p.Number = n
		doc.Pages = append(doc.Pages, p)
	}
	if read == 0 && asked > 0 {
		return Document{}, fmt.Errorf("%w: all %d pages", ErrSkipped, asked)
	}
	return doc, nil
}
