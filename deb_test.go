package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tillroll/internal/fixture"
	"tillroll/store"
)

// TestDebInstall installs the package named by TILLROLL_DEB with apt on
// this machine (`make test-deb`, as root), runs the service, makes an
// account, reads a receipt through the capture API and purges the package:
// nothing of it stays but the data directory, which a second purge with
// TILLROLL_PURGE_DATA=yes removes too. It changes the machine, so it runs
// only when asked.
func TestDebInstall(t *testing.T) {
	deb := os.Getenv("TILLROLL_DEB")
	if deb == "" {
		t.Skip("TILLROLL_DEB names no package (make test-deb)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("installing a package needs root")
	}
	deb, err := filepath.Abs(deb)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f", "${db:Status-Status}", "tillroll").Output(); err == nil && string(out) == "installed" {
		t.Fatal("tillroll is already installed here; the test would remove it")
	}
	const dataDir = "/var/lib/tillroll"
	if _, err := os.Stat(dataDir); err == nil {
		t.Fatalf("%s exists; the test would remove it", dataDir)
	}
	t.Cleanup(func() { // leave the machine as it was, even after a failure
		_ = apt(t, []string{"TILLROLL_PURGE_DATA=yes"}, "purge", "tillroll")
	})

	if err := apt(t, nil, "install", deb); err != nil {
		t.Fatal(err)
	}
	installed := dpkgFiles(t)
	for _, f := range []string{"/usr/bin/tillroll", "/usr/lib/systemd/system/tillroll.service", "/etc/default/tillroll"} {
		if !installed[f] {
			t.Errorf("the package lacks %s", f)
		}
	}
	u, err := user.Lookup("tillroll")
	if err != nil {
		t.Fatalf("no tillroll user after install: %v", err)
	}
	if fi, err := os.Stat(dataDir); err != nil || fi.Mode().Perm() != 0o750 || owner(fi) != u.Uid {
		t.Fatalf("%s after install: %v %v (want 0750, owned by tillroll)", dataDir, fi, err)
	}

	// Configure as an operator would: a free loopback port, one worker.
	port := loopbackPort(t)
	addLines(t, "/etc/default/tillroll", "TILLROLL_ADDR=127.0.0.1:"+port, "TILLROLL_WORKERS=1")
	url := "http://127.0.0.1:" + port
	stop := startUnit(t, "/usr/lib/systemd/system/tillroll.service")
	waitHealthy(t, url)

	c := accountCreate(t, u, "shop")
	r := fixture.Sample()
	key := uploadAsync(t, url, c, "receipt.jpg", fixture.JPEG(r, fixture.Options{}))
	d := waitCompleted(t, url, c, key)
	if math.Abs(d["Total"].(float64)-r.Total()) > 0.001 {
		t.Errorf("Total %v, want %v", d["Total"], r.Total())
	}
	stop()

	if err := apt(t, nil, "purge", "tillroll"); err != nil {
		t.Fatal(err)
	}
	for f := range installed {
		if _, err := os.Lstat(f); err == nil && !isDir(f) {
			t.Errorf("%s is still there after purge", f)
		}
	}
	if left := leftovers(t, dataDir); len(left) > 0 {
		t.Errorf("left after purge: %q", left)
	}
	if _, err := user.Lookup("tillroll"); err == nil {
		t.Error("the tillroll user is still there after purge")
	}
	if _, err := user.LookupGroup("tillroll"); err == nil {
		t.Error("the tillroll group is still there after purge")
	}
	if _, err := os.Stat(filepath.Join(dataDir, "tillroll.db")); err != nil {
		t.Errorf("purge without TILLROLL_PURGE_DATA removed the data: %v", err)
	}

	// Installed again, the kept data belongs to the new user, who can open
	// it (no server runs now: the command opens the database itself).
	if err := apt(t, nil, "install", deb); err != nil {
		t.Fatal(err)
	}
	u, err = user.Lookup("tillroll")
	if err != nil {
		t.Fatal(err)
	}
	accountCreate(t, u, "office")
	if err := apt(t, []string{"TILLROLL_PURGE_DATA=yes"}, "purge", "tillroll"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dataDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s after purge with TILLROLL_PURGE_DATA=yes: %v", dataDir, err)
	}
	if left := leftovers(t, ""); len(left) > 0 {
		t.Errorf("left after the second purge: %q", left)
	}
}

func apt(t *testing.T, env []string, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "apt-get", append([]string{"-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300"}, args...)...)
	cmd.Env = append(os.Environ(), append([]string{"DEBIAN_FRONTEND=noninteractive"}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("apt-get %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// dpkgFiles is what dpkg says the installed package holds.
func dpkgFiles(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("dpkg-query", "-L", "tillroll").Output()
	if err != nil {
		t.Fatalf("dpkg-query -L tillroll: %v", err)
	}
	m := map[string]bool{}
	for _, f := range strings.Fields(string(out)) {
		m[f] = true
	}
	return m
}

// leftovers lists what is named after tillroll in the system's trees,
// other than keep and what lies under it.
func leftovers(t *testing.T, keep string) []string {
	t.Helper()
	var left []string
	for _, root := range []string{"/etc", "/usr", "/var", "/run"} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // a directory that vanished or cannot be read
			}
			if keep != "" && p == keep {
				return filepath.SkipDir
			}
			if strings.Contains(d.Name(), "tillroll") {
				left = append(left, p)
			}
			return nil
		})
	}
	return left
}

func isDir(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.IsDir()
}

func owner(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return strconv.FormatUint(uint64(st.Uid), 10)
	}
	return ""
}

func loopbackPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func addLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		t.Fatal(err)
	}
}

// startUnit starts the service with systemd where it runs; elsewhere (a
// container) it runs the unit's exact ExecStart line as its User= and
// Group=, in its WorkingDirectory= with its Environment= and
// EnvironmentFile=. stop ends it as systemctl stop does, with SIGTERM, and
// wants exit status 0.
func startUnit(t *testing.T, unitPath string) (stop func()) {
	t.Helper()
	if isDir("/run/systemd/system") {
		if out, err := exec.Command("systemctl", "start", "tillroll.service").CombinedOutput(); err != nil {
			t.Fatalf("systemctl start: %v %s", err, out)
		}
		return func() {
			if out, err := exec.Command("systemctl", "stop", "tillroll.service").CombinedOutput(); err != nil {
				t.Errorf("systemctl stop: %v %s", err, out)
			}
		}
	}
	unit := readUnit(t, unitPath)
	argv := strings.Fields(unit["ExecStart"][0])
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"}
	for _, e := range unit["Environment"] {
		env = append(env, strings.Fields(e)...)
	}
	for _, f := range unit["EnvironmentFile"] {
		env = append(env, envFile(t, f)...)
	}
	u, err := user.Lookup(unit["User"][0])
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroup(unit["Group"][0])
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = unit["WorkingDirectory"][0]
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: credential(t, u.Uid, g.Gid)}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", argv, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
			t.Logf("service log:\n%s", logs.String())
		}
	})
	return func() {
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("service after SIGTERM: %v\n%s", err, logs.String())
			}
		case <-time.After(3 * time.Minute):
			_ = cmd.Process.Kill()
			t.Errorf("service did not stop after SIGTERM\n%s", logs.String())
		}
	}
}

// readUnit reads a unit file's [Service] section: key -> values in order.
func readUnit(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && section == "[Service]" {
			m[k] = append(m[k], v)
		}
	}
	for _, k := range []string{"ExecStart", "User", "Group", "WorkingDirectory"} {
		if len(m[k]) != 1 {
			t.Fatalf("%s: want one %s=, have %q", path, k, m[k])
		}
	}
	return m
}

// envFile reads KEY=value lines; a leading "-" makes the file optional.
func envFile(t *testing.T, name string) []string {
	t.Helper()
	optional := strings.HasPrefix(name, "-")
	b, err := os.ReadFile(strings.TrimPrefix(name, "-"))
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		t.Fatal(err)
	}
	var env []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line[0] != '#' && strings.Contains(line, "=") {
			env = append(env, line)
		}
	}
	return env
}

func credential(t *testing.T, uid, gid string) *syscall.Credential {
	t.Helper()
	u, err1 := strconv.ParseUint(uid, 10, 32)
	g, err2 := strconv.ParseUint(gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	return &syscall.Credential{Uid: uint32(u), Gid: uint32(g), Groups: []uint32{}}
}

func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s/healthz did not answer within a minute", url)
}

// accountCreate runs the installed `tillroll account create` as the
// service's user, as README says to.
func accountCreate(t *testing.T, u *user.User, name string) store.Credentials {
	t.Helper()
	cmd := exec.Command("/usr/bin/tillroll", "account", "create", name, "--email", name+"@example.com", "--data", "/var/lib/tillroll")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: credential(t, u.Uid, u.Gid)}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "OMP_THREAD_LIMIT=1"}
	cmd.Dir = "/"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("account create %s: %v\n%s", name, err, stderr.String())
	}
	var c store.Credentials
	if err := json.Unmarshal(out, &c); err != nil || c.APIKey == "" {
		t.Fatalf("account create printed %q (%v)", out, err)
	}
	return c
}
