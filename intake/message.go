package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode the charsets mail comes in (ISO-8859-x, Windows-125x, ...)
	"github.com/emersion/go-message/mail"

	"tillroll/store"
)

// Mail is a received mail, spooled whole to a file so that it can be
// hashed and parsed without holding it in memory.
type Mail struct {
	f      *os.File
	size   int64
	sha256 string
}

// Spool copies r into a new file in the data directory's tmp folder (which
// the store empties at every start), at most max bytes (0: no limit beyond
// the reader's own). It hashes the bytes on the way.
func (t *Taker) Spool(r io.Reader, max int64) (*Mail, error) {
	f, err := os.CreateTemp(filepath.Join(t.st.Dir(), "tmp"), "mail-*")
	if err != nil {
		return nil, fmt.Errorf("spool mail: %w", err)
	}
	// The name is not needed: the open file is enough, and nothing stays
	// behind if the process dies.
	if err := os.Remove(f.Name()); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("spool mail: %w", err)
	}
	h := sha256.New()
	src := r
	if max > 0 {
		src = io.LimitReader(r, max+1)
	}
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("spool mail: %w", err)
	}
	if max > 0 && n > max {
		_ = f.Close()
		return nil, refusef("the message is larger than %d MB", max>>20)
	}
	return &Mail{f: f, size: n, sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Close removes the spooled mail.
func (m *Mail) Close() error { return m.f.Close() }

// MailResult is what one mail became for one account or user.
type MailResult struct {
	Documents []store.Document // of an account
	Receipts  []store.Receipt  // of a receipts-service user
	Duplicate bool             // the same mail (Message-ID and bytes) was taken in before
	MessageID string           // as the mail's header gives it
	From      string           // the header's sender, as the documents keep it
}

// TakeMail makes documents of the account from a spooled mail: every
// attachment or inline part that is a PDF, an image or an e-invoice XML
// (opening attached messages), or, when there is none, the mail's own text. It commits them
// in one transaction with the mail's mark (account, Message-ID and a hash
// of the bytes) and any extra marks (an IMAP UID), so the same mail is
// never read twice. A *Refusal error is permanent; any other is not.
func (t *Taker) TakeMail(account, via string, m *Mail, extra ...store.IntakeMark) (MailResult, error) {
	return t.TakeMailFor(store.IntakeTarget{Account: account}, via, m, extra...)
}

// TakeMailFor is TakeMail for an account or a receipts-service user. For a
// user each document the mail holds (as TakeMail finds them) becomes one
// receipt: its image uploaded and a receipt made of it, all the mail's
// receipts committed in one transaction with the mark (store.CreateIntakeReceipts).
func (t *Taker) TakeMailFor(to store.IntakeTarget, via string, m *Mail, extra ...store.IntakeMark) (MailResult, error) {
	return t.takeMail(to, via, m, nil, extra...)
}

// maxReplies is how many documents of one mail get a reply.
const maxReplies = 10

// takeMail is TakeMailFor; replyTo, when not nil, is asked (once the mail
// is read and is not automatic, RFC 3834: Auto-Submitted, Precedence bulk,
// list or junk, which must get no reply) for the address to reply to when
// each document is processed; the answer is kept on the first documents
// (maxReplies).
func (t *Taker) takeMail(to store.IntakeTarget, via string, m *Mail, replyTo func() string, extra ...store.IntakeMark) (MailResult, error) {
	if _, err := m.f.Seek(0, io.SeekStart); err != nil {
		return MailResult{}, fmt.Errorf("rewind spooled mail: %w", err)
	}
	e, err := message.Read(io.NewSectionReader(m.f, 0, m.size))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return MailResult{}, refusef("the message's header cannot be read: %v", err)
	}
	h := mail.Header{Header: e.Header}
	src := source(via, h)
	res := MailResult{MessageID: src.MessageID, From: src.From}
	first := store.MarkKey("mail", to.Account, src.MessageID, m.sha256)
	if to.User != "" {
		first = store.MarkKey("user-mail", to.User, src.MessageID, m.sha256)
	}
	marks := append([]store.IntakeMark{first}, extra...)
	if seen, err := t.st.IntakeMarked(marks[0]); err != nil {
		return res, fmt.Errorf("look up mail: %w", err)
	} else if seen {
		// Cheap check first; the commit checks again in its transaction.
		if err := t.st.MarkIntake(extra...); err != nil {
			return res, fmt.Errorf("record mail: %w", err)
		}
		res.Duplicate = true
		return res, nil
	}

	w := &walker{t: t, account: to.Account, src: src}
	if to.User != "" {
		w.account = store.ReceiptsAccount
	}
	err = w.walk(e, 0)
	if err == nil && len(w.docs) == 0 {
		err = w.textDocument()
	}
	if err != nil {
		w.removeAll()
		return res, err
	}
	if len(w.docs) == 0 {
		w.removeAll()
		return res, refusef("nothing to read in the message: no PDF, image or e-invoice attached and no text")
	}
	if replyTo != nil && !automatic(h) {
		if addr := replyTo(); addr != "" {
			for i := range w.docs[:min(len(w.docs), maxReplies)] {
				src := *w.docs[i].Source
				src.ReplyTo = addr
				w.docs[i].Source = &src
			}
		}
	}
	var dup bool
	if to.User != "" {
		res.Receipts, dup, err = t.commitReceipts(to.User, w.docs, marks...)
	} else {
		res.Documents, dup, err = t.commit(w.docs, marks...)
	}
	if err != nil {
		return res, err
	}
	if dup {
		if err := t.st.MarkIntake(extra...); err != nil {
			return res, fmt.Errorf("record mail: %w", err)
		}
	}
	res.Duplicate = dup
	return res, nil
}

// automatic tells mail no one should answer automatically (RFC 3834): an
// auto-reply, a bounce, a list's or a bulk mail.
func automatic(h mail.Header) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "list", "junk":
		return true
	}
	return h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != ""
}

// source is what a document keeps of the mail it came from.
func source(via string, h mail.Header) store.Source {
	src := store.Source{Via: via}
	src.Subject, _ = h.Subject()
	if id, err := h.MessageID(); err == nil {
		src.MessageID = id
	}
	if src.MessageID == "" {
		src.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	}
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		src.From = from[0].String()
	} else {
		src.From = h.Get("From")
	}
	src.Subject = clip(src.Subject, 500)
	src.From = clip(src.From, 500)
	src.MessageID = clip(src.MessageID, 500)
	return src
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// walker goes through one mail's MIME tree.
type walker struct {
	t       *Taker
	account string
	src     store.Source
	parts   int
	docs    []store.NewDocument
	text    string // the first text/plain body that is not an attachment
	html    string // the first text/html one
	skipped []string
}

func (w *walker) walk(e *message.Entity, depth int) error {
	lim := w.t.lim
	if depth > lim.MaxDepth {
		return refusef("the message nests parts deeper than %d levels", lim.MaxDepth)
	}
	if w.parts++; w.parts > lim.MaxParts {
		return refusef("the message has more than %d MIME parts", lim.MaxParts)
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
				return refusef("the message's MIME structure is broken: %v", err)
			}
			if err := w.walk(p, depth+1); err != nil {
				return err
			}
		}
	}
	mt, _, _ := e.Header.ContentType() // none or unreadable: text/plain, as RFC 2045 says
	if mt == "" {
		mt = "text/plain"
	}
	ah := mail.AttachmentHeader{Header: e.Header}
	name, _ := ah.Filename()
	disp, _, _ := e.Header.ContentDisposition()
	switch {
	case mt == "message/rfc822" || mt == "message/global":
		inner, err := message.Read(e.Body)
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			return refusef("an attached message cannot be read: %v", err)
		}
		return w.walk(inner, depth+1)
	case (mt == "text/plain" || mt == "text/html") && disp != "attachment" && name == "":
		return w.readText(mt, e.Body)
	}
	return w.save(e.Body, name, mt)
}

// save stores a part as a document when its first bytes say it is one
// (a PDF, an image or an e-invoice XML, whatever its declared type); other parts are left.
func (w *walker) save(r io.Reader, name, mediaType string) error {
	body := &readErr{r: r}
	f, kind, err := w.t.st.SaveUpload(body, w.t.lim.MaxFile)
	switch {
	case err != nil && body.err != nil:
		// The part's own bytes are bad (broken base64, say): the spooled
		// mail is a local file, so this is no passing failure.
		return refusef("the attachment %q cannot be decoded: %v", store.SanitizeFileName(name), body.err)
	case errors.Is(err, store.ErrEmptyFile), errors.Is(err, store.ErrUnsupportedFile):
		w.skipped = append(w.skipped, mediaType)
		return nil
	case errors.Is(err, store.ErrFileTooLarge):
		return refusef("the attachment %q is larger than %d MB", store.SanitizeFileName(name), w.t.lim.MaxFile>>20)
	case err != nil:
		return fmt.Errorf("save attachment: %w", err)
	}
	if name == "" {
		name = "mail." + string(kind)
	}
	src := w.src
	src.Part = store.SanitizeFileName(name)
	w.docs = append(w.docs, store.NewDocument{Account: w.account, FileName: name, File: f, Kind: string(kind), Source: &src})
	return nil
}

// readErr remembers the first error its reader gave other than io.EOF.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && e.err == nil {
		e.err = err
	}
	return n, err
}

func (w *walker) readText(mediaType string, r io.Reader) error {
	target := &w.text
	if mediaType == "text/html" {
		target = &w.html
	}
	if *target != "" {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(r, w.t.lim.MaxText))
	if err != nil && !message.IsUnknownCharset(err) {
		return refusef("the message's text cannot be read: %v", err)
	}
	*target = string(bytes.ToValidUTF8(data, []byte("\uFFFD")))
	return nil
}

// textDocument makes the mail's own text (plain, else HTML) into a PDF
// with a text layer, so the pipeline reads it as it reads any PDF: from
// its text, with no OCR.
func (w *walker) textDocument() error {
	text := w.text
	if strings.TrimSpace(text) == "" && w.html != "" {
		text = htmlText(w.html)
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var head []string
	if w.src.Subject != "" {
		head = append(head, "Subject: "+w.src.Subject)
	}
	if w.src.From != "" {
		head = append(head, "From: "+w.src.From)
	}
	pdf := textPDF(strings.Join(head, "\n") + "\n\n" + text)
	f, kind, err := w.t.st.SaveUpload(bytes.NewReader(pdf), w.t.lim.MaxFile)
	if err != nil {
		return fmt.Errorf("save mail text: %w", err)
	}
	src := w.src
	src.Part = "text"
	name := w.src.Subject
	if name == "" {
		name = "mail"
	}
	w.docs = append(w.docs, store.NewDocument{Account: w.account, FileName: name + ".pdf", File: f, Kind: string(kind), Source: &src})
	return nil
}

func (w *walker) removeAll() {
	for _, d := range w.docs {
		if err := w.t.st.RemoveFile(d.File.Path); err != nil {
			w.t.log.Warn("remove unused intake file", "err", err)
		}
	}
	w.docs = nil
}
