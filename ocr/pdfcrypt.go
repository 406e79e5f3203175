package ocr

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
)

// The pre-scan decrypts the streams of a PDF encrypted with the standard
// security handler and an empty user password (anyone may open it; the
// owner password only restricts printing or copying), so that an
// encrypted file's streams are held to the same budgets as any other's.
// A file that needs a password, or uses another handler, is ErrEncrypted
// before a library reads it. The algorithms are those of ISO 32000-2,
// 7.6.4: RC4 and AES-128 keys from MD5 (revisions 2 to 4), AES-256 keys
// from SHA-2 (revisions 5 and 6).

// pdfCrypt decrypts streams with a file's key.
type pdfCrypt struct {
	key      []byte
	aes      bool // AES-CBC, else RC4
	aes256   bool // the file key is the object key (V 5)
	identity bool // streams are not encrypted (StmF /Identity)
}

// padding is the standard handler's password padding.
var padding = []byte("\x28\xbf\x4e\x5e\x4e\x75\x8a\x41\x64\x00\x4e\x56\xff\xfa\x01\x08\x2e\x2e\x00\xb6\xd0\x68\x3e\x80\x2f\x0c\xa9\xfe\x64\x53\x69\x7a")

// newCrypt derives the key of an empty user password from the /Encrypt
// dictionary, and checks it against /U.
func (s *pdfScanner) newCrypt(enc pDict, id []byte) (*pdfCrypt, error) {
	num := func(k pName, dflt int64) int64 {
		if v, ok := s.resolve(enc[k]).(int64); ok {
			return v
		}
		return dflt
	}
	str := func(k pName) []byte {
		v, _ := s.resolve(enc[k]).(pString)
		return []byte(v)
	}
	if f, _ := s.resolve(enc["Filter"]).(pName); f != "Standard" {
		return nil, fmt.Errorf("%w: with the %q security handler", ErrEncrypted, f)
	}
	v, r := num("V", 0), num("R", 0)
	o, u := str("O"), str("U")
	c := &pdfCrypt{}
	keyLen := 5
	switch v {
	case 1:
	case 2:
		keyLen = int(num("Length", 40) / 8)
	case 4:
		keyLen = 16
		stmF, _ := s.resolve(enc["StmF"]).(pName)
		if stmF == "Identity" || stmF == "" {
			c.identity = true
		} else {
			cf := s.dict(s.dict(enc["CF"])[stmF])
			switch s.resolve(cf["CFM"]) {
			case pName("AESV2"):
				c.aes = true
			case pName("V2"):
			default:
				return nil, fmt.Errorf("%w: with an unknown crypt filter", ErrEncrypted)
			}
		}
	case 5:
		c.aes, c.aes256 = true, true
		stmF, _ := s.resolve(enc["StmF"]).(pName)
		c.identity = stmF == "Identity" || stmF == ""
		key, err := aes256Key(r, u, str("UE"))
		if err != nil {
			return nil, err
		}
		c.key = key
		return c, nil
	default:
		return nil, fmt.Errorf("%w: with encryption version %d", ErrEncrypted, v)
	}
	if keyLen < 5 || keyLen > 16 || len(o) < 32 || len(u) < 32 || r < 2 || r > 4 {
		return nil, fmt.Errorf("%w: a damaged encryption dictionary", ErrEncrypted)
	}
	// Algorithm 2: the key of the (empty) user password.
	h := md5.New()
	h.Write(padding)
	h.Write(o[:32])
	var p [4]byte
	binary.LittleEndian.PutUint32(p[:], uint32(num("P", 0)))
	h.Write(p[:])
	h.Write(id)
	if meta, ok := s.resolve(enc["EncryptMetadata"]).(bool); r >= 4 && ok && !meta {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	key := h.Sum(nil)[:keyLen]
	if r >= 3 {
		for range 50 {
			sum := md5.Sum(key)
			key = sum[:keyLen]
		}
	}
	// Algorithms 4 and 5: /U is what the key makes of the padding.
	var want []byte
	if r == 2 {
		want = rc4XOR(key, padding)
		u = u[:32]
	} else {
		sum := md5.Sum(append(append([]byte{}, padding...), id...))
		want = rc4XOR(key, sum[:])
		for i := 1; i <= 19; i++ {
			k := make([]byte, len(key))
			for j := range key {
				k[j] = key[j] ^ byte(i)
			}
			want = rc4XOR(k, want)
		}
		u = u[:16]
	}
	if !bytes.Equal(want, u) {
		return nil, fmt.Errorf("%w: it needs a password to open", ErrEncrypted)
	}
	c.key = key
	return c, nil
}

func rc4XOR(key, data []byte) []byte {
	ci, _ := rc4.NewCipher(key) // a key of 1 to 256 bytes never fails
	out := make([]byte, len(data))
	ci.XORKeyStream(out, data)
	return out
}

// aes256Key is the file key of revision 5 or 6 for the empty user
// password, from /U and /UE (algorithms 2.A and 2.B).
func aes256Key(r int64, u, ue []byte) ([]byte, error) {
	if len(u) < 48 || len(ue) < 32 {
		return nil, fmt.Errorf("%w: a damaged encryption dictionary", ErrEncrypted)
	}
	hashOf := func(salt []byte) []byte {
		if r == 5 {
			sum := sha256.Sum256(salt)
			return sum[:]
		}
		return hash2B(salt)
	}
	if !bytes.Equal(hashOf(u[32:40]), u[:32]) {
		return nil, fmt.Errorf("%w: it needs a password to open", ErrEncrypted)
	}
	ik := hashOf(u[40:48])
	block, err := aes.NewCipher(ik)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEncrypted, err)
	}
	key := make([]byte, 32)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, ue[:32])
	return key, nil
}

// hash2B is algorithm 2.B for the empty password and no user data.
func hash2B(salt []byte) []byte {
	sum := sha256.Sum256(salt)
	k := sum[:]
	for round := 0; ; round++ {
		k1 := bytes.Repeat(k, 64)
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		var m int
		for _, b := range e[:16] {
			m += int(b)
		}
		var h hash.Hash
		switch m % 3 {
		case 0:
			h = sha256.New()
		case 1:
			h = sha512.New384()
		default:
			h = sha512.New()
		}
		h.Write(e)
		k = h.Sum(nil)
		if round >= 63 && int(e[len(e)-1]) <= round+1-32 {
			break
		}
	}
	return k[:32]
}

// decrypt is a stream's data in the clear. Data that does not decrypt
// (a short AES stream) is returned empty: the libraries cannot read more.
func (c *pdfCrypt) decrypt(num, gen int, data []byte) []byte {
	if c == nil || c.identity {
		return data
	}
	key := c.key
	if !c.aes256 {
		h := md5.New()
		h.Write(c.key)
		h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)})
		if c.aes {
			h.Write([]byte("sAlT"))
		}
		key = h.Sum(nil)[:min(len(c.key)+5, 16)]
	}
	if !c.aes {
		return rc4XOR(key, data)
	}
	if len(data) < 32 || len(data)%16 != 0 {
		return nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	if pad := int(out[len(out)-1]); pad >= 1 && pad <= 16 {
		out = out[:len(out)-pad]
	}
	return out
}
