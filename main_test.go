package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"tillroll/internal/fixture"
	"tillroll/internal/smtptest"
	"tillroll/pipeline"
	"tillroll/server"
	"tillroll/store"
)

// instance is Tillroll started through run, as `tillroll serve` starts it.
type instance struct {
	url  string
	smtp string // the mail server's host:port, when --smtp-listen was given
	stop func() error
}

// startServe runs `tillroll serve` with args until stop, and returns once
// it has printed its URL.
func startServe(t *testing.T, args ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, pw, io.Discard)
		_ = pw.CloseWithError(fmt.Errorf("serve ended: %v", err))
		done <- err
	}()
	urlRE := regexp.MustCompile(`running: (http://\S+)`)
	smtpRE := regexp.MustCompile(`^Mail server for scanners: (\S+)`)
	sc := bufio.NewScanner(pr)
	var url, smtpAddr string
	for sc.Scan() {
		if m := smtpRE.FindStringSubmatch(sc.Text()); m != nil {
			smtpAddr = m[1]
		}
		if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("serve printed no URL: %v", sc.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var once sync.Once
	var stopErr error
	inst := &instance{url: url, smtp: smtpAddr, stop: func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(2 * time.Minute):
				stopErr = fmt.Errorf("serve did not stop")
			}
		})
		return stopErr
	}}
	t.Cleanup(func() { _ = inst.stop() })
	return inst
}

func createAccount(t testing.TB, data, name string) store.Credentials {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), []string{"account", "create", name, "--email", name + "@example.com", "--data", data}, os.Getenv, &out, io.Discard)
	if err != nil {
		t.Fatalf("account create: %v", err)
	}
	var c store.Credentials
	if err := json.Unmarshal(out.Bytes(), &c); err != nil || c.APIKey == "" || c.SecretKey == "" || c.Password == "" || c.ClientID == "" {
		t.Fatalf("account create printed %q (%v)", out.String(), err)
	}
	return c
}

// uploadAsync posts a file as the capture API's requests example does.
func uploadAsync(t testing.TB, url string, c store.Credentials, name string, content []byte) string {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("pdf", name)
	_, _ = fw.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v4?type=async", &body)
	setCredentials(req, c)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK || got["status"] != "success" {
		t.Fatalf("upload: %d %v %v", resp.StatusCode, got, err)
	}
	return got["photon_key"]
}

func setCredentials(req *http.Request, c store.Credentials) {
	req.Header.Set("CLIENT-ID", c.ClientID)
	req.Header.Set("AUTHORIZATION", "apikey "+c.Username+":"+c.APIKey)
	req.Header.Set("PASSWORD", c.Password)
	req.Header.Set("SECRET-KEY", c.SecretKey)
}

func fetch(t testing.TB, url string, c store.Credentials, key string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/api/v4/json?photon_key="+key, nil)
	setCredentials(req, c)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Data map[string]any `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || (resp.StatusCode != http.StatusOK && got.Data["Status"] != "failed") {
		t.Fatalf("fetch %s: %d %v", key, resp.StatusCode, err)
	}
	if got.Data == nil {
		// Photon's not-ready answer has no data; the header says how far it is.
		return map[string]any{"Status": resp.Header.Get(server.StatusHeader)}
	}
	return got.Data
}

func waitCompleted(t testing.TB, url string, c store.Credentials, key string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		d := fetch(t, url, c, key)
		switch d["Status"] {
		case "completed":
			return d
		case "failed":
			t.Fatalf("%s failed: %v", key, d["Reason"])
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not completed in time", key)
	return nil
}

// TestNewUserFlow is the README's first steps: start the server, make an
// account while it runs, upload a receipt, get the mail, fetch the total.
func TestNewUserFlow(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	relay := smtptest.Start(t)
	relay.Refuse(1) // the relay is in trouble at first: the mail must still arrive
	inst := startServe(t, "--data", data, "--workers", "1", "--smtp-addr", relay.Addr, "--smtp-from", "tillroll@shop.example")

	c := createAccount(t, data, "shop") // through the admin socket: the server holds the database
	r := fixture.Sample()
	key := uploadAsync(t, inst.url, c, "receipt.jpg", fixture.JPEG(r, fixture.Options{}))
	if key != "data/shop/receipt.json" {
		t.Fatalf("photon_key %q", key)
	}
	d := waitCompleted(t, inst.url, c, key)
	if math.Abs(d["Total"].(float64)-r.Total()) > 0.001 {
		t.Errorf("Total %v, want %v", d["Total"], r.Total())
	}
	checkWorkerSandbox(t, inst.url)

	msgs, ok := relay.Wait(1, 3*time.Minute)
	if !ok {
		t.Fatal("no notification mail arrived")
	}
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != "shop@example.com" || m.From != "tillroll@shop.example" {
		t.Errorf("mail envelope: from %q to %v", m.From, m.To)
	}
	if !bytes.Contains(m.Data, []byte("Subject: Tillroll - The document has been processed")) || !bytes.Contains(m.Data, []byte(key)) {
		t.Errorf("mail lacks subject or key:\n%s", m.Data)
	}
	if err := inst.stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	// With the server stopped, the command opens the database itself.
	createAccount(t, data, "office")
}

// TestRestartCompletesQueue stops the server with documents still queued;
// after a restart every key completes.
func TestRestartCompletesQueue(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	inst := startServe(t, "--data", data, "--workers", "1")
	c := createAccount(t, data, "shop")
	var keys []string
	for i := range 4 {
		r := fixture.Sample()
		r.Items[0].Qty = i + 1 // four different receipts
		keys = append(keys, uploadAsync(t, inst.url, c, fmt.Sprintf("r%d.png", i), fixture.PNG(r, fixture.Options{})))
	}
	if err := inst.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	inst = startServe(t, "--data", data, "--workers", "2")
	for _, k := range keys {
		d := waitCompleted(t, inst.url, c, k)
		if d["Total"].(float64) <= 0 || !strings.Contains(d["Raw_Text"].(string), "TOTAL") {
			t.Errorf("%s: %v", k, d)
		}
	}
}

func TestCommandLineErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nonsense"},
		{"account"},
		{"account", "create", "x"},
		{"serve", "--workers", "0"},
		{"serve", "extra"},
		{"scan"},
	} {
		err := run(context.Background(), args, func(string) string { return "" }, io.Discard, io.Discard)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("run %q: want a usage error, got %v", args, err)
		}
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	env := map[string]string{"TILLROLL_SMTP_ADDR": "relay:25", "TILLROLL_WORKERS": "3"}
	fs := newFlags("t", io.Discard)
	smtpAddr := fs.String("smtp-addr", "", "")
	workers := fs.Int("workers", 1, "")
	addr := fs.String("addr", ":8080", "")
	pass := fs.String("smtp-password", "", "")
	passFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(passFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fs.String("smtp-password-file", "", "")
	err := parseFlags(fs, []string{"pos", "--workers", "5", "--smtp-password-file", passFile}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if *smtpAddr != "relay:25" || *workers != 5 || *addr != ":8080" || *pass != "s3cret" || fs.NArg() != 1 || fs.Arg(0) != "pos" {
		t.Fatalf("smtp-addr %q workers %d addr %q password %q args %q", *smtpAddr, *workers, *addr, *pass, fs.Args())
	}
}

// checkWorkerSandbox: where the kernel has Landlock, /healthz says the
// worker processes are sandboxed, and the worker that read the receipt
// runs with no_new_privs, which only the sandbox's re-execution sets.
func checkWorkerSandbox(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Sandbox struct {
			On     bool   `json:"on"`
			Status string `json:"status"`
		} `json:"worker_sandbox"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.SandboxSupport(); err != nil {
		if h.Sandbox.On || !strings.Contains(h.Sandbox.Status, "not sandboxed") {
			t.Errorf("no Landlock here (%v), yet /healthz says %+v", err, h.Sandbox)
		}
		return
	}
	if !h.Sandbox.On || !strings.Contains(h.Sandbox.Status, "only their scratch") {
		t.Errorf("/healthz worker_sandbox %+v, want on", h.Sandbox)
	}
	var workers int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte("\x00"+workerCommand+"\x00")) {
			continue
		}
		status, err := os.ReadFile(filepath.Join(dir, "status"))
		if err != nil || !bytes.Contains(status, []byte(fmt.Sprintf("PPid:\t%d\n", os.Getpid()))) {
			continue
		}
		workers++
		if !bytes.Contains(status, []byte("NoNewPrivs:\t1")) {
			t.Errorf("worker %s runs without no_new_privs: not sandboxed", dir)
		}
	}
	if workers == 0 {
		t.Errorf("no worker process of this server found")
	}
}
