package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr"
)

// TestSubmitLanguage reads a German receipt on a server whose workers
// read English: with lang=deu on the upload, and with no lang on an
// account set to deu, real Tesseract reads it in German (its umlauts
// come out); an upload's lang wins over the account's.
func TestSubmitLanguage(t *testing.T) {
	if _, err := ocr.CheckLanguages("deu"); err != nil {
		t.Skip(err)
	}
	e := newEnv(t, 1<<20)
	r := fixture.Sample()
	r.Merchant = "BÄCKEREI MÜLLER GMBH"
	r.Address = "Hauptstraße 12, 33100 Paderborn"
	r.German = true
	r.Cash = 20
	img := fixture.PNG(r, fixture.Options{})

	byUpload := e.submit(e.alice, "/api/v4", url.Values{"type": {"async"}, "lang": {"deu"}}, "de.png", img, nil)
	if err := e.st.SetLanguage("bob", "deu"); err != nil {
		t.Fatal(err)
	}
	byAccount := e.submit(e.bob, "/api/pro", nil, "de.png", img, nil)
	overridden := e.submit(e.bob, "/api/pro", nil, "de.png", img, map[string]string{"lang": "eng"})
	for _, s := range []response{byUpload, byAccount, overridden} {
		if s.code != http.StatusOK {
			t.Fatalf("submit: %d %s", s.code, s.raw)
		}
	}
	e.startWorkers()
	for _, tc := range []struct {
		name   string
		who    response
		alice  bool
		lang   string
		german bool
	}{
		{"lang on the upload", byUpload, true, "deu", true},
		{"the account's lang", byAccount, false, "deu", true},
		{"the upload's lang over the account's", overridden, false, "eng", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.bob
			if tc.alice {
				c = e.alice
			}
			key := tc.who.body["photon_key"].(string)
			data := e.waitDone(c, key)
			d, err := e.st.DocumentByKey(c.Username, key)
			if err != nil {
				t.Fatal(err)
			}
			if d.Lang != tc.lang {
				t.Errorf("stored lang %q, want %q", d.Lang, tc.lang)
			}
			text, _ := data["Raw_Text"].(string)
			if got := strings.Contains(text, "RÜCKGELD") && strings.Contains(text, "MÜLLER"); got != tc.german {
				t.Errorf("read in German: %v, want %v:\n%s", got, tc.german, text)
			}
		})
	}
}

// TestReceiptImageLang uploads a German receipt to the receipts service
// with lang=deu in the form, before the image: the receipt made of it is
// read by real Tesseract in German. An unknown lang is a 400 that stores
// nothing.
func TestReceiptImageLang(t *testing.T) {
	if _, err := ocr.CheckLanguages("deu"); err != nil {
		t.Skip(err)
	}
	e := newReceiptsEnv(t)
	r := fixture.Sample()
	r.Merchant = "BÄCKEREI MÜLLER GMBH"
	r.German = true
	r.Cash = 20
	img := fixture.PNG(r, fixture.Options{})
	upload := func(lang string) jresp {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		if err := w.WriteField("lang", lang); err != nil {
			t.Fatal(err)
		}
		fw, err := w.CreateFormFile("image", "receipt.png")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(img); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return e.send(http.MethodPost, "/receipts-service/user/receipt/image", e.tickets["alice"], &buf, w.FormDataContentType())
	}
	if bad := upload("xx_none"); bad.code != http.StatusBadRequest || !strings.Contains(bad.raw, `lang: \"xx_none\" is not installed`) {
		t.Fatalf("lang xx_none: %d %s", bad.code, bad.raw)
	}
	if u, err := e.st.StorageUsage("alice"); err != nil || u.Used != 0 {
		t.Fatalf("a refused upload was kept: %+v %v", u, err)
	}
	good := upload("deu")
	if good.code != http.StatusOK || good.str("link") == "" {
		t.Fatalf("upload: %d %s", good.code, good.raw)
	}
	id := e.addReceipt("alice", good.str("link"))
	e.startWorkers()
	e.waitStatus("alice", id)
	rc, err := e.st.ReceiptByUUID(id)
	if err != nil || len(rc.DocIDs) != 1 {
		t.Fatalf("receipt %+v %v", rc, err)
	}
	d, err := e.st.Document(rc.DocIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if d.Lang != "deu" || d.Result == nil || !strings.Contains(d.Result.Raw_Text, "MÜLLER") {
		t.Errorf("document read in %q:\n%v", d.Lang, d.Result)
	}
}
