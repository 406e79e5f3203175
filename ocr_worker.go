package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"tillroll/ocr"
	"tillroll/ocr/recog"
	"tillroll/pipeline"
)

// workerCommand is the hidden subcommand a server runs its OCR workers
// with: `tillroll ocr-worker`, a child process of the same binary that
// reads one document at a time from fd 3 and answers on fd 4
// (pipeline.ServeChild). It is no command for people, so usage leaves it out.
const workerCommand = "ocr-worker"

func runOCRWorker(_ context.Context, args []string, getenv func(string) string, _, stderr io.Writer) error {
	fs := newFlags(workerCommand, stderr)
	maxUpload := fs.Int64("max-upload", 25<<20, "largest stored file, in bytes")
	memory := fs.Int64("memory", 0, "address-space limit, in bytes (0: none)")
	cpu := fs.Duration("cpu-time", 0, "CPU time per document (0: none)")
	sandbox := fs.Bool("sandbox", true, "write only the working directory, and read only it, the --read folders and the system's (Landlock), where the kernel can")
	var read []string
	fs.Func("read", "a folder the worker may read in its sandbox (the originals it is sent, the second recognizer's); repeatable", func(s string) error {
		read = append(read, s)
		return nil
	})
	lang := fs.String("lang", ocr.DefaultLanguages, langUsage)
	rcfg := readerFlags(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	langs, detect, err := ocr.ParseLanguages(*lang)
	if err != nil {
		return fmt.Errorf("%w: --lang: %w", errUsage, err)
	}
	rcfg.limits.MaxBytes = *maxUpload
	rcfg.langs, rcfg.detect = langs, detect
	in, out := os.NewFile(3, "jobs"), os.NewFile(4, "answers")
	if in == nil || out == nil {
		return fmt.Errorf("%w: %s is started by tillroll serve, with its pipes", errUsage, workerCommand)
	}
	if *sandbox {
		// The working directory is the worker's scratch space. Without
		// Landlock it runs as before; the server said so once.
		scratch, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("worker scratch: %w", err)
		}
		if err := pipeline.Sandbox(scratch, read...); err != nil && !errors.Is(err, pipeline.ErrNoSandbox) {
			return err
		}
	}
	return pipeline.ServeChild(in, out, func() (pipeline.Reader, error) { return newReader(*rcfg) },
		pipeline.ChildLimits{Memory: *memory, CPU: *cpu})
}

// workerFactory makes the server's OCR workers: supervised child processes
// of this binary, or (--worker-processes=false) engines in this process.
func workerFactory(cfg serveConfig, log *slog.Logger, stderr io.Writer) (func(int) (pipeline.Worker, error), error) {
	if !cfg.workerProcesses {
		return func(int) (pipeline.Worker, error) {
			r, err := newReader(*cfg.reader)
			if err != nil {
				return nil, err
			}
			return pipeline.NewLocal(r), nil
		}, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable for the OCR workers: %w", err)
	}
	// The second recognizer's folder as this process finds it: a worker's
	// working directory is its scratch space, where it would look in vain.
	second, dir := cfg.reader.second, recog.Locate(cfg.reader.dir)
	if dir == "" {
		second = false
	} else if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("--recognizer-dir: %w", err)
	}
	cmd := []string{exe, workerCommand,
		"--max-upload", strconv.FormatInt(cfg.maxUpload, 10),
		"--memory", strconv.FormatInt(cfg.workerMemory, 10),
		// A worker reads on one thread, so its CPU time follows the
		// wall clock; the CPU limit catches one that does not.
		"--cpu-time", cfg.workerTimeout.String(),
		// The reader as serve makes it (reader.go).
		"--lang", cfg.lang,
		"--second-reader=" + strconv.FormatBool(second),
		"--recognizer-dir", dir,
		"--whole-page=" + strconv.FormatBool(cfg.reader.whole),
		"--sandbox=" + strconv.FormatBool(!cfg.noWorkerSandbox),
	}
	// What a sandboxed worker may read besides the system: the originals
	// it is sent and the second recognizer; not the rest of the data
	// directory (the database, the key).
	jobs := cfg.jobsDir
	if jobs == "" {
		jobs = filepath.Join(cfg.data, "files")
	}
	if jobs, err = filepath.Abs(jobs); err != nil {
		return nil, fmt.Errorf("originals folder: %w", err)
	}
	cmd = append(cmd, "--read", jobs)
	if dir != "" {
		cmd = append(cmd, "--read", dir)
	}
	return func(i int) (pipeline.Worker, error) {
		return pipeline.NewChild(pipeline.ChildOptions{
			Command: cmd,
			// Fewer malloc arenas: each reserves 64 MB of address space.
			Env:         []string{"MALLOC_ARENA_MAX=2"},
			Dir:         filepath.Join(cfg.data, "tmp", "worker-"+strconv.Itoa(i)),
			Timeout:     cfg.workerTimeout,
			PageTimeout: cfg.pageTimeout,
			MaxJobs:     cfg.workerJobs,
			Stderr:      stderr,
			Logger:      log.With("component", "ocr", "worker", i),
		})
	}, nil
}

// logWorkerSandbox says once whether the worker processes can write only
// their scratch space, and returns it for /healthz.
func logWorkerSandbox(cfg serveConfig, log *slog.Logger) (on bool, status string) {
	on, status = pipeline.SandboxStatus()
	switch {
	case !cfg.workerProcesses:
		on, status = false, "off: documents are read in the server's own process (--worker-processes=false)"
	case cfg.noWorkerSandbox:
		on, status = false, "turned off (--worker-sandbox=false): OCR worker processes can write wherever the server can"
	}
	if on {
		log.Info("worker sandbox on", "component", "ocr", "status", status)
	} else {
		log.Warn("worker sandbox off", "component", "ocr", "status", status)
	}
	return on, status
}

// defaultWorkerMemory is --worker-memory's default: the address space one
// worker process may add to what it holds once started. A receipt photo
// takes under 100 MB, a 49-megapixel PNG about 500 MB; four workers of a
// 2 GB Raspberry Pi rarely all read such a file at once, and the kernel's
// OOM killer then takes a worker, never the server.
const defaultWorkerMemory = 768 << 20
