package store

import (
	"errors"
	"strings"
	"testing"
)

func TestParseProductsCSV(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		n         int
		err       string // in the error; "" for none
	}{
		{"good", "\ufeffGTIN,Name,brand,partner,names\n9311995843710,Milk 2L,Dairy Co,yes,WHOLE MILK 2L|MILK 2L\n96385074,Bread,,0,\n", 2, ""},
		{"header only", "gtin,name\n", 0, ""},
		{"no name column", "gtin,title\n9311995843710,Milk\n", 0, `no "name" column`},
		{"bad gtin", "gtin,name\n9311995843710,Milk\n12345,Bread\n", 0, "csv line 3: "},
		{"no name", "gtin,name\n9311995843710,\n", 0, "csv line 2: "},
		{"bad partner", "gtin,name,partner\n9311995843710,Milk,maybe\n", 0, "csv line 2: "},
		// A quoted field over two lines: the bad row starts on line 4.
		{"multi-line field", "gtin,name\n9311995843710,\"Milk\nfull cream\"\n12345,Bread\n", 0, "csv line 4: "},
		{"bare quote", "gtin,name\n9311995843710,Mi\"lk\n", 0, "line 2"},
		{"empty", "", 0, "csv header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := ParseProductsCSV(strings.NewReader(tc.csv))
			if tc.err == "" {
				if err != nil || len(ps) != tc.n {
					t.Fatalf("%d products, %v; want %d", len(ps), err, tc.n)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.err) || ps != nil {
				t.Fatalf("%d products, %v; want none and an error with %q", len(ps), err, tc.err)
			}
		})
	}
	ps, _ := ParseProductsCSV(strings.NewReader("gtin,name,brand,partner,names\n9311995843710,Milk 2L,Dairy Co,yes,WHOLE MILK 2L| MILK 2L \n"))
	if p := ps[0]; p.Name != "Milk 2L" || p.Brand != "Dairy Co" || !p.Partner || len(p.Names) != 2 || p.Names[1] != "MILK 2L" {
		t.Fatalf("parsed %+v", p)
	}
}

func TestParseRetailersCSV(t *testing.T) {
	rs, err := ParseRetailersCSV(strings.NewReader("id,name,time_zone,store_ids,words\ncorner,Corner Grocer,Europe/London,1|2,corner grocer ltd\nhill,,,,\n"))
	if err != nil || len(rs) != 2 || rs[0].TimeZone != "Europe/London" || len(rs[0].StoreIDs) != 2 || rs[1].Name != "hill" {
		t.Fatalf("%+v %v", rs, err)
	}
	for _, tc := range []struct{ csv, err string }{
		{"id,name\ncorner,Corner\nBad Id,Bad\n", "csv line 3: "},
		{"id,time_zone\ncorner,Mars/Olympus\n", "csv line 2: "},
		{"name\nCorner\n", `no "id" column`},
	} {
		rs, err := ParseRetailersCSV(strings.NewReader(tc.csv))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.err) || rs != nil {
			t.Errorf("%q: %v %v; want an error with %q", tc.csv, rs, err, tc.err)
		}
	}
}
