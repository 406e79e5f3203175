// Package smtptest runs a real SMTP server (go-smtp's server package) on
// loopback for tests, recording the messages it accepts. It can refuse
// messages for a while, as a relay that is down would.
package smtptest

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	User string // from AUTH PLAIN, "" without
	From string
	To   []string
	Data []byte
}

// Server is a running loopback SMTP server.
type Server struct {
	Addr string

	mu       sync.Mutex
	messages []Message
	refuse   int // messages still to refuse
	arrived  chan struct{}
	// user and password, when user is set, are the only credentials AUTH accepts.
	user, password string
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{Addr: ln.Addr().String(), arrived: make(chan struct{}, 1000)}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Refuse makes the server refuse the next n messages with a temporary
// error (451), as a relay in trouble does.
func (s *Server) Refuse(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = n
}

// RequireAuth makes the server accept AUTH PLAIN only with these
// credentials, refusing any other with 535, as a relay does.
func (s *Server) RequireAuth(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.password = user, password
}

var errAuthFailed = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication credentials invalid"}

// Messages returns the accepted messages so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait waits until at least n messages were accepted, or the timeout.
func (s *Server) Wait(n int, timeout time.Duration) ([]Message, bool) {
	deadline := time.After(timeout)
	for {
		if got := s.Messages(); len(got) >= n {
			return got, true
		}
		select {
		case <-s.arrived:
		case <-deadline:
			return s.Messages(), false
		}
	}
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }

type session struct {
	srv *Server
	msg Message
}

func (ss *session) Reset()        { ss.msg = Message{User: ss.msg.User} }
func (ss *session) Logout() error { return nil }

// AuthMechanisms and Auth accept AUTH PLAIN with any credentials (or only
// those RequireAuth set), recording the user.
func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		s := ss.srv
		s.mu.Lock()
		wantUser, wantPassword := s.user, s.password
		s.mu.Unlock()
		if wantUser != "" && (username != wantUser || password != wantPassword) {
			return errAuthFailed
		}
		ss.msg.User = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.msg.From = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

var errRefused = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return errors.Join(errRefused, err)
	}
	s := ss.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse > 0 {
		s.refuse--
		return errRefused
	}
	ss.msg.Data = data
	s.messages = append(s.messages, ss.msg)
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	return nil
}

// ClosedAddr is a loopback host:port where nothing listens: a relay that
// is down, a webhook that refuses.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
