package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// errUsage marks a command line that could not be understood (exit code 2).
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `Tillroll: on-premise receipt and invoice capture.

Usage:
  tillroll serve [flags]                          run the server (see tillroll serve -h)
  tillroll account create NAME --email ADDR       make a capture-API account, print its credentials once
  tillroll account webhook NAME URL               set (or with "" clear) an account's webhook URL
  tillroll account lang NAME SETTING              set an account's OCR languages (auto, deu, deu+eng; "" clears)
  tillroll account show NAME                      print an account, with the intake address scanners mail to
  tillroll account quota NAME [BYTES|default|none] set an account's storage quota; print its usage
  tillroll user create NAME --password P [--role user|staff|admin] [--retailer ID]
                                                  make a receipts-service user
  tillroll retailer import FILE.csv               add or replace retailers (id,name,logo,time_zone,store_ids,words)
  tillroll product import FILE.csv                add or replace products (gtin,name,brand,partner,names)
  tillroll scan FILE...                           read files with no server, print one JSON object each
  tillroll eval DIR                               measure field accuracy on a folder of files with truth
  tillroll backup FILE                            hot backup of the data directory into one .tar.gz
  tillroll restore FILE --data DIR                make a new data directory from a backup
  tillroll worker-creds create NAME [--url nats://HOST:4222]
                                                  let a worker machine join the queue; print its creds once
  tillroll worker-creds list | revoke NAME        the worker machines allowed to join; remove one
  tillroll worker --creds FILE [--join nats://HOST:4222] [--workers N]
                                                  read documents for a box on this machine (OCR only)
  tillroll version

Every flag can also be set in the environment as TILLROLL_<FLAG>, e.g.
TILLROLL_DATA=/var/lib/tillroll or TILLROLL_SMTP_ADDR=relay:25.
`

// run is the whole program: main and the tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "account":
		return runAccount(ctx, rest, getenv, stdout, stderr)
	case "user":
		return runUser(ctx, rest, getenv, stdout, stderr)
	case "retailer", "product":
		return runCatalogue(ctx, cmd, rest, getenv, stdout, stderr)
	case "scan":
		return runScan(ctx, rest, getenv, stdout, stderr)
	case "eval":
		return runEval(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, getenv, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, getenv, stdout, stderr)
	case "worker-creds":
		return runWorkerCreds(ctx, rest, getenv, stdout, stderr)
	case "worker":
		return runWorker(ctx, rest, getenv, stdout, stderr)
	case workerCommand:
		return runOCRWorker(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "tillroll", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// newFlags makes a flag set whose errors and help go to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, then fills every flag not given on the command
// line from TILLROLL_<FLAG> (dashes as underscores), and every flag
// <name>-file given from that file (secrets kept out of the environment and
// the process list).
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	// Flags may come after positional arguments too: "account create NAME --email X".
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("%w: %w", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || set[f.Name] {
			return
		}
		env := "TILLROLL_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%w: %s: %w", errUsage, env, e)
			}
		}
	})
	if err != nil {
		return err
	}
	fs.VisitAll(func(f *flag.Flag) {
		name, ok := strings.CutSuffix(f.Name, "-file")
		if err != nil || !ok || f.Value.String() == "" || fs.Lookup(name) == nil {
			return
		}
		data, e := os.ReadFile(f.Value.String())
		if e != nil {
			err = fmt.Errorf("--%s: %w", f.Name, e)
			return
		}
		if e := fs.Set(name, strings.TrimSpace(string(data))); e != nil {
			err = fmt.Errorf("--%s: %w", f.Name, e)
		}
	})
	if err != nil {
		return err
	}
	// Re-parse the positionals alone so fs.Args() returns them.
	return fs.Parse(append([]string{"--"}, positional...))
}
