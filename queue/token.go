package queue

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// LoadSecret reads the job-token key from dir/SecretFile, making it (32
// random bytes, mode 0600) the first time.
func LoadSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, SecretFile)
	b, err := os.ReadFile(path)
	if err == nil && len(b) == 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("queue secret: %w", err)
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("queue secret: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("queue secret: %w", err)
	}
	return b, nil
}

// Token is the job token of a document's attempt: only a worker that was
// given the job knows it, so only it can send the job's result.
func Token(secret []byte, docID uint64, attempt int) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(msgID(docID, attempt)))
	return hex.EncodeToString(m.Sum(nil))
}

// validToken says in constant time whether token is the attempt's.
func validToken(secret []byte, docID uint64, attempt int, token string) bool {
	want := Token(secret, docID, attempt)
	return hmac.Equal([]byte(want), []byte(token))
}

// msgID is the Nats-Msg-Id of a document's attempt: a second publish of
// the same attempt is dropped as a duplicate.
func msgID(docID uint64, attempt int) string {
	return strconv.FormatUint(docID, 10) + "-" + strconv.Itoa(attempt)
}

func randomText() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
