package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"tillroll/queue"
)

// runWorkerCreds manages the worker machines allowed to join this box's
// queue. The list is a file beside the store (queue.WorkersFile), so this
// works while the box runs, and the box picks the change up by itself.
func runWorkerCreds(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const use = "worker-creds create NAME [--url nats://HOST:4222] | list | revoke NAME  [--data DIR]"
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, use)
	}
	fs := newFlags("worker-creds "+args[0], stderr)
	data := fs.String("data", "data", "data directory")
	listen := fs.String("nats-listen", ":4222", "the box's worker listener, as given to serve (its port goes into the default --url)")
	cert := fs.String("nats-cert", "", "the listener's PEM certificate, as given to serve (default: the self-signed one in the data directory)")
	key := fs.String("nats-key", "", "PEM private key of --nats-cert")
	url := fs.String("url", "", "address the worker dials (default nats://<this host's name>:<--nats-listen's port>)")
	if err := parseFlags(fs, args[1:], getenv); err != nil {
		return err
	}
	if fi, err := os.Stat(*data); err != nil || !fi.IsDir() {
		return fmt.Errorf("data directory %s: not found (give --data)", *data)
	}
	switch args[0] {
	case "create":
		if fs.NArg() != 1 {
			return fmt.Errorf("%w: worker-creds create NAME [--url nats://HOST:4222] [--data DIR] > NAME.creds", errUsage)
		}
		l := queue.Listen{Addr: *listen, CertFile: *cert, KeyFile: *key}
		if *url == "" {
			_, port, err := net.SplitHostPort(*listen)
			if err != nil {
				return fmt.Errorf("%w: --nats-listen %q: %w", errUsage, *listen, err)
			}
			host, err := os.Hostname()
			if err != nil {
				return fmt.Errorf("this host's name (give --url): %w", err)
			}
			*url = "nats://" + net.JoinHostPort(host, port)
		}
		// The certificate first: a worker's creds pin it, so it must exist
		// before the box ever listens.
		_, pemCerts, err := l.LoadCert(*data)
		if err != nil {
			return err
		}
		w, seed, err := queue.CreateWorker(*data, fs.Arg(0), time.Now())
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(queue.Creds{URL: *url, Name: w.Name, Seed: string(seed), CA: string(pemCerts)}); err != nil {
			return fmt.Errorf("print creds: %w", err)
		}
		fmt.Fprintf(stderr, "worker %s created. The seed above is its secret and is kept nowhere else: save this output as %s.creds,\n"+
			"copy it to the worker machine only, and run there: tillroll worker --join %s --creds %s.creds\n"+
			"A running box lets the worker in within seconds; no restart.\n", w.Name, w.Name, *url, w.Name)
		return nil
	case "list":
		ws, err := queue.Workers(*data)
		if err != nil {
			return err
		}
		for _, w := range ws {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", w.Name, w.Created.Format(time.RFC3339), w.NKey)
		}
		return nil
	case "revoke":
		if fs.NArg() != 1 {
			return fmt.Errorf("%w: worker-creds revoke NAME [--data DIR]", errUsage)
		}
		if err := queue.RevokeWorker(*data, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "worker %s revoked; a running box disconnects it within seconds.\n", fs.Arg(0))
		return nil
	default:
		return fmt.Errorf("%w: %s", errUsage, use)
	}
}
