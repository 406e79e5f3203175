package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tillroll/internal/testrun"
	"tillroll/ocr"
	"tillroll/pipeline"
	"tillroll/receipts/analyzer"
	"tillroll/server"
	"tillroll/store"
)

// clock is the tests' injected clock: it moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// renv is the receipts service on a real listener, with a real store, a
// real analyzer and, once started, real OCR workers.
type renv struct {
	t       *testing.T
	st      *store.Store
	clk     *clock
	pool    *pipeline.Pool
	an      *analyzer.Analyzer
	url     string
	tickets map[string]string // user name -> live ticket
	// client validates every exchange against docs/openapi.yaml.
	client *http.Client

	stop []func()
}

const ticketTTL = 24 * time.Hour

func newReceiptsEnv(t *testing.T) *renv {
	t.Helper()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	st, err := store.Open(t.TempDir(), store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := &renv{t: t, st: st, clk: clk, tickets: map[string]string{}, client: checkedClient(t)}
	e.an = analyzer.New(st, nil, 100*time.Millisecond)
	e.pool = pipeline.NewPool(st, pipeline.Options{
		Workers: 1,
		NewReader: func() (pipeline.Reader, error) {
			return ocr.NewEngine(ocr.Options{Limits: ocr.DefaultLimits()})
		},
		Finished: e.an.DocumentFinished,
		Poll:     50 * time.Millisecond,
	})
	srv := server.New(st, e.pool, server.Config{MaxUpload: 25 << 20, Receipts: &server.ReceiptsConfig{
		Store: st, Analyzer: e.an, TicketTTL: ticketTTL, LinkHosts: []string{"cdn.example.com"}, Now: clk.Now,
	}})
	ts := httptest.NewServer(srv.Handler())
	e.url = ts.URL
	e.goRun(e.an.Run)
	t.Cleanup(func() {
		ts.Close()
		for i := len(e.stop) - 1; i >= 0; i-- {
			e.stop[i]()
		}
		_ = st.Close()
	})
	if err := st.PutRetailers([]store.Retailer{
		{ID: "corner", Name: "Corner Grocer", Logo: "https://cdn.example.com/corner.png", TimeZone: "Australia/Melbourne"},
		{ID: "other", Name: "Other Shop", Words: []string{"other shop"}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.NewUser{
		{Name: "alice", Password: "alice-password"},
		{Name: "bob", Password: "bob-password"},
		{Name: "corner-staff", Password: "staff-password", Role: store.RoleStaff, RetailerID: "corner"},
		{Name: "other-staff", Password: "staff-password", Role: store.RoleStaff, RetailerID: "other"},
		{Name: "admin", Password: "admin-password", Role: store.RoleAdmin},
	} {
		if _, err := st.CreateUser(u); err != nil {
			t.Fatal(err)
		}
		e.tickets[u.Name] = e.login(u.Name, u.Password)
	}
	return e
}

func (e *renv) goRun(f func(context.Context) error) {
	e.stop = append(e.stop, testrun.Go(e.t, f))
}

func (e *renv) startWorkers() { e.goRun(e.pool.Run) }

func (e *renv) login(name, password string) string {
	e.t.Helper()
	r := e.call(http.MethodPost, "/identity-service/login", "", `{"username":"`+name+`","password":"`+password+`"}`)
	if r.code != http.StatusOK || r.str("ticket") == "" || r.str("expires_at") == "" {
		e.t.Fatalf("login %s: %d %s", name, r.code, r.raw)
	}
	return r.str("ticket")
}

// jresp is an answer decoded with exact numbers.
type jresp struct {
	code int
	body map[string]any
	raw  string
}

func (r jresp) str(k string) string { s, _ := r.body[k].(string); return s }

func (e *renv) call(method, path, ticket, body string) jresp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ct := "application/json"
	if strings.HasSuffix(path, "/import") { // the CSV imports
		ct = "text/csv"
	}
	return e.send(method, path, ticket, rd, ct)
}

func (e *renv) send(method, path, ticket string, body io.Reader, ct string) jresp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ct)
	}
	if ticket != "" {
		req.Header.Set(server.TicketHeader, ticket)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := jresp{code: resp.StatusCode, raw: string(raw)}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := dec.Decode(&r.body); err != nil {
			e.t.Fatalf("%s %s: answer is not a JSON object: %q", method, path, raw)
		}
	}
	return r
}

// addReceipt adds a receipt with the given links for the user.
func (e *renv) addReceipt(user string, links ...string) string {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{
		"accuracy": "14,4549999237061", "longitude": "144974757", "latitude": "-37838094",
		"receipt": links, "store_id": "53ehdb5e67e67", "location_name": "Store name", "country_iso": "036",
	})
	r := e.call(http.MethodPost, "/receipts-service/user/receipt", e.tickets[user], string(body))
	if r.code != http.StatusOK || len(r.body) != 1 || r.str("id") == "" {
		e.t.Fatalf("add receipt: %d %s", r.code, r.raw)
	}
	return r.str("id")
}

// field walks a dotted path through decoded JSON ("receipts.0.status").
func field(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, c := range p {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// gtin completes 12 digits with their check digit.
func gtin(d12 string) string {
	sum := 0
	for i := range 12 {
		n := int(d12[i] - '0')
		if i%2 == 1 {
			n *= 3
		}
		sum += n
	}
	return d12 + string(rune('0'+(10-sum%10)%10))
}

// bigSum adds two decimal integers exactly.
func bigSum(a, b string) string {
	x, _ := new(big.Int).SetString(a, 10)
	y, _ := new(big.Int).SetString(b, 10)
	return new(big.Int).Add(x, y).String()
}
