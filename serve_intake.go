package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"

	"tillroll/intake"
	"tillroll/store"
)

// intakeConfig holds the serve flags of the intakes that need no PC: the
// mail server, watch folders and IMAP mailboxes (package intake).
type intakeConfig struct {
	smtpListen     string
	smtpDomain     string
	smtpAllow      string
	smtpCert       string
	smtpKey        string
	smtpMaxMessage int64
	smtpMaxRcpt    int
	smtpMaxPerConn int
	smtpRatePerMin int
	smtpLn         net.Listener // tests hand one in instead of smtpListen
}

func (c *intakeConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.smtpListen, "smtp-listen", "", "address the built-in mail server for scanners listens on, e.g. :2525 (off when empty)")
	fs.StringVar(&c.smtpDomain, "smtp-domain", "tillroll.local", "mail domain of the intake addresses (name+token@DOMAIN)")
	fs.StringVar(&c.smtpAllow, "smtp-allow", "", "comma-separated networks (CIDR) whose hosts may send to the mail server without logging in, e.g. 192.168.1.0/24")
	fs.StringVar(&c.smtpCert, "smtp-cert", "", "PEM certificate for the mail server's STARTTLS (default: a self-signed one made in the data directory)")
	fs.StringVar(&c.smtpKey, "smtp-key", "", "PEM private key of --smtp-cert")
	fs.Int64Var(&c.smtpMaxMessage, "smtp-max-message", 64<<20, "largest mail the mail server takes, in bytes (each attachment also within --max-upload)")
	fs.IntVar(&c.smtpMaxRcpt, "smtp-max-recipients", 10, "recipients per mail")
	fs.IntVar(&c.smtpMaxPerConn, "smtp-max-per-connection", 50, "mails per connection")
	fs.IntVar(&c.smtpRatePerMin, "smtp-rate", 60, "mails a minute from one address")
}

// address gives an account's intake address for the web app's account
// page; nil when the mail server is off.
func (c *intakeConfig) address(st *store.Store) func(string) string {
	if c.smtpListen == "" && c.smtpLn == nil {
		return nil
	}
	return func(username string) string { return intake.Address(st, username, c.smtpDomain) }
}

// start opens what the flags ask for and returns the parts to run until
// the background context ends.
func (c *intakeConfig) start(st *store.Store, queue intake.Kicker, maxUpload int64, log *slog.Logger, stdout io.Writer) ([]func(context.Context) error, error) {
	var parts []func(context.Context) error
	taker := intake.NewTaker(st, queue, intake.Limits{MaxFile: maxUpload}, log.With("component", "intake"))
	ln := c.smtpLn
	if ln == nil && c.smtpListen != "" {
		var err error
		if ln, err = net.Listen("tcp", c.smtpListen); err != nil {
			return nil, fmt.Errorf("mail server: listen: %w", err)
		}
	}
	if ln != nil {
		var allow []netip.Prefix
		for _, s := range splitList(c.smtpAllow) {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				_ = ln.Close()
				return nil, fmt.Errorf("%w: --smtp-allow %q is not a network like 192.168.1.0/24", errUsage, s)
			}
			allow = append(allow, p.Masked())
		}
		tlsCfg, err := intake.LoadTLS(st.Dir(), c.smtpCert, c.smtpKey, c.smtpDomain)
		if err != nil {
			_ = ln.Close()
			return nil, fmt.Errorf("mail server: %w", err)
		}
		srv := intake.NewSMTPServer(taker, intake.SMTPConfig{
			Domain: c.smtpDomain, TLS: tlsCfg, Allow: allow,
			MaxMessage: c.smtpMaxMessage, MaxRecipients: c.smtpMaxRcpt, MaxMessagesPerConn: c.smtpMaxPerConn, RatePerMinute: c.smtpRatePerMin,
			Logger: log.With("component", "smtpd"),
		})
		fmt.Fprintf(stdout, "Mail server for scanners: %s (intake addresses: tillroll account show NAME)\n", ln.Addr())
		parts = append(parts, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	}
	return parts, nil
}
