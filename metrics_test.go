package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"tillroll/internal/fixture"
	"tillroll/internal/smtptest"
)

// TestMetrics reads GET /metrics after one document completed and one
// failed: both mails went out through a relay, both webhooks went to a
// port where nothing listens (so they wait in the outbox for a retry).
func TestMetrics(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	relay := smtptest.Start(t)
	inst := startServe(t, "--data", data, "--workers", "1", "--smtp-addr", relay.Addr)
	c := createAccount(t, data, "shop")
	hook := "http://" + smtptest.ClosedAddr(t) + "/hook"
	if err := run(context.Background(), []string{"account", "webhook", "shop", hook, "--data", data}, os.Getenv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	jpg := fixture.JPEG(fixture.Sample(), fixture.Options{})
	good := uploadAsync(t, inst.url, c, "good.jpg", jpg)
	bad := uploadAsync(t, inst.url, c, "bad.jpg", jpg[:len(jpg)/3])
	waitCompleted(t, inst.url, c, good)
	deadline := time.Now().Add(time.Minute)
	for fetch(t, inst.url, c, bad)["Status"] != "failed" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}

	// The counters are updated just after the outcome is committed, the
	// notifications' after each attempt.
	var got map[string]float64
	var m map[string]*dto.MetricFamily
	for time.Now().Before(deadline) {
		m = scrape(t, inst.url)
		got = samples(m)
		if got[`tillroll_ocr_seconds`] == 2 && got[`tillroll_notifications_total{kind="mail",result="sent"}`] == 2 &&
			got[`tillroll_notifications_total{kind="webhook",result="failed"}`] == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := map[string]float64{
		`tillroll_queue_depth`:                                         0,
		`tillroll_ocr_jobs_total{result="completed"}`:                  1,
		`tillroll_ocr_jobs_total{result="failed"}`:                     1,
		`tillroll_outbox_depth{kind="mail"}`:                           0,
		`tillroll_outbox_depth{kind="webhook"}`:                        2,
		`tillroll_notifications_total{kind="mail",result="sent"}`:      2,
		`tillroll_notifications_total{kind="mail",result="failed"}`:    0,
		`tillroll_notifications_total{kind="webhook",result="sent"}`:   0,
		`tillroll_notifications_total{kind="webhook",result="failed"}`: 2,
		// Histograms: their sample counts.
		`tillroll_ocr_seconds`:                     2,
		`tillroll_ocr_page_seconds`:                1, // the failed one has no page
		`tillroll_queue_wait_seconds`:              2,
		`tillroll_upload_seconds{route="/api/v4"}`: 2,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if s := m["tillroll_ocr_seconds"].GetMetric()[0].GetHistogram().GetSampleSum(); s <= 0 || s > 120 {
		t.Errorf("tillroll_ocr_seconds sum = %v", s)
	}
	// The Go runtime and process collectors.
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_cpu_seconds_total"} {
		if got[name] <= 0 {
			t.Errorf("%s = %v", name, got[name])
		}
	}
}

// scrape reads /metrics with Prometheus's own text parser, which checks
// the format: HELP and TYPE, names, labels, values.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	m, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	return m
}

// samples flattens the families: name{label="value",...} -> value, a
// histogram's value being its sample count.
func samples(m map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, f := range m {
		for _, s := range f.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			sort.Strings(labels)
			key := name
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case s.Counter != nil:
				out[key] = s.GetCounter().GetValue()
			case s.Gauge != nil:
				out[key] = s.GetGauge().GetValue()
			case s.Histogram != nil:
				out[key] = float64(s.GetHistogram().GetSampleCount())
			case s.Untyped != nil:
				out[key] = s.GetUntyped().GetValue()
			}
		}
	}
	return out
}
