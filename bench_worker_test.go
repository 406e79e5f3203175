package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tillroll/store"
)

// BenchmarkWorkerMachine is the other half of `make bench`: the same two
// OCR workers, once both in the box, once one in the box and one in a
// `tillroll worker` process that reaches the box through its NATS listener
// (TLS on loopback) and reads the originals from the bucket. It prints
//
//	box_receipts_per_min         two workers in the box
//	box_worker_receipts_per_min  one in the box, one in the worker process
//	network_path_ratio           the second over the first, the median of
//	                             alternating rounds (TILLROLL_BENCH_WORKER_ROUNDS,
//	                             default 3): what the network path costs
//	worker_share                 the part of the documents the worker read
//	ingest_p99_ms                uploads, 16 at once, 300, into the box with
//	                             the worker attached and saturated; target < 100
func BenchmarkWorkerMachine(b *testing.B) {
	images := benchImages(b)
	bin := buildBinary(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: time.Minute}
	args := strings.Fields(os.Getenv("TILLROLL_BENCH_SERVE_ARGS"))

	alone := filepath.Join(b.TempDir(), "alone")
	aloneCmd, aloneURL := startProcess(b, bin, alone, append([]string{"--workers", "2"}, args...)...)
	aloneAcct := createAccount(b, alone, "bench")

	joined := filepath.Join(b.TempDir(), "joined")
	if err := os.MkdirAll(joined, 0o700); err != nil {
		b.Fatal(err)
	}
	natsAddr := freePort(b)
	creds := createCreds(b, joined, natsAddr, "bench-1")
	joinedCmd, joinedURL := startProcess(b, bin, joined, append([]string{"--workers", "1", "--nats-listen", natsAddr}, args...)...)
	joinedAcct := createAccount(b, joined, "bench")
	w := startWorker(b, bin, "bench-1", creds, append([]string{"--workers", "1"}, readerArgs(args)...)...)

	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("TILLROLL_BENCH_WORKER_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	for b.Loop() {
		var ratios []float64
		var alonePerMin, joinedPerMin float64
		for round := range rounds {
			through := func(url string, c store.Credentials) time.Duration {
				start := time.Now()
				for i, img := range images {
					if _, err := benchUpload(client, url, c, fmt.Sprintf("w%dt%03d.jpg", round, i), img.data); err != nil {
						b.Fatal(err)
					}
				}
				waitQueueEmpty(b, client, url)
				return time.Since(start)
			}
			a, j := through(aloneURL, aloneAcct), through(joinedURL, joinedAcct)
			alonePerMin += float64(len(images)) / a.Minutes()
			joinedPerMin += float64(len(images)) / j.Minutes()
			ratios = append(ratios, a.Seconds()/j.Seconds())
		}
		alonePerMin /= float64(rounds)
		joinedPerMin /= float64(rounds)
		runs := make([]string, len(ratios))
		for i, r := range ratios {
			runs[i] = fmt.Sprintf("%.2f", r)
		}
		slices.Sort(ratios)
		ratio := ratios[len(ratios)/2]
		share := float64(w.count("document read")) / float64(rounds*len(images))

		for i := range 4 {
			if _, err := benchUpload(client, joinedURL, joinedAcct, fmt.Sprintf("backlog%d.jpg", i), images[i%len(images)].data); err != nil {
				b.Fatal(err)
			}
		}
		lat := ingest(b, client, joinedURL, joinedAcct, images, 300, 16)

		b.ReportMetric(ratio, "network_path_ratio")
		b.ReportMetric(percentile(lat, 99).Seconds()*1000, "ingest_p99_ms")
		fmt.Printf("images=%d (%s)\n", len(images), images[0].source)
		fmt.Printf("box_receipts_per_min=%.1f\n", alonePerMin)
		fmt.Printf("box_worker_receipts_per_min=%.1f\n", joinedPerMin)
		fmt.Printf("network_path_ratio=%.2f (median of rounds %s)\n", ratio, strings.Join(runs, " "))
		fmt.Printf("worker_share=%.2f\n", share)
		fmt.Printf("ingest_p50_ms=%.1f (box with a worker attached)\n", lat[len(lat)*50/100].Seconds()*1000)
		fmt.Printf("ingest_p99_ms=%.1f (target < 100)\n", percentile(lat, 99).Seconds()*1000)
	}
	for _, cmd := range []*os.Process{aloneCmd.Process, joinedCmd.Process, w.cmd.Process} {
		_ = cmd.Signal(syscall.SIGKILL)
	}
}

// readerArgs are the serve flags of args that a worker takes too.
func readerArgs(args []string) []string {
	var out []string
	for _, a := range args {
		for _, f := range []string{"--second-reader", "--lang", "--whole-page", "--worker-timeout", "--worker-memory"} {
			if strings.HasPrefix(a, f) {
				out = append(out, a)
			}
		}
	}
	return out
}
