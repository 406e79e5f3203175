package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"tillroll/intake"
	"tillroll/store"
	"tillroll/web"
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
	smtpReply      bool
	smtpReplyLimit int
	smtpLn         net.Listener // tests hand one in instead of smtpListen
	watch          watchFlag
	watchInterval  time.Duration
	watchSettle    time.Duration
	watchDelete    bool
	imapConfig     string
	pages          *web.IntakePages // the admin's intake page, made by start
}

// imapMailbox is one entry of the --imap-config file.
type imapMailbox struct {
	Account      string `json:"account"`
	Host         string `json:"host"`
	Port         int    `json:"port"`
	Security     string `json:"security"` // tls (default), starttls, none
	User         string `json:"user"`
	Password     string `json:"password"`
	PasswordFile string `json:"password_file"`
	Folder       string `json:"folder"`
	After        string `json:"after"`    // seen (default), move:FOLDER, delete
	Interval     string `json:"interval"` // Go duration, default 1m
}

// readIMAPConfig reads the mailboxes Tillroll pulls from: a JSON list,
// passwords in it or (better) each in a file of its own.
func readIMAPConfig(path string) ([]intake.IMAPConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--imap-config: %w", err)
	}
	var list []imapMailbox
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("%w: --imap-config %s: %w", errUsage, path, err)
	}
	var out []intake.IMAPConfig
	for i, m := range list {
		if m.Port == 0 {
			m.Port = 993
			if m.Security == "starttls" || m.Security == "none" {
				m.Port = 143
			}
		}
		pass := m.Password
		if m.PasswordFile != "" {
			b, err := os.ReadFile(m.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("--imap-config mailbox %d: %w", i+1, err)
			}
			pass = strings.TrimRight(string(b), "\r\n")
		}
		var every time.Duration
		if m.Interval != "" {
			if every, err = time.ParseDuration(m.Interval); err != nil || every < time.Second {
				return nil, fmt.Errorf("%w: --imap-config mailbox %d: interval %q", errUsage, i+1, m.Interval)
			}
		}
		c := intake.IMAPConfig{
			Account: m.Account, Addr: net.JoinHostPort(m.Host, strconv.Itoa(m.Port)), Security: m.Security,
			User: m.User, Password: pass, Folder: m.Folder, After: m.After, Interval: every,
		}
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("%w: --imap-config mailbox %d: %w", errUsage, i+1, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// watchFlag is --watch DIR=ACCOUNT, repeatable; one value may also list
// several, comma-separated (as TILLROLL_WATCH does).
type watchFlag []intake.WatchConfig

func (f *watchFlag) String() string {
	var parts []string
	for _, w := range *f {
		parts = append(parts, w.Dir+"="+w.Account)
	}
	return strings.Join(parts, ",")
}

func (f *watchFlag) Set(v string) error {
	for _, one := range splitList(v) {
		i := strings.LastIndex(one, "=")
		if i <= 0 || i == len(one)-1 {
			return fmt.Errorf("--watch wants DIR=ACCOUNT, got %q", one)
		}
		*f = append(*f, intake.WatchConfig{Dir: one[:i], Account: one[i+1:]})
	}
	return nil
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
	fs.BoolVar(&c.smtpReply, "smtp-reply", false, "reply to the sender when each document of its mail is processed (only to senders in the domain of the account's email address)")
	fs.IntVar(&c.smtpReplyLimit, "smtp-reply-limit", 20, "mails an hour per account that get replies")
	fs.Var(&c.watch, "watch", "DIR=ACCOUNT: take in the files a scanner puts in DIR (and its subfolders) as documents of ACCOUNT; repeatable")
	fs.DurationVar(&c.watchInterval, "watch-interval", 10*time.Second, "how often watch folders are scanned in full (change notifications start a scan sooner)")
	fs.DurationVar(&c.watchSettle, "watch-settle", 5*time.Second, "how long a watched file's size and time must stay unchanged before it is taken")
	fs.BoolVar(&c.watchDelete, "watch-delete", false, "delete taken files instead of moving them to DIR/.tillroll/done")
	fs.StringVar(&c.imapConfig, "imap-config", "", "JSON file listing IMAP mailboxes to pull documents from (see README)")
}

// address gives an account's intake address for the web app's account
// page; nil when the mail server is off.
func (c *intakeConfig) address(st *store.Store) func(string) string {
	if c.smtpListen == "" && c.smtpLn == nil {
		return nil
	}
	return func(username string) string { return intake.Address(st, username, c.smtpDomain) }
}

// userAddress gives a receipts-service user's intake address, whose mail
// becomes the user's receipts; nil when the mail server is off.
func (c *intakeConfig) userAddress(st *store.Store) func(string) string {
	if c.smtpListen == "" && c.smtpLn == nil {
		return nil
	}
	return func(name string) string { return st.UserIntakeLocal(name) + "@" + c.smtpDomain }
}

// start opens what the flags ask for and returns the parts to run until
// the background context ends.
func (c *intakeConfig) start(st *store.Store, queue intake.Kicker, maxUpload int64, log *slog.Logger, stdout io.Writer) ([]func(context.Context) error, error) {
	var parts []func(context.Context) error
	taker := intake.NewTaker(st, queue, intake.Limits{MaxFile: maxUpload}, log.With("component", "intake"))
	var static []intake.WatchConfig
	var dirs []string
	for _, w := range c.watch {
		if _, err := st.Account(w.Account); err != nil {
			return nil, fmt.Errorf("--watch %s=%s: %w", w.Dir, w.Account, err)
		}
		abs, err := filepath.Abs(w.Dir)
		if err != nil {
			return nil, fmt.Errorf("--watch %s: %w", w.Dir, err)
		}
		if w.Dir, err = intake.CheckWatchDir(abs, st.Dir(), dirs); err != nil {
			return nil, fmt.Errorf("%w: --watch: %w", errUsage, err)
		}
		dirs = append(dirs, w.Dir)
		w.Interval, w.Settle, w.Delete = c.watchInterval, c.watchSettle, c.watchDelete
		static = append(static, w)
		fmt.Fprintf(stdout, "Watching %s for documents of %s\n", w.Dir, w.Account)
	}
	// The manager also runs the folders admins add on /admin/intake.
	watches := intake.NewWatchManager(taker, st.Dir(), static, intake.WatchConfig{Interval: c.watchInterval, Settle: c.watchSettle, Delete: c.watchDelete})
	parts = append(parts, watches.Run)
	var boxes []intake.IMAPConfig
	if c.imapConfig != "" {
		var err error
		if boxes, err = readIMAPConfig(c.imapConfig); err != nil {
			return nil, err
		}
		for _, b := range boxes {
			if _, err := st.Account(b.Account); err != nil {
				return nil, fmt.Errorf("--imap-config %s: %w", b.Name(), err)
			}
			fmt.Fprintf(stdout, "Pulling mail from %s for %s\n", b.Name(), b.Account)
		}
	}
	// The manager also runs the mailboxes admins add on /admin/intake.
	imaps := intake.NewIMAPManager(taker, boxes)
	parts = append(parts, imaps.Run)
	c.pages = &web.IntakePages{
		Mailboxes: st, Kick: imaps.Kick, Domain: c.smtpDomain, Allow: splitList(c.smtpAllow),
		Statuses: func() []web.IntakeStatus {
			var out []web.IntakeStatus
			for _, m := range imaps.Statuses() {
				out = append(out, web.IntakeStatus{ID: m.ID, Account: m.Account, Name: m.Name, After: m.After,
					LastSuccess: m.LastSuccess, LastError: m.LastError, Taken: m.Taken})
			}
			sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
			return out
		},
	}
	c.pages.Watches = &watchPages{m: watches}
	ln := c.smtpLn // opened last: nothing after it can fail but its own settings
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
			Reply: c.smtpReply, RepliesPerHour: c.smtpReplyLimit,
			Logger: log.With("component", "smtpd"),
		})
		c.pages.SMTP = ln.Addr().String()
		if c.smtpReply {
			c.pages.Replies = fmt.Sprintf("on, for senders in the domain of the account's email address, at most %d mails an hour per account", c.smtpReplyLimit)
		}
		fmt.Fprintf(stdout, "Mail server for scanners: %s (intake addresses: tillroll account show NAME)\n", ln.Addr())
		parts = append(parts, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	}
	return parts, nil
}

// watchPages hands the intake page the watch folders (intake.WatchManager).
type watchPages struct{ m *intake.WatchManager }

func (p *watchPages) List() ([]web.WatchFolder, error) {
	list, err := p.m.List()
	var out []web.WatchFolder
	for _, e := range list {
		out = append(out, web.WatchFolder{ID: e.ID, Dir: e.Dir, Account: e.Account, Delete: e.Delete,
			Settle: e.Settle, Interval: e.Interval, Problem: e.Problem})
	}
	return out, err
}

func (p *watchPages) Add(f store.WatchFolder) error {
	_, err := p.m.Add(f)
	return err
}

func (p *watchPages) Remove(id uint64) error { return p.m.Remove(id) }
