package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"tillroll/store"
)

// ErrClearAuth is the error of an attempt that would have sent the SMTP
// password unencrypted to a relay that is not on this host.
var ErrClearAuth = errors.New("refusing to send the SMTP password in clear to a remote relay (it offers no STARTTLS; use port 465 or a relay with TLS)")

// SMTPConfig is the relay the mail goes through.
type SMTPConfig struct {
	// Addr is the relay's host:port; "" keeps mail waiting in the outbox.
	// Port 465 is implicit TLS; on any other port STARTTLS is used when
	// the relay offers it.
	Addr string
	// From is the sender, as in "tillroll@example.com" or
	// "Tillroll <tillroll@example.com>".
	From string
	// User and Password log in with AUTH PLAIN when User is set, only over
	// TLS or to a relay on this host.
	User, Password string
	// TLSConfig, if set, is the base of the TLS settings, for a relay with
	// a private CA (RootCAs) say; nil means the system's roots. ServerName
	// defaults to Addr's host.
	TLSConfig *tls.Config
}

const (
	dialTimeout    = 30 * time.Second
	commandTimeout = time.Minute
	// dataTimeout is the wait for the relay's answer to the whole message.
	dataTimeout = 5 * time.Minute
)

// Mailer sends the mail of the outbox through an SMTP relay.
type Mailer struct {
	config func() (SMTPConfig, error)
	opt    Options
	s      *sender
	// idle is the sender loop's own note that no relay was set at its
	// last look, so that it says so once, not at every poll.
	idle bool
}

// NewMailer returns a Mailer over the outbox with fixed relay settings;
// Run starts it.
func NewMailer(outbox Outbox, cfg SMTPConfig, opt Options) *Mailer {
	return NewMailerFunc(outbox, func() (SMTPConfig, error) { return cfg, nil }, opt)
}

// NewMailerFunc returns a Mailer over the outbox that asks config for the
// relay settings before each batch of mail and each test mail, so changed
// settings apply without a restart (Kick to apply them at once). config is
// called from the sender loop and from Test's callers at the same time.
func NewMailerFunc(outbox Outbox, config func() (SMTPConfig, error), opt Options) *Mailer {
	m := &Mailer{config: config, opt: opt.withDefaults()}
	m.s = newSender(store.KindMail, outbox, m.begin, m.opt)
	return m
}

// Kick wakes the mailer to look at the outbox (and the settings) now. It
// never blocks.
func (m *Mailer) Kick() { m.s.Kick() }

// Run sends mail until ctx ends, then returns nil. With no relay set it
// sends nothing: the mail waits in the outbox until one is. Settings that
// cannot work when Run starts are an error at once; settings that stop
// working later are logged at each look.
func (m *Mailer) Run(ctx context.Context) error {
	cfg, err := m.config()
	if err != nil {
		return fmt.Errorf("SMTP settings: %w", err)
	}
	if cfg.Addr != "" {
		if err := checkConfig(cfg); err != nil {
			return err
		}
	}
	return m.s.run(ctx)
}

// ErrNoRelay is Test's error when no relay is set.
var ErrNoRelay = errors.New("no SMTP relay is set")

// checkConfig checks what can be checked without the relay.
func checkConfig(cfg SMTPConfig) error {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return fmt.Errorf("SMTP relay address %q: %w", cfg.Addr, err)
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil {
		return fmt.Errorf("SMTP sender %q: %w", cfg.From, err)
	}
	return nil
}

// begin reads the settings before a batch of mail: the batch goes through
// the relay they name, or, with none set, waits (nil deliver).
func (m *Mailer) begin() (deliverFunc, error) {
	cfg, err := m.config()
	if err != nil {
		return nil, fmt.Errorf("SMTP settings: %w", err)
	}
	if cfg.Addr == "" {
		if !m.idle {
			m.opt.Logger.Info("no SMTP relay set: mail waits in the outbox")
			m.idle = true
		}
		return nil, nil
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	if m.idle {
		m.opt.Logger.Info("SMTP relay set: sending the waiting mail", "relay", cfg.Addr)
		m.idle = false
	}
	r := &relay{cfg: cfg, opt: m.opt}
	// The error goes into the outbox (shown on the admin's page) and the log.
	return func(ctx context.Context, msg store.Message) error { return redact(r.send(ctx, msg), cfg.Password) }, nil
}

// TestSubject is the subject of the admin's test mail.
const TestSubject = "Tillroll - test mail"

// Test sends a test mail to the address now, through the current
// settings, outside the outbox; the error says what the relay answered.
// The SMTP password is never part of the error.
func (m *Mailer) Test(ctx context.Context, to string) error {
	cfg, err := m.config()
	if err != nil {
		return fmt.Errorf("SMTP settings: %w", err)
	}
	if cfg.Addr == "" {
		return ErrNoRelay
	}
	if err := checkConfig(cfg); err != nil {
		return redact(err, cfg.Password)
	}
	now := m.opt.Now()
	msg := store.Message{
		Kind:           store.KindMail,
		IdempotencyKey: fmt.Sprintf("test-%d", now.UnixNano()),
		To:             to,
		Subject:        TestSubject,
		Body: "This is a test mail from Tillroll, sent " + now.Format(time.RFC1123Z) + ".\n\n" +
			"It went through the SMTP relay " + cfg.Addr + ": notification mail will go the same way.\n",
	}
	return redact((&relay{cfg: cfg, opt: m.opt}).send(ctx, msg), cfg.Password)
}

// redact keeps the password out of an error's text (a relay may echo what
// it was sent); errors.Is still sees the original.
func redact(err error, password string) error {
	if err == nil || password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return &redacted{err: err, text: strings.ReplaceAll(err.Error(), password, "[password]")}
}

type redacted struct {
	err  error
	text string
}

func (r *redacted) Error() string { return r.text }
func (r *redacted) Unwrap() error { return r.err }

// relay is one batch's (or one test's) view of the relay settings.
type relay struct {
	cfg SMTPConfig
	opt Options
}

// send delivers one message: connect, maybe TLS and AUTH, then one
// transaction. The message is delivered once the relay accepts the data.
func (r *relay) send(ctx context.Context, msg store.Message) error {
	from, err := mail.ParseAddress(r.cfg.From)
	if err != nil {
		return fmt.Errorf("sender %q: %w", r.cfg.From, err)
	}
	to, err := mail.ParseAddress(msg.To)
	if err != nil {
		return fmt.Errorf("recipient %q: %w", msg.To, err)
	}
	data := r.compose(msg, from, to)

	c, err := r.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()

	if r.cfg.User != "" {
		if err := r.auth(c); err != nil {
			return err
		}
	}
	// SendMail is MAIL FROM (with SMTPUTF8 when an address needs it), RCPT
	// TO and DATA on this connection.
	if err := c.SendMail(from.Address, []string{to.Address}, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("SMTP relay %s: %w", r.cfg.Addr, err)
	}
	if err := c.Quit(); err != nil {
		// The relay has taken the message; a failed goodbye changes nothing.
		r.opt.Logger.Debug("SMTP QUIT", "id", msg.ID, "err", err)
	}
	return nil
}

// connect opens a session with the relay: implicit TLS on port 465,
// otherwise plain with STARTTLS when the relay offers it. go-smtp can only
// start TLS as a session's first step, so a relay that offers it is dialled
// twice: once to read its extensions, once to start TLS.
func (r *relay) connect(ctx context.Context) (*smtp.Client, error) {
	host, port, err := net.SplitHostPort(r.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("SMTP relay address %q: %w", r.cfg.Addr, err)
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if r.cfg.TLSConfig != nil {
		tlsConfig = r.cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	if port == "465" {
		conn, err := r.dial(ctx, tlsConfig)
		if err != nil {
			return nil, err
		}
		return r.hello(smtp.NewClient(conn))
	}

	conn, err := r.dial(ctx, nil)
	if err != nil {
		return nil, err
	}
	c, err := r.hello(smtp.NewClient(conn))
	if err != nil {
		return nil, err
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return c, nil
	}
	if err := c.Quit(); err != nil {
		_ = c.Close()
	}
	if conn, err = r.dial(ctx, nil); err != nil {
		return nil, err
	}
	if c, err = smtp.NewClientStartTLS(conn, tlsConfig); err != nil {
		return nil, fmt.Errorf("SMTP relay %s: STARTTLS: %w", r.cfg.Addr, err)
	}
	return r.hello(c)
}

// dial connects to the relay, over TLS when tlsConfig is set. The
// connection closes when ctx ends, so shutdown or a hung relay never holds
// the sender for long.
func (r *relay) dial(ctx context.Context, tlsConfig *tls.Config) (net.Conn, error) {
	d := &net.Dialer{Timeout: dialTimeout}
	raw, err := d.DialContext(ctx, "tcp", r.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("SMTP relay %s: %w", r.cfg.Addr, err)
	}
	conn := &ctxConn{Conn: raw, stop: context.AfterFunc(ctx, func() { _ = raw.Close() })}
	if tlsConfig == nil {
		return conn, nil
	}
	tc := tls.Client(conn, tlsConfig)
	hctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("SMTP relay %s: TLS: %w", r.cfg.Addr, err)
	}
	return tc, nil
}

// ctxConn is a connection closed by its context's end or by Close.
type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// hello sets the client's timeouts and greets the relay, so that a relay
// that does not answer is an error here and not a missing extension later.
func (r *relay) hello(c *smtp.Client) (*smtp.Client, error) {
	c.CommandTimeout = commandTimeout
	c.SubmissionTimeout = dataTimeout
	if err := c.Hello("localhost"); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("SMTP relay %s: greeting: %w", r.cfg.Addr, err)
	}
	return c, nil
}

// auth logs in with AUTH PLAIN, over TLS or to a relay on this host only.
func (r *relay) auth(c *smtp.Client) error {
	_, tlsOn := c.TLSConnectionState()
	if !tlsOn && !loopback(r.cfg.Addr) {
		return fmt.Errorf("SMTP relay %s: %w", r.cfg.Addr, ErrClearAuth)
	}
	if !c.SupportsAuth(sasl.Plain) {
		return fmt.Errorf("SMTP relay %s does not offer AUTH PLAIN", r.cfg.Addr)
	}
	if err := c.Auth(sasl.NewPlainClient("", r.cfg.User, r.cfg.Password)); err != nil {
		return fmt.Errorf("SMTP relay %s: AUTH as %q: %w", r.cfg.Addr, r.cfg.User, err)
	}
	return nil
}

// loopback reports whether addr's host is this host: "localhost" or a
// loopback IP. A name is not resolved: only what the configuration says
// counts, not what a DNS answer says.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// compose writes the message as RFC 5322 text with CRLF line endings: the
// body in quoted-printable UTF-8, so no line is too long and any file name
// survives. The Message-ID comes from the idempotency key, so a repeat is
// recognisably the same message.
func (r *relay) compose(msg store.Message, from, to *mail.Address) []byte {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name + ": " + value + "\r\n")
	}
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	header("Date", r.opt.Now().Format(time.RFC1123Z))
	header("Message-ID", messageID(msg.IdempotencyKey, from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	// Writes to a bytes.Buffer do not fail.
	_, _ = qp.Write([]byte(strings.ReplaceAll(msg.Body, "\r\n", "\n")))
	_ = qp.Close()
	return b.Bytes()
}

// messageID is <key@domain of the sender>, keeping only the characters a
// Message-ID may hold.
func messageID(key, from string) string {
	domain := "tillroll.localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_+=", r)) {
				return r
			}
			return -1
		}, s)
	}
	return "<" + clean(key) + "@" + clean(domain) + ">"
}
