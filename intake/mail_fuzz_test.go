package intake

import (
	"bytes"
	"testing"

	"tillroll/store"
)

// FuzzTakeMail feeds arbitrary bytes to the mail parser: it must never
// panic, and every mail either becomes documents or is refused with a
// reason, leaving no stored file behind.
func FuzzTakeMail(f *testing.F) {
	f.Add([]byte("Subject: hi\r\nMessage-Id: <a@b>\r\n\r\nTotal 4.20 EUR\r\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--x--\r\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: text/html\r\n\r\n<p>a<td>b</p>\r\n--x--\r\n"))
	f.Add([]byte("Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C1=C2=D7 =\r\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n"))
	st, err := store.Open(f.TempDir(), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateAccount("shop", "shop@example.com"); err != nil {
		f.Fatal(err)
	}
	tk := NewTaker(st, nil, Limits{MaxFile: 1 << 20, MaxParts: 50, MaxDepth: 5}, nil)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := tk.Spool(bytes.NewReader(raw), 4<<20)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		res, err := tk.TakeMail("shop", "smtp", m)
		if err != nil && !IsRefusal(err) {
			t.Fatalf("not a refusal: %v", err)
		}
		if err == nil && !res.Duplicate && len(res.Documents) == 0 {
			t.Fatal("a mail taken in with no document")
		}
	})
}
