package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"tillroll/internal/fixture"
	"tillroll/server"
)

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, io.Discard)
	return out.String(), err
}

func TestReceiptsCommandLine(t *testing.T) {
	data := t.TempDir()
	csvFile := filepath.Join(t.TempDir(), "retailers.csv")
	if err := os.WriteFile(csvFile, []byte("id,name,time_zone,words\ncorner,Corner Grocer,Europe/London,corner grocer ltd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	products := filepath.Join(t.TempDir(), "products.csv")
	if err := os.WriteFile(products, []byte("gtin,name,partner,names\n9311995843710,Milk,yes,WHOLE MILK 2L\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{
		{"user"}, {"user", "create", "x"}, {"user", "create", "--password", "p12345678"}, {"retailer", "import"}, {"product", "list"},
	} {
		if _, err := runCmd(t, append(bad, "--data", data)...); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
	// With no server: straight to the store.
	if out, err := runCmd(t, "retailer", "import", csvFile, "--data", data); err != nil || strings.TrimSpace(out) != `{"imported":1}` {
		t.Fatalf("retailer import: %q %v", out, err)
	}
	if out, err := runCmd(t, "product", "import", products, "--data", data); err != nil || strings.TrimSpace(out) != `{"imported":1}` {
		t.Fatalf("product import: %q %v", out, err)
	}
	out, err := runCmd(t, "user", "create", "alice", "--password", "alice-password", "--data", data)
	if err != nil || strings.TrimSpace(out) != `{"name":"alice","role":"user"}` {
		t.Fatalf("user create: %q %v", out, err)
	}
	if _, err := runCmd(t, "user", "create", "carol", "--password", "carol-password", "--role", "staff", "--retailer", "nope", "--data", data); err == nil {
		t.Fatal("staff of a retailer that does not exist")
	}

	// The user's intake address, shown with no server and through it alike.
	addrRE := regexp.MustCompile(`(?m)^intake address: (alice\+[a-z0-9]{8}@tillroll\.local)$`)
	out, err = runCmd(t, "user", "show", "alice", "--data", data)
	m := addrRE.FindStringSubmatch(out)
	if err != nil || m == nil || !strings.Contains(out, "role:           user") {
		t.Fatalf("user show: %q %v", out, err)
	}
	intakeAddr := m[1]

	// With the server running: through its admin socket.
	inst := startServe(t, "--data", data, "--workers", "1", "--smtp-listen", "127.0.0.1:0", "--smtp-allow", "127.0.0.0/8")
	if out, err := runCmd(t, "user", "show", "alice", "--data", data); err != nil || !strings.Contains(out, intakeAddr) {
		t.Fatalf("user show via the server: %q %v", out, err)
	}
	out, err = runCmd(t, "user", "create", "carol", "--password", "carol-password", "--role", "staff", "--retailer", "corner", "--data", data)
	if err != nil || strings.TrimSpace(out) != `{"name":"carol","role":"staff","retailer_id":"corner"}` {
		t.Fatalf("user create via the server: %q %v", out, err)
	}
	if _, err := runCmd(t, "user", "create", "carol", "--password", "carol-password", "--data", data); err == nil {
		t.Fatal("the same user twice")
	}
	if out, err := runCmd(t, "product", "import", products, "--data", data); err != nil || strings.TrimSpace(out) != `{"imported":1}` {
		t.Fatalf("product import via the server: %q %v", out, err)
	}
	// The whole service through `tillroll serve`: log in, upload, add, and
	// the receipt is read and recognised.
	post := func(path, ticket, ct string, body io.Reader) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, inst.url+path, body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set(server.TicketHeader, ticket)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v %v", path, resp.StatusCode, m, err)
		}
		return m
	}
	ticket := post("/identity-service/login", "", "application/json", strings.NewReader(`{"username":"alice","password":"alice-password"}`))["ticket"].(string)
	var buf bytes.Buffer
	mw := multipartWriter(&buf, "image", "r.png", fixture.PNG(fixture.Sample(), fixture.Options{}))
	link := post("/receipts-service/user/receipt/image", ticket, mw, &buf)["link"].(string)
	id := post("/receipts-service/user/receipt", ticket, "application/json", strings.NewReader(
		`{"accuracy":"1","longitude":"2","latitude":"3","receipt":["`+link+`"],"store_id":"s","location_name":"n"}`))["id"].(string)

	// The same receipt photographed again and mailed to the user's intake
	// address by a real SMTP client: it becomes a receipt of hers too.
	req, _ := http.NewRequest(http.MethodGet, inst.url+"/receipts-service/user/intake", nil)
	req.Header.Set(server.TicketHeader, ticket)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var shown map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&shown); err != nil || shown["address"] != intakeAddr {
		t.Fatalf("GET /user/intake: %v %v, want %s", shown, err, intakeAddr)
	}
	resp.Body.Close()
	var jpg strings.Builder
	for b64 := base64.StdEncoding.EncodeToString(fixture.JPEG(fixture.Sample(), fixture.Options{})); b64 != ""; {
		n := min(76, len(b64))
		jpg.WriteString(b64[:n] + "\r\n")
		b64 = b64[n:]
	}
	mail := "From: alice@example.com\r\nTo: " + intakeAddr + "\r\nSubject: till receipt\r\nMessage-Id: <r1@example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n" + jpg.String()
	if inst.smtp == "" {
		t.Fatal("serve printed no mail server address")
	}
	sc, err := smtp.Dial(inst.smtp) // a scanner on an allowed network: no TLS, no login
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SendMail("alice@example.com", []string{intakeAddr}, strings.NewReader(mail)); err != nil {
		t.Fatalf("send to the intake address: %v", err)
	}
	_ = sc.Quit()

	deadline := time.Now().Add(3 * time.Minute)
	for {
		got := post("/receipts-service/user/search", ticket, "application/json", strings.NewReader(`{}`))
		list := got["receipts"].([]any)
		if len(list) != 2 {
			t.Fatalf("search: %v, want the uploaded and the mailed receipt", got)
		}
		done := 0
		for _, x := range list {
			r := x.(map[string]any)
			if imgs := r["images"].([]any); len(imgs) != 1 || !strings.HasPrefix(imgs[0].(string), inst.url+"/receipts-service/image/") {
				t.Fatalf("images of %v: want one link to this box", r)
			}
			if s := r["status"]; s != "OCR" {
				if s != "SET_PRODUCTS" || r["retailer_id"] != "corner" || r["recognized_items"] != 1.0 {
					t.Fatalf("analyzed: %v", r)
				}
				done++
			}
		}
		if list[1].(map[string]any)["id"] != id {
			t.Fatalf("search: %v, want the upload second (newest first)", got)
		}
		if done == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not analyzed in time")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := inst.stop(); err != nil {
		t.Fatal(err)
	}
}

func multipartWriter(buf *bytes.Buffer, field, name string, content []byte) string {
	w := multipart.NewWriter(buf)
	fw, _ := w.CreateFormFile(field, name)
	_, _ = fw.Write(content)
	_ = w.Close()
	return w.FormDataContentType()
}
