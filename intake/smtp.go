package intake

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"tillroll/store"
)

// SMTPConfig configures the mail server. Zero fields take the defaults.
type SMTPConfig struct {
	// Domain is the box's mail domain: the part after @ in the intake
	// addresses and the name in the greeting. Mail is matched on the
	// address's local part, whatever domain the sender typed.
	Domain string
	// TLS is offered with STARTTLS; AUTH is only accepted over it.
	TLS *tls.Config
	// Allow lists the networks whose hosts may send without AUTH
	// (scanners that cannot log in).
	Allow []netip.Prefix
	// MaxMessage is the largest message, headers and all (default 64 MB).
	MaxMessage int64
	// MaxRecipients per message (default 10).
	MaxRecipients int
	// MaxMessagesPerConn is how many mails one connection may send
	// (default 50).
	MaxMessagesPerConn int
	// RatePerMinute is how many mails one remote address may send a
	// minute (default 60).
	RatePerMinute int
	// Reply sends the sender a mail when each document of its mail has
	// been processed (off by default). Only to a sender whose envelope
	// address (MAIL FROM) is in the domain of the account's own
	// notification address, so a scanner cannot make the box write to
	// anyone else; never to automatic mail (Auto-Submitted, Precedence
	// bulk/list/junk, the null sender), never for receipts-service users.
	Reply bool
	// RepliesPerHour bounds the mails per account an hour that get replies
	// (default 20); each such mail gets one reply for each of its first
	// ten documents.
	RepliesPerHour int
	// MaxConns is how many connections are served at once (default 32).
	MaxConns int
	// Timeout for each read and write on a connection (default 2 minutes).
	Timeout time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
}

func (c SMTPConfig) withDefaults() SMTPConfig {
	if c.Domain == "" {
		c.Domain = "tillroll.local"
	}
	if c.MaxMessage <= 0 {
		c.MaxMessage = 64 << 20
	}
	if c.MaxRecipients <= 0 {
		c.MaxRecipients = 10
	}
	if c.MaxMessagesPerConn <= 0 {
		c.MaxMessagesPerConn = 50
	}
	if c.RatePerMinute <= 0 {
		c.RatePerMinute = 60
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 32
	}
	if c.RepliesPerHour <= 0 {
		c.RepliesPerHour = 20
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Address is the account's intake address on this domain.
func Address(st *store.Store, username, domain string) string {
	if domain == "" {
		domain = "tillroll.local"
	}
	return st.IntakeLocal(username) + "@" + domain
}

// SMTPServer is the mail server scanners and suppliers send documents to.
type SMTPServer struct {
	t       *Taker
	cfg     SMTPConfig
	rate    *rateLimit
	replies *replyLimit
}

// NewSMTPServer makes the mail server.
func NewSMTPServer(t *Taker, cfg SMTPConfig) *SMTPServer {
	cfg = cfg.withDefaults()
	return &SMTPServer{t: t, cfg: cfg, rate: &rateLimit{per: cfg.RatePerMinute, now: cfg.Now, seen: map[netip.Addr]*window{}},
		replies: &replyLimit{per: cfg.RepliesPerHour, now: cfg.Now, seen: map[string]*window{}}}
}

// Serve answers SMTP on ln until ctx ends; then it stops taking new
// connections and waits (up to ten seconds) for the ones in progress, so a
// mail being committed is answered.
func (s *SMTPServer) Serve(ctx context.Context, ln net.Listener) error {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = s.cfg.Domain
	srv.TLSConfig = s.cfg.TLS
	srv.MaxMessageBytes = s.cfg.MaxMessage
	srv.MaxRecipients = s.cfg.MaxRecipients
	srv.ReadTimeout = s.cfg.Timeout
	srv.WriteTimeout = s.cfg.Timeout
	srv.ErrorLog = slogPrinter{s.cfg.Logger}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(newLimitListener(ln, s.cfg.MaxConns)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("smtp: %w", err)
	case <-ctx.Done():
	}
	// Closed here too: Shutdown only closes the listeners Serve has
	// registered, and Serve may not have started yet.
	_ = ln.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("smtp: %w", err)
	}
	return nil
}

func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	sess := &session{s: s, conn: c}
	if tcp, ok := c.Conn().RemoteAddr().(*net.TCPAddr); ok {
		sess.ip = tcp.AddrPort().Addr().Unmap()
		for _, p := range s.cfg.Allow {
			if p.Contains(sess.ip) {
				sess.allowed = true
			}
		}
	}
	return sess, nil
}

// session is one SMTP connection.
type session struct {
	s       *SMTPServer
	conn    *smtp.Conn
	ip      netip.Addr
	allowed bool   // from a network the admin listed
	user    string // account logged in with AUTH
	rsUser  string // or the receipts-service user logged in with AUTH
	mails   int
	from    string
	targets []store.IntakeTarget
}

func smtpErr(code int, enh smtp.EnhancedCode, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (x *session) Auth(mech string) (sasl.Server, error) {
	// An account's API password, else a receipts-service user's password
	// (the same name may be both: the account is tried first).
	check := func(user, pass string) error {
		name := strings.ToLower(user)
		if a, err := x.s.t.st.CheckPassword(name, pass); err == nil {
			x.user = a.Username
			return nil
		}
		if u, err := x.s.t.st.CheckUserPassword(name, pass); err == nil {
			x.rsUser = u.Name
			return nil
		}
		x.s.cfg.Logger.Info("smtp auth refused", "remote", x.ip, "user", user)
		return smtp.ErrAuthFailed
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return smtp.ErrAuthFailed
			}
			return check(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.user == "" && x.rsUser == "" && !x.allowed {
		return smtpErr(530, smtp.EnhancedCode{5, 7, 0}, "Authentication required: log in (AUTH PLAIN or LOGIN after STARTTLS) with the account's username and password, or send from a network the admin allows (--smtp-allow)")
	}
	if x.mails >= x.s.cfg.MaxMessagesPerConn {
		return smtpErr(421, smtp.EnhancedCode{4, 7, 0}, fmt.Sprintf("At most %d messages per connection: connect again", x.s.cfg.MaxMessagesPerConn))
	}
	if !x.s.rate.allow(x.ip) {
		return smtpErr(450, smtp.EnhancedCode{4, 7, 1}, fmt.Sprintf("More than %d messages a minute from %s: try again later", x.s.cfg.RatePerMinute, x.ip))
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	local := to
	if i := strings.LastIndex(to, "@"); i >= 0 {
		local = to[:i]
	}
	target, err := x.s.t.st.IntakeTarget(local)
	if errors.Is(err, store.ErrNotFound) {
		return smtpErr(550, smtp.EnhancedCode{5, 1, 1}, fmt.Sprintf("No such intake address <%s>: each account's and user's address (name+token@...) is on the web app's account page and printed by `tillroll account show` or `tillroll user show`", to))
	}
	if err != nil {
		x.s.cfg.Logger.Error("smtp recipient lookup", "err", err)
		return smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "Cannot look up the recipient now: try again later")
	}
	// One identity has both addresses (its documents', its receipts'):
	// logged in with either password, it may send to both.
	own := (x.user != "" && x.user == target.Name()) || (x.rsUser != "" && x.rsUser == target.Name())
	if (x.user != "" || x.rsUser != "") && !own && !x.allowed {
		return smtpErr(550, smtp.EnhancedCode{5, 7, 1}, fmt.Sprintf("Logged in as %s: <%s> belongs to someone else", x.user+x.rsUser, to))
	}
	for _, have := range x.targets {
		if have == target {
			return nil
		}
	}
	x.targets = append(x.targets, target)
	return nil
}

// Data answers 250 only once every document of the mail is fsynced and
// committed for every recipient; any failure before that is a 4xx, so the
// sender tries again (and a mail already committed for one recipient is
// recognised by its mark, not read twice).
func (x *session) Data(r io.Reader) error {
	x.mails++
	m, err := x.s.t.Spool(r, 0) // go-smtp enforces MaxMessageBytes
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se
		}
		if errors.Is(err, smtp.ErrTooLongLine) {
			// The same bytes sent again would fail again: refuse for good.
			return smtpErr(500, smtp.EnhancedCode{5, 5, 2}, "A line of the message is too long (RFC 5321 allows 1000 bytes): the sender must wrap it, as base64 and quoted-printable do")
		}
		x.s.cfg.Logger.Error("smtp spool", "err", err)
		return smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "Cannot store the message now: try again later")
	}
	defer m.Close()
	for _, to := range x.targets {
		acct := to.Name()
		res, err := x.s.t.takeMail(to, "smtp", m, func() string { return x.replyTo(to) })
		if IsRefusal(err) {
			x.s.cfg.Logger.Info("smtp message refused", "remote", x.ip, "account", acct, "reason", err)
			return smtpErr(554, smtp.EnhancedCode{5, 6, 0}, "Message refused: "+err.Error())
		}
		if errors.Is(err, store.ErrQuota) {
			x.s.cfg.Logger.Info("smtp message refused: storage quota", "remote", x.ip, "account", acct, "err", err)
			return smtpErr(552, smtp.EnhancedCode{5, 2, 2}, "The account's storage quota is used up")
		}
		if err != nil {
			x.s.cfg.Logger.Error("smtp message not stored", "remote", x.ip, "account", acct, "err", err)
			return smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "Cannot store the message now: try again later")
		}
		x.s.cfg.Logger.Info("smtp message taken in", "remote", x.ip, "from", x.from, "account", acct, "documents", len(res.Documents), "receipts", len(res.Receipts), "duplicate", res.Duplicate, "message_id", res.MessageID)
	}
	return nil
}

func (x *session) Reset() { x.from, x.targets = "", nil }

// replyTo is the address a reply for this mail may go to, "" for none:
// replies on, an account (not a receipts user), an envelope sender in the
// domain of the account's own notification address, and the account
// within its replies an hour (counted here, so the taker asks only for a
// mail that is not automatic).
func (x *session) replyTo(to store.IntakeTarget) string {
	if !x.s.cfg.Reply || to.Account == "" {
		return ""
	}
	from, err := mail.ParseAddress(x.from)
	if err != nil {
		return ""
	}
	a, err := x.s.t.st.Account(to.Account)
	if err != nil || a.Email == "" || !strings.EqualFold(domainOf(from.Address), domainOf(a.Email)) {
		return ""
	}
	if !x.s.replies.allow(to.Account) {
		x.s.cfg.Logger.Info("smtp reply skipped: limit reached", "account", to.Account, "per_hour", x.s.cfg.RepliesPerHour)
		return ""
	}
	return from.Address
}

// domainOf is the part after the last @, "" when there is none.
func domainOf(addr string) string {
	i := strings.LastIndex(addr, "@")
	if i < 0 || i == len(addr)-1 {
		return ""
	}
	return addr[i+1:]
}

// replyLimit counts replied mails per account in one-hour windows.
type replyLimit struct {
	mu   sync.Mutex
	per  int
	now  func() time.Time
	seen map[string]*window
}

func (r *replyLimit) allow(account string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	w := r.seen[account]
	if w == nil || now.Sub(w.start) >= time.Hour {
		w = &window{start: now}
		r.seen[account] = w
	}
	if w.n >= r.per {
		return false
	}
	w.n++
	return true
}

func (x *session) Logout() error { return nil }

// loginServer is the server side of SASL LOGIN (the obsolete mechanism
// many scanners still use): username and password asked for in turn.
type loginServer struct {
	check func(user, pass string) error
	user  string
	step  int
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if len(response) > 0 {
			l.user = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user = string(response)
		l.step++
		return []byte("Password:"), false, nil
	case 2:
		l.step++
		return nil, true, l.check(l.user, string(response))
	}
	return nil, false, errors.New("unexpected response")
}

// rateLimit counts mails per remote address in one-minute windows.
type rateLimit struct {
	mu   sync.Mutex
	per  int
	now  func() time.Time
	seen map[netip.Addr]*window
}

type window struct {
	start time.Time
	n     int
}

func (r *rateLimit) allow(ip netip.Addr) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if len(r.seen) > 10000 {
		for k, w := range r.seen {
			if now.Sub(w.start) >= time.Minute {
				delete(r.seen, k)
			}
		}
	}
	w := r.seen[ip]
	if w == nil || now.Sub(w.start) >= time.Minute {
		w = &window{start: now}
		r.seen[ip] = w
	}
	w.n++
	return w.n <= r.per
}

// limitListener serves at most n connections at once; Accept waits for a
// free slot.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func newLimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n)}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// slogPrinter hands go-smtp's log lines to slog.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.log.Warn("smtp", "msg", fmt.Sprintf(format, v...))
}

func (p slogPrinter) Println(v ...any) { p.log.Warn("smtp", "msg", fmt.Sprint(v...)) }
