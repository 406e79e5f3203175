package web_test

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"tillroll/queue"
	"tillroll/store"
	"tillroll/web"
)

// TestAdminQueueFigures: the admin page shows the work queue's figures as
// a real embedded queue reports them: one job waiting, then handed to a
// worker and not yet acknowledged.
func TestAdminQueueFigures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	secret, err := queue.LoadSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.Open(ctx, queue.Options{Dir: filepath.Join(dir, queue.Dir), Secret: secret, AckWait: time.Minute, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.Publish(ctx, queue.JobMessage{DocID: 41, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	a := newAppWith(t, func(c *web.Config) {
		c.QueueStats = func() (web.QueueFigures, error) {
			st, err := q.Stats(ctx)
			return web.QueueFigures{Workers: st.Workers, Stream: st.Depth, InFlight: st.InFlight}, err
		}
	})
	if _, err := a.st.CreateUser(store.NewUser{Name: "root", Password: "root-password", Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, a.url)
	c.signIn("root", "root-password")
	figure := func(body, id string) string {
		m := regexp.MustCompile(`id="` + id + `">(\d+)<`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s on the admin page", id)
		}
		return m[1]
	}
	resp, body := c.do(http.MethodGet, "/admin", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/admin: %d", resp.StatusCode)
	}
	if w, s, f := figure(body, "queue-workers"), figure(body, "queue-stream"), figure(body, "queue-in-flight"); w != "0" || s != "1" || f != "0" {
		t.Fatalf("workers %s, in the queue %s, in flight %s; want 0, 1, 0", w, s, f)
	}
	dl, err := q.Next(ctx, 5*time.Second)
	if err != nil || dl == nil {
		t.Fatalf("next: %v", err)
	}
	_, body = c.do(http.MethodGet, "/admin", "", nil)
	if s, f := figure(body, "queue-stream"), figure(body, "queue-in-flight"); s != "1" || f != "1" {
		t.Fatalf("after a worker took the job: in the queue %s, in flight %s; want 1, 1", s, f)
	}
}
