package intake

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"tillroll/store"
)

// IMAPConfig is one mailbox Tillroll pulls documents from.
type IMAPConfig struct {
	Account  string // whose documents its mails become
	Addr     string // host:port
	Security string // "tls" (implicit, port 993; the default), "starttls", or "none" (loopback tests only)
	User     string
	Password string
	Folder   string // default INBOX
	// After says what happens to a mail once its documents are committed:
	// "seen" (mark it read; the default: only unread mail is taken),
	// "move:FOLDER" or "delete". Every mail in the folder is taken with
	// move and delete.
	After string
	// Interval between polls (default 1 minute). Where the server offers
	// IDLE, new mail is taken at once in between.
	Interval time.Duration
	// MaxMessage is the largest mail fetched (default 64 MB); a larger one
	// is left in the mailbox, marked as refused.
	MaxMessage int64
	TLS        *tls.Config // nil: the system's roots, ServerName from Addr
}

// Name is the mailbox as logs and marks name it: user@host:port/folder.
func (c IMAPConfig) Name() string { return c.User + "@" + c.Addr + "/" + c.folder() }

func (c IMAPConfig) folder() string {
	if c.Folder == "" {
		return "INBOX"
	}
	return c.Folder
}

// Validate checks the settings that need no connection.
func (c IMAPConfig) Validate() error {
	switch {
	case c.Account == "" || c.Addr == "" || c.User == "":
		return errors.New("an IMAP mailbox needs account, host, port and user")
	case c.Security != "" && c.Security != "tls" && c.Security != "starttls" && c.Security != "none":
		return fmt.Errorf("IMAP security %q: use tls, starttls or none", c.Security)
	case c.After != "" && c.After != "seen" && c.After != "delete" && !(strings.HasPrefix(c.After, "move:") && len(c.After) > 5):
		return fmt.Errorf("IMAP after %q: use seen, move:FOLDER or delete", c.After)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("IMAP address %q: %w", c.Addr, err)
	}
	return nil
}

// IMAPStatus is how polling a mailbox went, for the logs and admins.
type IMAPStatus struct {
	LastSuccess time.Time
	LastError   string // "" after a successful poll
	Taken       int    // mails taken in since start
}

// IMAPPoller pulls mail from one mailbox.
type IMAPPoller struct {
	t   *Taker
	cfg IMAPConfig

	mu     sync.Mutex
	status IMAPStatus
}

// NewIMAPPoller makes a poller of the mailbox.
func NewIMAPPoller(t *Taker, cfg IMAPConfig) *IMAPPoller {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = 64 << 20
	}
	if cfg.After == "" {
		cfg.After = "seen"
	}
	if cfg.Security == "" {
		cfg.Security = "tls"
	}
	return &IMAPPoller{t: t, cfg: cfg}
}

// Status is how the last poll went.
func (p *IMAPPoller) Status() IMAPStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// Run polls until ctx ends. Between polls it waits Interval, or IDLEs where
// the server can, so new mail comes in at once. Errors (a wrong password, a
// certificate not trusted, a folder missing, a lost connection) are logged
// with what to do and tried again at the next poll.
func (p *IMAPPoller) Run(ctx context.Context) error {
	log := p.t.log.With("imap", p.cfg.Name(), "account", p.cfg.Account)
	for {
		err := p.session(ctx, true)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			log.Warn("imap poll failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(p.cfg.Interval):
		}
	}
}

// Poll connects once, takes in what is new and logs out.
func (p *IMAPPoller) Poll(ctx context.Context) error { return p.session(ctx, false) }

func (p *IMAPPoller) record(err error, taken int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status.Taken += taken
	if err != nil {
		p.status.LastError = err.Error()
		return
	}
	p.status.LastError, p.status.LastSuccess = "", p.t.now()
}

// session is one connection: log in, select the folder, take in what is
// new, then, when idle is set and the server offers IDLE, wait there for
// more until Interval has passed.
func (p *IMAPPoller) session(ctx context.Context, idle bool) (err error) {
	defer func() {
		if err != nil {
			p.record(err, 0)
		}
	}()
	newMail := make(chan struct{}, 1)
	c, err := p.dial(&imapclient.Options{
		TLSConfig: p.tlsConfig(),
		Dialer:    &net.Dialer{Timeout: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	})
	if err != nil {
		return explainDial(err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	if err := c.Login(p.cfg.User, p.cfg.Password).Wait(); err != nil {
		return fmt.Errorf("login as %s refused (wrong user or password?): %w", p.cfg.User, err)
	}
	sel, err := c.Select(p.cfg.folder(), nil).Wait()
	if err != nil {
		return fmt.Errorf("folder %q cannot be opened (missing?): %w", p.cfg.folder(), err)
	}
	deadline := time.Now().Add(p.cfg.Interval)
	for {
		n, err := p.takeNew(c, sel.UIDValidity)
		if err != nil {
			return err
		}
		p.record(nil, n)
		if !idle || !c.Caps().Has(imap.CapIdle) && !c.Caps().Has(imap.CapIMAP4rev2) {
			break
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			break
		}
		cmd, err := c.Idle()
		if err != nil {
			return fmt.Errorf("idle: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-newMail:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("idle: %w", err)
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			break
		}
	}
	if err := c.Logout().Wait(); err != nil && ctx.Err() == nil {
		p.t.log.Debug("imap logout", "err", err)
	}
	return nil
}

func (p *IMAPPoller) dial(opt *imapclient.Options) (*imapclient.Client, error) {
	switch p.cfg.Security {
	case "starttls":
		return imapclient.DialStartTLS(p.cfg.Addr, opt)
	case "none":
		return imapclient.DialInsecure(p.cfg.Addr, opt)
	}
	return imapclient.DialTLS(p.cfg.Addr, opt)
}

func (p *IMAPPoller) tlsConfig() *tls.Config {
	if p.cfg.TLS != nil {
		return p.cfg.TLS
	}
	host, _, _ := net.SplitHostPort(p.cfg.Addr)
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

// explainDial says what a failed connection means for the admin.
func explainDial(err error) error {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var cert *tls.CertificateVerificationError
	switch {
	case errors.As(err, &host):
		return fmt.Errorf("the server's certificate is for another host name: %w", err)
	case errors.As(err, &unknown), errors.As(err, &cert):
		return fmt.Errorf("the server's certificate is not trusted (self-signed or from an unknown authority): %w", err)
	}
	return fmt.Errorf("connect: %w", err)
}

// takeNew takes in every mail of the folder not taken before, and applies
// the after-action to every mail taken (again, for one whose action a
// crash cut off). Each mail's mark is its UIDVALIDITY and UID; when the
// UIDVALIDITY changes, mails come again under new UIDs and are recognised
// by the mark of their Message-ID and bytes.
func (p *IMAPPoller) takeNew(c *imapclient.Client, validity uint32) (int, error) {
	crit := &imap.SearchCriteria{}
	if p.cfg.After == "seen" {
		crit.NotFlag = []imap.Flag{imap.FlagSeen}
	}
	found, err := c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("search %s: %w", p.cfg.folder(), err)
	}
	taken := 0
	var done imap.UIDSet
	for _, uid := range found.AllUIDs() {
		mark := store.MarkKey("imap", p.cfg.Account, p.cfg.Name(), strconv.FormatUint(uint64(validity), 10), strconv.FormatUint(uint64(uid), 10))
		seen, err := p.t.st.IntakeMarked(mark)
		if err != nil {
			return taken, err
		}
		if !seen {
			ok, err := p.takeOne(c, uid, mark)
			if err != nil {
				return taken, err
			}
			if !ok {
				continue // refused: left where it is, marked so it is not fetched again
			}
			taken++
		}
		done.AddNum(uid)
	}
	if len(done) == 0 {
		return taken, nil
	}
	return taken, p.after(c, done)
}

// takeOne fetches one mail (without setting \Seen), spools it and takes it
// in. ok is false for a mail refused for good.
func (p *IMAPPoller) takeOne(c *imapclient.Client, uid imap.UID, mark store.IntakeMark) (ok bool, err error) {
	section := &imap.FetchItemBodySection{Peek: true}
	cmd := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{section}})
	defer cmd.Close()
	var m *Mail
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			body, isBody := item.(imapclient.FetchItemDataBodySection)
			if !isBody || body.Literal == nil || m != nil {
				continue
			}
			if m, err = p.t.Spool(body.Literal, p.cfg.MaxMessage); err != nil {
				if IsRefusal(err) {
					_, _ = io.Copy(io.Discard, body.Literal)
					m = nil
					break
				}
				return false, err
			}
		}
	}
	if err := cmd.Close(); err != nil {
		if m != nil {
			_ = m.Close()
		}
		return false, fmt.Errorf("fetch UID %d: %w", uid, err)
	}
	if m == nil {
		p.t.log.Info("imap mail refused", "imap", p.cfg.Name(), "uid", uid, "reason", "no body, or larger than the limit")
		return false, p.t.st.MarkIntake(mark)
	}
	defer m.Close()
	res, err := p.t.TakeMail(p.cfg.Account, "imap", m, mark)
	if IsRefusal(err) {
		p.t.log.Info("imap mail refused", "imap", p.cfg.Name(), "uid", uid, "reason", err)
		return false, p.t.st.MarkIntake(mark)
	}
	if err != nil {
		return false, err
	}
	p.t.log.Info("imap mail taken in", "imap", p.cfg.Name(), "uid", uid, "documents", len(res.Documents), "duplicate", res.Duplicate, "message_id", res.MessageID)
	return true, nil
}

// after applies the after-action to mails whose documents are committed.
func (p *IMAPPoller) after(c *imapclient.Client, uids imap.UIDSet) error {
	switch {
	case p.cfg.After == "seen":
		if err := c.Store(uids, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
			return fmt.Errorf("mark read: %w", err)
		}
	case p.cfg.After == "delete":
		if err := c.Store(uids, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		var err error
		if c.Caps().Has(imap.CapUIDPlus) || c.Caps().Has(imap.CapIMAP4rev2) {
			err = c.UIDExpunge(uids).Close()
		} else {
			err = c.Expunge().Close()
		}
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
	case strings.HasPrefix(p.cfg.After, "move:"):
		to := strings.TrimPrefix(p.cfg.After, "move:")
		if _, err := c.Move(uids, to).Wait(); err != nil {
			return fmt.Errorf("move to %q (does the folder exist?): %w", to, err)
		}
	}
	return nil
}
