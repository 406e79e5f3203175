package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tillroll/internal/fixture"
)

// workerProc is a `tillroll worker` process and what it logged.
type workerProc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
}

func (w *workerProc) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.log.Write(p)
}

func (w *workerProc) count(s string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Count(w.log.String(), s)
}

func (w *workerProc) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.log.String()
}

// startWorker runs `tillroll worker` with the creds file and waits until
// it has joined the box.
func startWorker(t testing.TB, bin, name, creds string, args ...string) *workerProc {
	t.Helper()
	w := &workerProc{name: name}
	w.cmd = exec.Command(bin, append([]string{"worker", "--creds", creds, "--workers", "1", "--data", t.TempDir()}, args...)...)
	w.cmd.Stderr = w
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.cmd.Process.Kill(); _ = w.cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "joined") {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return w
		}
	}
	t.Fatalf("worker %s did not join: %s", name, w)
	return nil
}

// createCreds runs worker-creds create on the box's data directory and
// saves what it printed as the worker's creds file.
func createCreds(t testing.TB, data, natsAddr, name string) string {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), []string{"worker-creds", "create", name, "--data", data,
		"--nats-listen", natsAddr, "--url", "nats://" + natsAddr}, os.Getenv, &out, io.Discard)
	if err != nil {
		t.Fatalf("worker-creds create %s: %v", name, err)
	}
	path := filepath.Join(t.TempDir(), name+".creds")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWorkerMachines runs a box and two worker processes on loopback:
// uploads are read by every worker; a worker killed with SIGKILL while
// reading has its job read elsewhere; the box killed with SIGKILL
// completes every accepted key after its restart. Each document ends with
// its own receipt's total, and its webhook, with that total, is delivered.
func TestWorkerMachines(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const docs = 100
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	natsAddr := freePort(t)
	c1, c2 := createCreds(t, data, natsAddr, "w1"), createCreds(t, data, natsAddr, "w2")
	boxArgs := []string{"--nats-listen", natsAddr, "--worker-timeout", "8s", "--second-reader=false"}
	box, url := startProcess(t, bin, data, boxArgs...)
	c := createAccount(t, data, "shop")

	var (
		hookMu sync.Mutex
		hooks  = map[string][]float64{}
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			PhotonKey string                  `json:"photon_key"`
			Data      struct{ Total float64 } `json:"data"`
		}
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		hookMu.Lock()
		hooks[p.PhotonKey] = append(hooks[p.PhotonKey], p.Data.Total)
		hookMu.Unlock()
	}))
	defer receiver.Close()
	if err := run(context.Background(), []string{"account", "webhook", "shop", receiver.URL, "--data", data}, os.Getenv, io.Discard, io.Discard); err != nil {
		t.Fatalf("account webhook: %v", err)
	}

	w1 := startWorker(t, bin, "w1", c1, "--second-reader=false", "--worker-timeout", "8s")
	w2 := startWorker(t, bin, "w2", c2, "--second-reader=false", "--worker-timeout", "8s")
	waitMetric(t, url, "tillroll_queue_workers_connected 2")

	// Small one-line receipts, each with its own total.
	keys, images, totals := make([]string, docs), make([][]byte, docs), make([]float64, docs)
	for i := range docs {
		r := fixture.Sample()
		r.Items = []fixture.Item{{Name: "COFFEE BEANS", Qty: 1, Price: float64(i+1) + 0.25}}
		r.TaxRate = 0
		images[i], totals[i] = fixture.PNG(r, fixture.Options{Width: 480}), r.Total()
	}
	want := map[string]float64{}
	upload := func(from, to int) {
		for i := from; i < to; i++ {
			keys[i] = uploadAsync(t, url, c, fmt.Sprintf("r%d.png", i), images[i])
			want[keys[i]] = totals[i]
		}
	}
	completed := func() (n int) {
		for _, k := range keys {
			if k != "" && fetch(t, url, c, k)["Status"] == "completed" {
				n++
			}
		}
		return n
	}
	upload(0, 30)

	// w1 dies in the middle of a document, after it has read a few; the
	// document is delivered again after the ack wait and read elsewhere.
	deadline := time.Now().Add(2 * time.Minute)
	for w1.count("document read") < 3 || w1.count("reading document") <= w1.count("document read") {
		if time.Now().After(deadline) {
			t.Fatalf("w1 read too little: %s", w1)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := w1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = w1.cmd.Wait()
	reading := regexp.MustCompile(`msg="reading document".*? doc=(\d+)`).FindAllStringSubmatch(w1.String(), -1)
	if len(reading) == 0 {
		t.Fatalf("w1 logged no document it read: %s", w1)
	}
	killedDoc, err := strconv.Atoi(reading[len(reading)-1][1])
	if err != nil || killedDoc < 1 || killedDoc > 30 {
		t.Fatalf("w1 was reading document %q", reading[len(reading)-1][1])
	}
	// Document ids count from 1 in a new data directory, in upload order.
	waitCompleted(t, url, c, keys[killedDoc-1])

	// Then the box dies with documents still queued, and starts again.
	upload(30, docs)
	if err := box.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = box.Wait()
	_, url = startProcess(t, bin, data, boxArgs...)
	done := completed()
	t.Logf("box killed and started again with %d of %d documents completed", done, docs)
	if done == docs {
		t.Fatalf("every document was read before the box was killed: the restart proves nothing")
	}

	for _, k := range keys {
		d := waitCompleted(t, url, c, k)
		if got := d["Total"]; got != want[k] {
			t.Errorf("%s: total %v, want %v (its own receipt's)", k, got, want[k])
		}
	}
	if n := w2.count("document read"); n < 3 {
		t.Errorf("w2 read %d documents, want its share", n)
	}
	t.Logf("read by w1 (killed while reading document %d): %d, by w2: %d, the rest by the box's own worker",
		killedDoc, w1.count("document read"), w2.count("document read"))
	deadline = time.Now().Add(time.Minute)
	for {
		hookMu.Lock()
		missing := 0
		for _, k := range keys {
			got := hooks[k]
			if len(got) == 0 {
				missing++
			}
			for _, total := range got {
				if total != want[k] {
					t.Errorf("%s: webhook with total %v, want %v", k, total, want[k])
				}
			}
		}
		hookMu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d webhooks never came", missing, docs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitMetric polls /metrics until it has the line want.
func waitMetric(t testing.TB, url, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var body []byte
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(body)) {
			if strings.TrimSpace(line) == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("/metrics never said %q:\n%s", want, body)
}
