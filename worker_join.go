package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"tillroll/ocr"
	"tillroll/pipeline"
	"tillroll/queue"
)

// runWorker is `tillroll worker --join nats://box:4222 --creds FILE`: OCR
// workers only, on a machine with no store and no HTTP. Each takes a job
// from the box's queue, fetches the original from the bucket (its digest
// checked), reads it in a supervised worker process as the box's own
// workers do, publishes the result and only then acknowledges the job.
func runWorker(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	fs := newFlags("worker", stderr)
	join := fs.String("join", "", "the box's worker listener, nats://HOST:4222 (default: the url in --creds)")
	credsFile := fs.String("creds", "", "the creds file `tillroll worker-creds create NAME` printed on the box")
	fs.IntVar(&cfg.workers, "workers", runtime.NumCPU(), "OCR workers (each holds one Tesseract engine)")
	fs.StringVar(&cfg.data, "data", "", "scratch directory for the originals being read (default: a folder in the system's temporary directory)")
	fs.Int64Var(&cfg.maxUpload, "max-upload", 25<<20, "largest file to read, in bytes")
	fs.StringVar(&cfg.lang, "lang", ocr.DefaultLanguages, langUsage)
	cfg.reader = readerFlags(fs)
	fs.Int64Var(&cfg.workerMemory, "worker-memory", defaultWorkerMemory, "address-space limit of each OCR worker process, in bytes (0: none)")
	fs.DurationVar(&cfg.workerTimeout, "worker-timeout", 2*time.Minute, "wall-clock (and CPU) time one document may take in a worker process")
	fs.DurationVar(&cfg.pageTimeout, "page-timeout", time.Minute, "wall-clock time one page may take in a worker process; a slower page is given up and the document's other pages read (0: no limit but --worker-timeout)")
	sandbox := fs.Bool("worker-sandbox", true, "let each OCR worker process write only its scratch directory, and read only the originals and the system's files (Landlock), where the kernel can")
	fs.IntVar(&cfg.workerJobs, "worker-jobs", 0, "restart a worker process after this many documents (0: never)")
	logJSON := fs.Bool("log-json", false, "log as JSON lines instead of text")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 || *credsFile == "" {
		return fmt.Errorf("%w: worker --creds FILE [--join nats://HOST:4222] [--workers N]", errUsage)
	}
	if cfg.workers < 1 || cfg.maxUpload < 1 || cfg.workerTimeout <= 0 || cfg.workerMemory < 0 || cfg.workerJobs < 0 || cfg.pageTimeout < 0 {
		return fmt.Errorf("%w: --workers, --max-upload and --worker-timeout must be positive; --worker-memory, --worker-jobs and --page-timeout not negative", errUsage)
	}
	cfg.noWorkerSandbox = !*sandbox
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logJSON {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(handler)
	creds, err := queue.ReadCreds(*credsFile)
	if err != nil {
		return err
	}
	if cfg.data == "" {
		cfg.data = filepath.Join(os.TempDir(), "tillroll-worker-"+creds.Name)
	}
	if err := os.MkdirAll(filepath.Join(cfg.data, "originals"), 0o700); err != nil {
		return fmt.Errorf("scratch directory: %w", err)
	}
	langs, detect, err := ocr.ParseLanguages(cfg.lang)
	if err != nil {
		return fmt.Errorf("%w: --lang: %w", errUsage, err)
	}
	cfg.reader.limits = ocr.DefaultLimits()
	cfg.reader.limits.MaxBytes = cfg.maxUpload
	cfg.reader.langs, cfg.reader.detect = langs, detect
	cfg.workerProcesses = true
	cfg.jobsDir = filepath.Join(cfg.data, "originals")
	logWorkerSandbox(cfg, log)
	newWorker, err := workerFactory(cfg, log, stderr)
	if err != nil {
		return err
	}
	m, err := queue.Join(ctx, creds, *join, log.With("component", "queue"))
	if err != nil {
		return err
	}
	defer m.Close()
	// A revoked worker's connection closes: stop the OCR workers then.
	boxCtx := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-m.Closed():
			cancel()
		case <-ctx.Done():
		}
	}()
	fmt.Fprintf(stdout, "Tillroll %s worker %s joined %s (%d OCR workers)\n", version, creds.Name, orDefault(*join, creds.URL), cfg.workers)

	started := make(chan error, cfg.workers)
	var wg sync.WaitGroup
	for i := range cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := pipeline.Background(); err != nil {
				log.Warn("OCR worker runs at normal priority", "err", err)
			}
			w, err := newWorker(i)
			started <- err
			if err != nil {
				return
			}
			defer w.Close()
			rw := remoteWorker{m: m, w: w, dir: filepath.Join(cfg.data, "originals"), log: log.With("component", "ocr", "worker", i)}
			rw.run(ctx)
		}()
	}
	var errs []error
	for range cfg.workers {
		if err := <-started; err != nil {
			errs = append(errs, err)
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("start OCR engine: %w", errors.Join(errs...))
	}
	if boxCtx.Err() == nil {
		return fmt.Errorf("the box closed the connection (worker revoked?): %w", m.Err())
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// remoteWorker is one OCR worker of a worker machine.
type remoteWorker struct {
	m   *queue.Member
	w   pipeline.Worker
	dir string
	log *slog.Logger
}

func (rw remoteWorker) run(ctx context.Context) {
	for ctx.Err() == nil {
		dl, err := rw.m.Next(ctx, 5*time.Second)
		if err != nil {
			if ctx.Err() == nil {
				rw.log.Error("fetch job", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
			continue
		}
		if dl != nil {
			rw.job(ctx, dl)
		}
	}
}

// job reads one delivered job. The attempt is counted on the box before
// the reading starts (Started); the job is acknowledged only after its
// result is stored on the box (Done); a worker that stops before then
// leaves the job to be delivered again.
func (rw remoteWorker) job(ctx context.Context, dl *queue.Delivery) {
	log := rw.log.With("doc", dl.Job.DocID, "attempt", dl.Job.Attempt)
	var want pipeline.Want
	if len(dl.Job.Want) > 0 {
		if err := json.Unmarshal(dl.Job.Want, &want); err != nil {
			log.Error("malformed job", "err", err)
			_ = dl.Term()
			return
		}
	}
	if err := rw.m.Started(ctx, dl); err != nil {
		log.Error("tell the box", "err", err)
		_ = dl.Nak()
		return
	}
	log.Info("reading document")
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_ = dl.InProgress()
			}
		}
	}()
	res, err := rw.read(ctx, dl, want)
	close(stop)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		// The document finished (or was deleted) while the job waited.
		log.Info("original gone from the bucket: nothing to read")
		_ = dl.Term()
		return
	}
	if ctx.Err() != nil {
		_ = dl.Nak() // stopping: another worker takes it now
		return
	}
	body, jerr := json.Marshal(pipeline.ResultOf(res, err))
	if jerr != nil {
		log.Error("encode result", "err", jerr)
		return
	}
	if err := rw.m.Done(ctx, dl, body); err != nil {
		log.Error("publish result", "err", err)
		return
	}
	actx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := dl.Ack(actx); err != nil {
		log.Warn("acknowledge job", "err", err)
	}
	log.Info("document read", "failed", err != nil)
}

// read fetches the original into the scratch directory and reads it.
func (rw remoteWorker) read(ctx context.Context, dl *queue.Delivery, want pipeline.Want) (pipeline.Outcome, error) {
	path := filepath.Join(rw.dir, strconv.FormatUint(dl.Job.DocID, 10)+"-"+strconv.Itoa(dl.Job.Attempt))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return pipeline.Outcome{}, fmt.Errorf("scratch file: %w", err)
	}
	defer os.Remove(path)
	err = rw.m.Original(ctx, dl, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("scratch file: %w", cerr)
	}
	if err != nil {
		return pipeline.Outcome{}, err
	}
	return rw.w.Read(ctx, pipeline.Job{DocID: dl.Job.DocID, Path: path, Want: want})
}
