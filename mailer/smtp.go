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
	cfg SMTPConfig
	opt Options
	s   *sender
}

// NewMailer returns a Mailer over the outbox; Run starts it.
func NewMailer(outbox Outbox, cfg SMTPConfig, opt Options) *Mailer {
	m := &Mailer{cfg: cfg, opt: opt.withDefaults()}
	m.s = newSender(store.KindMail, outbox, m.send, m.opt)
	return m
}

// Kick wakes the mailer to look at the outbox now. It never blocks.
func (m *Mailer) Kick() { m.s.Kick() }

// Run sends mail until ctx ends, then returns nil. With no relay set it
// sends nothing: the mail waits in the outbox. A From or Addr that cannot
// work is an error at once.
func (m *Mailer) Run(ctx context.Context) error {
	if m.cfg.Addr == "" {
		m.opt.Logger.Info("no SMTP relay set: mail waits in the outbox")
		<-ctx.Done()
		return nil
	}
	if _, _, err := net.SplitHostPort(m.cfg.Addr); err != nil {
		return fmt.Errorf("SMTP relay address %q: %w", m.cfg.Addr, err)
	}
	if _, err := mail.ParseAddress(m.cfg.From); err != nil {
		return fmt.Errorf("SMTP sender %q: %w", m.cfg.From, err)
	}
	return m.s.run(ctx)
}

// send delivers one message: connect, maybe TLS and AUTH, then one
// transaction. The message is delivered once the relay accepts the data.
func (m *Mailer) send(ctx context.Context, msg store.Message) error {
	from, err := mail.ParseAddress(m.cfg.From)
	if err != nil {
		return fmt.Errorf("sender %q: %w", m.cfg.From, err)
	}
	to, err := mail.ParseAddress(msg.To)
	if err != nil {
		return fmt.Errorf("recipient %q: %w", msg.To, err)
	}
	data := m.compose(msg, from, to)

	c, err := m.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()

	if m.cfg.User != "" {
		if err := m.auth(c); err != nil {
			return err
		}
	}
	// SendMail is MAIL FROM (with SMTPUTF8 when an address needs it), RCPT
	// TO and DATA on this connection.
	if err := c.SendMail(from.Address, []string{to.Address}, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("SMTP relay %s: %w", m.cfg.Addr, err)
	}
	if err := c.Quit(); err != nil {
		// The relay has taken the message; a failed goodbye changes nothing.
		m.opt.Logger.Debug("SMTP QUIT", "id", msg.ID, "err", err)
	}
	return nil
}

// connect opens a session with the relay: implicit TLS on port 465,
// otherwise plain with STARTTLS when the relay offers it. go-smtp can only
// start TLS as a session's first step, so a relay that offers it is dialled
// twice: once to read its extensions, once to start TLS.
func (m *Mailer) connect(ctx context.Context) (*smtp.Client, error) {
	host, port, err := net.SplitHostPort(m.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("SMTP relay address %q: %w", m.cfg.Addr, err)
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if m.cfg.TLSConfig != nil {
		tlsConfig = m.cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	if port == "465" {
		conn, err := m.dial(ctx, tlsConfig)
		if err != nil {
			return nil, err
		}
		return m.hello(smtp.NewClient(conn))
	}

	conn, err := m.dial(ctx, nil)
	if err != nil {
		return nil, err
	}
	c, err := m.hello(smtp.NewClient(conn))
	if err != nil {
		return nil, err
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return c, nil
	}
	if err := c.Quit(); err != nil {
		_ = c.Close()
	}
	if conn, err = m.dial(ctx, nil); err != nil {
		return nil, err
	}
	if c, err = smtp.NewClientStartTLS(conn, tlsConfig); err != nil {
		return nil, fmt.Errorf("SMTP relay %s: STARTTLS: %w", m.cfg.Addr, err)
	}
	return m.hello(c)
}

// dial connects to the relay, over TLS when tlsConfig is set. The
// connection closes when ctx ends, so shutdown or a hung relay never holds
// the sender for long.
func (m *Mailer) dial(ctx context.Context, tlsConfig *tls.Config) (net.Conn, error) {
	d := &net.Dialer{Timeout: dialTimeout}
	raw, err := d.DialContext(ctx, "tcp", m.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("SMTP relay %s: %w", m.cfg.Addr, err)
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
		return nil, fmt.Errorf("SMTP relay %s: TLS: %w", m.cfg.Addr, err)
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
func (m *Mailer) hello(c *smtp.Client) (*smtp.Client, error) {
	c.CommandTimeout = commandTimeout
	c.SubmissionTimeout = dataTimeout
	if err := c.Hello("localhost"); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("SMTP relay %s: greeting: %w", m.cfg.Addr, err)
	}
	return c, nil
}

// auth logs in with AUTH PLAIN, over TLS or to a relay on this host only.
func (m *Mailer) auth(c *smtp.Client) error {
	_, tlsOn := c.TLSConnectionState()
	if !tlsOn && !loopback(m.cfg.Addr) {
		return fmt.Errorf("SMTP relay %s: %w", m.cfg.Addr, ErrClearAuth)
	}
	if !c.SupportsAuth(sasl.Plain) {
		return fmt.Errorf("SMTP relay %s does not offer AUTH PLAIN", m.cfg.Addr)
	}
	if err := c.Auth(sasl.NewPlainClient("", m.cfg.User, m.cfg.Password)); err != nil {
		return fmt.Errorf("SMTP relay %s: AUTH as %q: %w", m.cfg.Addr, m.cfg.User, err)
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
func (m *Mailer) compose(msg store.Message, from, to *mail.Address) []byte {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name + ": " + value + "\r\n")
	}
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	header("Date", m.opt.Now().Format(time.RFC1123Z))
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
