package queue

import (
	"errors"
	"strconv"
	"testing"

	"github.com/nats-io/nats.go"
)

// TestCheckResult: the box takes a result only with the token of its
// document and attempt, in the header, from a worker on the list.
func TestCheckResult(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	known := func(name string) bool { return name == "shop-1" || name == "shop-2" }
	header := func(attempt int, token, stage string) nats.Header {
		h := nats.Header{}
		if attempt > 0 {
			h.Set(HeaderAttempt, strconv.Itoa(attempt))
		}
		if token != "" {
			h.Set(HeaderToken, token)
		}
		h.Set(HeaderStage, stage)
		return h
	}
	good := Token(secret, 7, 2)
	tests := []struct {
		name    string
		subject string
		h       nats.Header
		ok      bool
	}{
		{"the job's own result", SubjectResultPrefix + "shop-1.7", header(2, good, StageDone), true},
		{"started", SubjectResultPrefix + "shop-2.7", header(2, good, StageStarted), true},
		{"no token (a job or chunk sent as a reply)", SubjectResultPrefix + "shop-1.7", header(2, "", StageDone), false},
		{"another document's token", SubjectResultPrefix + "shop-1.8", header(2, good, StageDone), false},
		{"another attempt's token", SubjectResultPrefix + "shop-1.7", header(3, good, StageDone), false},
		{"a token under another secret", SubjectResultPrefix + "shop-1.7", header(2, Token([]byte("another secret"), 7, 2), StageDone), false},
		{"no attempt", SubjectResultPrefix + "shop-1.7", header(0, good, StageDone), false},
		{"a worker not on the list", SubjectResultPrefix + "gone.7", header(2, good, StageDone), false},
		{"no document", SubjectResultPrefix + "shop-1", header(2, good, StageDone), false},
		{"unknown stage", SubjectResultPrefix + "shop-1.7", header(2, good, "finished"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := checkResult(secret, tc.subject, tc.h, known)
			if tc.ok {
				if err != nil || r.DocID != 7 || r.Attempt != 2 {
					t.Fatalf("rejected: %+v %v", r, err)
				}
				return
			}
			if !errors.Is(err, ErrForged) {
				t.Fatalf("accepted %+v (err %v)", r, err)
			}
		})
	}
}
