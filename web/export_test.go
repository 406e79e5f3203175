package web_test

import (
	"encoding/binary"
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"tillroll/internal/fixture"
	"tillroll/store"
)

var exportHeader = []string{"receipt_id", "user", "date", "retailer", "merchant", "total", "tax", "currency", "status", "item", "qty", "unit_price", "amount", "gtin", "tax_breakdown", "e_invoice"}

// exportCSV downloads an export and parses it; the first row is the
// header, checked here.
func exportCSV(t *testing.T, c *client, query string) [][]string {
	t.Helper()
	resp, body := c.do(http.MethodGet, "/export/receipts.csv?"+query, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export %s: %d\n%s", query, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("export %s: Content-Type %q", query, ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="tillroll-`) || !strings.HasSuffix(cd, `.csv"`) {
		t.Fatalf("export %s: Content-Disposition %q", query, cd)
	}
	r := csv.NewReader(strings.NewReader(body))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("export %s: not CSV: %v\n%s", query, err, body)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], exportHeader) {
		t.Fatalf("export %s: header %v", query, recs)
	}
	return recs[1:]
}

// byReceipt groups the rows by receipt id.
func byReceipt(rows [][]string) map[string][][]string {
	out := map[string][][]string{}
	for _, r := range rows {
		out[r[0]] = append(out[r[0]], r)
	}
	return out
}

func TestExport(t *testing.T) {
	a := staffApp(t)
	noItems := fixture.Sample()
	noItems.Items = nil
	alices := uploadAs(t, a, "alice", "alice-password", fixture.Sample(), mayReceipt(), hilltopReceipt(), noItems)
	march, may, hill, bare := alices[0], alices[1], alices[2], alices[3]
	bobs := uploadAs(t, a, "bob", "bob-password", aprilReceipt())
	if len(bare.Analysis.Items) != 0 || bare.RetailerID != "corner" || len(march.Analysis.Items) != 4 || march.Analysis.Recognised() != 1 {
		t.Fatalf("read as: bare %d items %q, march %d items", len(bare.Analysis.Items), bare.RetailerID, len(march.Analysis.Items))
	}
	// A retailer's name a spreadsheet would run as a formula.
	if err := a.st.PutRetailers([]store.Retailer{{ID: "hilltop", Name: `=HYPERLINK("x")`}}); err != nil {
		t.Fatal(err)
	}
	currency := func(r store.Receipt) string {
		d, err := a.st.Document(r.DocIDs[0])
		if err != nil || d.Result == nil {
			t.Fatalf("document of %s: %v", r.UUID, err)
		}
		return d.Result.Currency_Code
	}

	alice := newClient(t, a.url)
	alice.signIn("alice", "alice-password")
	root := newClient(t, a.url)
	root.signIn("root", "root-password")

	t.Run("form", func(t *testing.T) {
		_, body := alice.do(http.MethodGet, "/export", "", nil)
		for _, want := range []string{`href="/export" aria-current="page"`, `<label for="from">From</label>`, `<label for="to">To</label>`, `<label for="export-retailer">Retailer</label>`, `action="/export/receipts.csv"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
		if strings.Contains(body, `name="whose"`) {
			t.Error("a user is offered every user's receipts")
		}
		if _, body := root.do(http.MethodGet, "/export", "", nil); !strings.Contains(body, `<option value="all">Every user's</option>`) {
			t.Error("an admin is not offered every user's receipts")
		}
	})

	t.Run("content", func(t *testing.T) {
		rows := exportCSV(t, alice, "from=2024-03-01&to=2024-05-31")
		got := byReceipt(rows)
		if len(rows) != 4+1+2+1 || len(got) != 4 {
			t.Fatalf("%d rows of %d receipts, want 8 of alice's 4:\n%v", len(rows), len(got), rows)
		}
		if _, ok := got[bobs[0].UUID]; ok {
			t.Fatal("bob's receipt in alice's export")
		}
		// One row per item, the receipt's columns repeated, upload order.
		if rows[0][0] != march.UUID || rows[len(rows)-1][0] != bare.UUID {
			t.Errorf("not in upload order: first %s, last %s", rows[0][0], rows[len(rows)-1][0])
		}
		cur := currency(march)
		want := [][]string{
			{march.UUID, "alice", "2024-03-15", "Corner Grocer", "CORNER GROCER LTD", "12.10", "0.90", cur, "SET_PRODUCTS", "WHOLE MILK 2L", "1", "1.45", "1.45", milkGTIN, "8% of 11.20 = 0.90", ""},
			{march.UUID, "alice", "2024-03-15", "Corner Grocer", "CORNER GROCER LTD", "12.10", "0.90", cur, "SET_PRODUCTS", "SOURDOUGH LOAF", "2", "2.80", "5.60", "", "8% of 11.20 = 0.90", ""},
			{march.UUID, "alice", "2024-03-15", "Corner Grocer", "CORNER GROCER LTD", "12.10", "0.90", cur, "SET_PRODUCTS", "FREE RANGE EGGS", "1", "2.35", "2.35", "", "8% of 11.20 = 0.90", ""},
			{march.UUID, "alice", "2024-03-15", "Corner Grocer", "CORNER GROCER LTD", "12.10", "0.90", cur, "SET_PRODUCTS", "GALA APPLES", "4", "0.45", "1.80", "", "8% of 11.20 = 0.90", ""},
		}
		if !slices.EqualFunc(got[march.UUID], want, slices.Equal) {
			t.Errorf("the sample's rows:\n%q\nwant\n%q", got[march.UUID], want)
		}
		if r := got[may.UUID]; len(r) != 1 || r[0][2] != "2024-05-02" || r[0][5] != "1.94" || r[0][9] != "GALA APPLES" {
			t.Errorf("may's rows %q", r)
		}
		// The formula in the retailer's name is text, not a formula.
		for _, r := range got[hill.UUID] {
			if r[3] != `'=HYPERLINK("x")` || r[4] != "HILLTOP MARKET" {
				t.Errorf("hilltop's row %q: want the name guarded", r)
			}
		}
		// A receipt with no items is one row with empty item cells.
		if r := got[bare.UUID]; len(r) != 1 || !slices.Equal(r[0][9:], []string{"", "", "", "", "", "", ""}) || r[0][0] != bare.UUID || r[0][3] != "Corner Grocer" {
			t.Errorf("the receipt without items: %q", r)
		}
	})

	t.Run("filters", func(t *testing.T) {
		ids := func(rows [][]string) []string {
			var out []string
			for _, r := range rows {
				if !slices.Contains(out, r[0]) {
					out = append(out, r[0])
				}
			}
			return out
		}
		for _, tc := range []struct {
			c     *client
			query string
			want  []string
		}{
			{alice, "", []string{march.UUID, may.UUID, hill.UUID, bare.UUID}},
			{alice, "from=2024-03-16", []string{may.UUID}},
			{alice, "to=2024-03-15", []string{march.UUID, hill.UUID, bare.UUID}},
			{alice, "from=2024-05-02&to=2024-05-02", []string{may.UUID}},
			{alice, "from=2024-06-01", nil},
			{alice, "retailer=hilltop", []string{hill.UUID}},
			{alice, "retailer=corner&from=2024-03-15&to=2024-03-15", []string{march.UUID, bare.UUID}},
			{alice, "whose=me", []string{march.UUID, may.UUID, hill.UUID, bare.UUID}},
			{root, "", nil},
			{root, "whose=all", []string{march.UUID, may.UUID, hill.UUID, bare.UUID, bobs[0].UUID}},
			{root, "whose=all&from=2024-04-01&to=2024-04-30", []string{bobs[0].UUID}},
			{root, "whose=all&retailer=corner&to=2024-04-30", []string{march.UUID, bare.UUID, bobs[0].UUID}},
		} {
			if got := ids(exportCSV(t, tc.c, tc.query)); !slices.Equal(got, tc.want) {
				t.Errorf("%q: %v, want %v", tc.query, got, tc.want)
			}
		}
		resp, _ := root.do(http.MethodGet, "/export/receipts.csv?whose=all&from=2024-04-01", "", nil)
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="tillroll-all-receipts-2024-04-01.csv"` {
			t.Errorf("file name %q", cd)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, tc := range []struct {
			c     *client
			query string
			code  int
			want  string
		}{
			{alice, "from=2024-02-30", http.StatusBadRequest, "From must be a date like 2024-03-31."},
			{alice, "to=31.03.2024", http.StatusBadRequest, "To must be a date like 2024-03-31."},
			{alice, "from=2024-04-01&to=2024-03-01", http.StatusBadRequest, "The first day (2024-04-01) is after the last (2024-03-01)."},
			{alice, "retailer=nope", http.StatusBadRequest, "There is no such retailer."},
			{alice, "whose=everyone", http.StatusBadRequest, "Export your own receipts or every user&#39;s."},
			{alice, "whose=all", http.StatusForbidden, "Only an admin may export every user&#39;s receipts."},
		} {
			resp, body := tc.c.do(http.MethodGet, "/export/receipts.csv?"+tc.query, "", nil)
			if resp.StatusCode != tc.code || !strings.Contains(body, `id="page-error">`+tc.want) {
				t.Errorf("%s: %d, want %d and %q\n%s", tc.query, resp.StatusCode, tc.code, tc.want, body)
			}
			if resp.Header.Get("Content-Disposition") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: the error is not a page", tc.query)
			}
			// The form keeps what was typed.
			if tc.query == "from=2024-02-30" && !strings.Contains(body, `value="2024-02-30"`) {
				t.Error("the form lost the typed date")
			}
		}
	})

	// A record the walk cannot read, after the download started: the
	// connection ends without the last chunk, so the download fails
	// instead of looking whole.
	t.Run("broken record", func(t *testing.T) {
		err := a.st.DB().Update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("receipts")).Put(binary.BigEndian.AppendUint64(nil, may.ID), []byte("{not json"))
		})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := alice.c.Get(a.url + "/export/receipts.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || err == nil {
			t.Fatalf("export over a broken record: %d, read error %v\n%s", resp.StatusCode, err, body)
		}
	})
}
