package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"tillroll/mailer"
	"tillroll/ocr"
	"tillroll/pipeline"
	"tillroll/queue"
	"tillroll/receipts/analyzer"
	"tillroll/server"
	"tillroll/store"
	"tillroll/web"
)

type serveConfig struct {
	addr, data                       string
	workers                          int
	maxUpload                        int64
	smtpAddr, smtpFrom               string
	smtpUser, smtpPass, smtpPassFile string
	logJSON                          bool
	receiptLinkHosts                 string
	ticketTTL                        time.Duration
	fetchHosts                       string
	openRegistration                 bool
	datedKeys                        bool
	intake                           intakeConfig
	lang                             string
	reader                           *readerConfig
	workerProcesses                  bool
	noWorkerSandbox                  bool   // --worker-sandbox=false
	jobsDir                          string // where the originals workers read are; "" for data/files
	workerMemory                     int64
	workerTimeout, pageTimeout       time.Duration
	workerJobs                       int
	ocrAttempts                      int
	quota, minFree                   int64
	natsListen                       queue.Listen
	stderr                           io.Writer
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	fs := newFlags("serve", stderr)
	fs.StringVar(&cfg.addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&cfg.data, "data", "data", "data directory (database and stored files)")
	fs.IntVar(&cfg.workers, "workers", runtime.NumCPU(), "OCR workers (each holds one Tesseract engine)")
	fs.Int64Var(&cfg.maxUpload, "max-upload", 25<<20, "largest accepted upload, in bytes")
	fs.StringVar(&cfg.smtpAddr, "smtp-addr", "", "SMTP relay host:port; empty keeps mail waiting in the outbox")
	fs.StringVar(&cfg.smtpFrom, "smtp-from", "tillroll@localhost", "sender address of notification mail")
	fs.StringVar(&cfg.smtpUser, "smtp-user", "", "SMTP user (AUTH PLAIN)")
	fs.StringVar(&cfg.smtpPass, "smtp-password", "", "SMTP password")
	fs.StringVar(&cfg.smtpPassFile, "smtp-password-file", "", "file holding the SMTP password")
	fs.BoolVar(&cfg.logJSON, "log-json", false, "log as JSON lines instead of text")
	fs.StringVar(&cfg.receiptLinkHosts, "receipt-link-hosts", "", "comma-separated hosts that receipt image links may point at besides this server (recorded, never fetched)")
	fs.DurationVar(&cfg.ticketTTL, "ticket-ttl", 24*time.Hour, "how long a receipts-service login ticket lives")
	fs.StringVar(&cfg.fetchHosts, "fetch-hosts", "", "comma-separated hosts a capture submit's url may fetch from; empty fetches none")
	fs.BoolVar(&cfg.openRegistration, "open-registration", false, "serve POST /api/v4/register: anyone who reaches the box can make a capture account")
	fs.BoolVar(&cfg.datedKeys, "dated-keys", false, "give new documents photon keys in Photon's dated form, data/<user>/<yyyy-mm-dd>/<hh-mm-ss-ffffff>_<name>.json (keys given out before stay valid)")
	cfg.intake.flags(fs)
	fs.StringVar(&cfg.lang, "lang", ocr.DefaultLanguages, langUsage)
	cfg.reader = readerFlags(fs)
	fs.BoolVar(&cfg.workerProcesses, "worker-processes", true, "read documents in supervised child processes (false: in the server's own process, which a crashing file takes down)")
	sandbox := fs.Bool("worker-sandbox", true, "let each OCR worker process write only its scratch directory, and read only the originals and the system's files (Landlock), where the kernel can")
	fs.Int64Var(&cfg.workerMemory, "worker-memory", defaultWorkerMemory, "address-space limit of each OCR worker process, in bytes (0: none)")
	fs.DurationVar(&cfg.workerTimeout, "worker-timeout", 2*time.Minute, "wall-clock (and CPU) time one document may take in a worker process")
	fs.DurationVar(&cfg.pageTimeout, "page-timeout", time.Minute, "wall-clock time one page may take in a worker process; a slower page is given up and the document's other pages read (0: no limit but --worker-timeout)")
	fs.IntVar(&cfg.workerJobs, "worker-jobs", 0, "restart a worker process after this many documents (0: never)")
	fs.Int64Var(&cfg.quota, "quota", 0, "storage quota of each account's originals, in bytes, where the account sets none (tillroll account quota); 0: none")
	fs.Int64Var(&cfg.minFree, "min-free", defaultMinFree, "free disk space, in bytes, below which uploads are refused (507) before the disk fills; 0: no floor")
	fs.StringVar(&cfg.natsListen.Addr, "nats-listen", "", "host:port where worker machines join the box's queue (tillroll worker --join); empty: none")
	fs.StringVar(&cfg.natsListen.CertFile, "nats-cert", "", "PEM certificate of --nats-listen (default: a self-signed one in the data directory)")
	fs.StringVar(&cfg.natsListen.KeyFile, "nats-key", "", "PEM private key of --nats-cert")
	fs.IntVar(&cfg.ocrAttempts, "ocr-attempts", 3, "attempts a document gets before it fails (a worker crash or a server stop during its reading counts)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	cfg.noWorkerSandbox = !*sandbox
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, fs.Args())
	}
	if cfg.workers < 1 || cfg.maxUpload < 1 || cfg.workerTimeout <= 0 || cfg.ocrAttempts < 1 || cfg.workerMemory < 0 || cfg.workerJobs < 0 || cfg.pageTimeout < 0 || cfg.quota < 0 || cfg.minFree < 0 {
		return fmt.Errorf("%w: --workers, --max-upload, --worker-timeout and --ocr-attempts must be positive; --worker-memory, --worker-jobs, --page-timeout, --quota and --min-free not negative", errUsage)
	}
	cfg.stderr = stderr
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if cfg.logJSON {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(handler)

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return serve(ctx, cfg, ln, log, stdout)
}

// serve runs Tillroll on ln until ctx ends. Shutdown order: stop HTTP, stop
// the workers and senders and wait for them, close the store last.
func serve(ctx context.Context, cfg serveConfig, ln net.Listener, log *slog.Logger, stdout io.Writer) (err error) {
	langs, detect, err := ocr.ParseLanguages(cfg.lang)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("%w: --lang: %w", errUsage, err)
	}
	st, err := store.Open(cfg.data, store.Options{Quota: cfg.quota, MinFree: cfg.minFree, DatedKeys: cfg.datedKeys})
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()

	// The flags are the defaults; once an admin saves relay settings on
	// /admin/mail, those win, and apply without a restart.
	smtpFlags := mailer.SMTPConfig{Addr: cfg.smtpAddr, From: cfg.smtpFrom, User: cfg.smtpUser, Password: cfg.smtpPass}
	metrics := newMetrics(st)
	setupCode, err := firstRunCode(st)
	if err != nil {
		_ = ln.Close()
		return err
	}
	mail := mailer.NewMailerFunc(st, mailer.SavedOr(st, smtpFlags), mailer.Options{Logger: log.With("component", "mailer"), Attempted: metrics.Attempted})
	hooks := mailer.NewWebhooks(st, st, mailer.Options{Logger: log.With("component", "webhooks"), Attempted: metrics.Attempted})
	an := analyzer.New(st, log.With("component", "receipts"), 0)
	if cfg.reader == nil {
		cfg.reader = &readerConfig{}
	}
	cfg.reader.limits = ocr.DefaultLimits()
	cfg.reader.limits.MaxBytes = cfg.maxUpload
	cfg.reader.langs, cfg.reader.detect = langs, detect
	// Said once: whether documents are read twice where a field depends on it.
	secondOn, secondStatus := secondReaderStatus(*cfg.reader)
	if secondOn {
		log.Info("second reader on", "component", "ocr", "status", secondStatus)
	} else {
		log.Warn("second reader off", "component", "ocr", "status", secondStatus)
	}
	// Said once too: whether the worker processes can write only their
	// scratch space.
	sandboxOn, sandboxStatus := logWorkerSandbox(cfg, log)
	newWorker, err := workerFactory(cfg, log, cfg.stderr)
	if err != nil {
		_ = ln.Close()
		return err
	}
	jobs, err := openQueue(ctx, cfg, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer func() {
		if cerr := jobs.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close queue: %w", cerr)
		}
	}()
	metrics.watchQueue(jobs)
	pool := pipeline.NewPool(st, pipeline.Options{
		Workers:     cfg.workers,
		Dispatch:    dispatch{jobs},
		NewWorker:   newWorker,
		MaxAttempts: cfg.ocrAttempts,
		Notify:      mailer.Notifications,
		Finished: func(d store.Document) {
			jobs.Forget(d.ID)
			mail.Kick()
			hooks.Kick()
			an.DocumentFinished(d)
		},
		Logger:  log.With("component", "ocr"),
		Metrics: metrics,
	})
	if err := pool.Requeue(); err != nil {
		_ = ln.Close()
		return err
	}
	// The bbolt file is the record: what it says is unfinished and the
	// stream does not hold is published again.
	if _, err := jobs.Reconcile(ctx, st); err != nil {
		_ = ln.Close()
		return fmt.Errorf("queue: %w", err)
	}
	// One login checker: the identity service and the web app count failures together.
	intakes, err := cfg.intake.start(st, pool, cfg.maxUpload, log, stdout)
	if err != nil {
		_ = ln.Close()
		return err
	}
	logins := server.NewLogins(st, cfg.ticketTTL, nil)
	srv := server.New(st, pool, server.Config{
		MaxUpload:    cfg.maxUpload,
		Logger:       log.With("component", "http"),
		Metrics:      metrics,
		SecondReader: secondOn, SecondReaderStatus: secondStatus,
		WorkerSandbox: sandboxOn, WorkerSandboxStatus: sandboxStatus,
		Web: web.New(web.Config{
			DataDir: cfg.data, Version: version, QueueDepth: st.QueueDepth, SetupCode: setupCode,
			QueueStats: queueFigures(jobs),
			Store:      st, Logins: logins, Analyzer: an, Queue: pool, MaxUpload: cfg.maxUpload,
			Logger: log.With("component", "web"), IntakeAddress: cfg.intake.address(st), Intake: cfg.intake.pages,
			UserIntakeAddress: cfg.intake.userAddress(st),
			Reader:            "Tesseract; second reader: " + secondStatus,
			Mail: &web.MailPages{Relay: mail, Webhooks: hooks, Flags: web.SMTPFlags{
				Addr: cfg.smtpAddr, From: cfg.smtpFrom, User: cfg.smtpUser, Password: cfg.smtpPass,
			}},
		}).Register,
		FetchHosts: splitList(cfg.fetchHosts),
		Register:   cfg.openRegistration,
		Receipts: &server.ReceiptsConfig{
			Store: st, Analyzer: an, TicketTTL: cfg.ticketTTL, LinkHosts: splitList(cfg.receiptLinkHosts), Logins: logins,
			IntakeAddress: cfg.intake.userAddress(st),
		},
	})
	admin, err := listenAdmin(cfg.data)
	if err != nil {
		_ = ln.Close()
		return err
	}

	// Background work has its own context, ended only after HTTP has stopped.
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	httpCtx, stopHTTP := context.WithCancel(ctx)
	defer stopHTTP()
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
		errs  []error
	)
	goRun := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(bg); err != nil {
				errMu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				errMu.Unlock()
				stopHTTP() // a part that cannot run stops the whole server
			}
		}()
	}
	goRun("queue relay", func(ctx context.Context) error {
		return jobs.Relay(ctx, st, queue.RelayOptions{Describe: describeJob(st), Original: originalPath(st)})
	})
	if jobs.Listening() {
		goRun("worker results", func(ctx context.Context) error { return jobs.ConsumeResults(ctx, applyResult(pool)) })
		goRun("worker list", jobs.WatchWorkers)
	}
	goRun("ocr workers", pool.Run)
	goRun("mailer", mail.Run)
	goRun("webhooks", hooks.Run)
	goRun("receipts analyzer", an.Run)
	for _, run := range intakes {
		goRun("intake", run)
	}

	go func() {
		if err := server.ServeAdmin(httpCtx, admin, st); err != nil {
			log.Error("admin socket", "err", err)
		}
	}()

	fmt.Fprintf(stdout, "Tillroll %s is running: %s\n", version, displayURL(ln.Addr()))
	fmt.Fprintf(stdout, "Data directory: %s (%d OCR workers)\n", absPath(cfg.data), cfg.workers)
	if setupCode != "" {
		fmt.Fprintf(stdout, "No user yet: open %s/ in a browser and make the first admin with the setup code %s (it works once)\n", displayURL(ln.Addr()), setupCode)
	}
	fmt.Fprintf(stdout, "Make an account, in another terminal:\n  ./tillroll account create NAME --email you@example.com --data %s\n", cfg.data)
	if _, saved, err := st.SMTPSettings(); err == nil && !saved && cfg.smtpAddr == "" {
		fmt.Fprintln(stdout, "No SMTP relay set (--smtp-addr, or an admin on /admin/mail): notification mail waits in the outbox until one is.")
	}

	herr := srv.Serve(httpCtx, ln)
	stopBG()
	wg.Wait()
	errs = append(errs, herr)
	return errors.Join(errs...)
}

// defaultMinFree is --min-free's default: room for the database to grow
// and the system to log after uploads stop.
const defaultMinFree = 512 << 20

// listenAdmin opens the admin socket in the data directory: commands such
// as `tillroll account create` go through it while the server holds the
// database. Only users who may write the data directory can reach it.
func listenAdmin(dir string) (net.Listener, error) {
	path := filepath.Join(dir, server.AdminSocket)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale admin socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	return ln, nil
}

func displayURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(tcp.Port)))
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// splitList splits a comma-separated flag value, dropping empty entries.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// firstRunCode is the one-time code of /setup on a box with no user yet
// (web/setup.go); "" once any user exists.
func firstRunCode(st *store.Store) (string, error) {
	has, err := st.HasUsers()
	if err != nil || has {
		return "", err
	}
	code, err := web.NewSetupCode()
	if err != nil {
		return "", fmt.Errorf("setup code: %w", err)
	}
	return code, nil
}
