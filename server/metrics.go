package server

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v5"
)

// MetricsSource is what GET /metrics reports. *store.Store gives the
// depths, *pipeline.Metrics the OCR totals.
type MetricsSource interface {
	QueueDepth() (int, error)
	OutboxDepth() (map[string]int, error)
	OCRTotals() (completed, failed uint64, seconds float64)
}

// metrics is GET /metrics in the Prometheus text format (version 0.0.4),
// written by hand: a handful of numbers need no client library.
func (s *Server) metrics(c *echo.Context) error {
	m := s.cfg.Metrics
	queue, err := m.QueueDepth()
	if err != nil {
		return err
	}
	outbox, err := m.OutboxDepth()
	if err != nil {
		return err
	}
	completed, failed, seconds := m.OCRTotals()

	var b bytes.Buffer
	metric := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	metric("tillroll_queue_depth", "gauge", "OCR jobs waiting or running.")
	fmt.Fprintf(&b, "tillroll_queue_depth %d\n", queue)
	metric("tillroll_ocr_jobs_total", "counter", "Documents finished by the OCR workers since start, by result.")
	fmt.Fprintf(&b, "tillroll_ocr_jobs_total{result=\"completed\"} %d\n", completed)
	fmt.Fprintf(&b, "tillroll_ocr_jobs_total{result=\"failed\"} %d\n", failed)
	metric("tillroll_ocr_seconds_total", "counter", "Seconds the OCR workers spent on finished documents since start.")
	fmt.Fprintf(&b, "tillroll_ocr_seconds_total %g\n", seconds)
	metric("tillroll_ocr_seconds_count", "counter", "Finished documents counted in tillroll_ocr_seconds_total.")
	fmt.Fprintf(&b, "tillroll_ocr_seconds_count %d\n", completed+failed)
	metric("tillroll_outbox_depth", "gauge", "Notifications waiting to be delivered, by kind.")
	kinds := make([]string, 0, len(outbox))
	for k := range outbox {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&b, "tillroll_outbox_depth{kind=%q} %d\n", k, outbox[k])
	}
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", b.Bytes())
}
