package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tillroll/queue"
)

// depths is what the store tells at each scrape.
type depths interface {
	QueueDepth() (int, error)
	OutboxDepth() (map[string]int, error)
}

// appMetrics is GET /metrics (server.Metrics) and what the pool
// (pipeline.Observer) and the senders (mailer.Options.Attempted) record in
// it, through client_golang. Counters and histograms count from the
// process start; the depths are read from the store at each scrape.
type appMetrics struct {
	reg         *prometheus.Registry
	upload      *prometheus.HistogramVec
	queueWait   prometheus.Histogram
	ocrDocument prometheus.Histogram
	ocrPage     prometheus.Histogram
	documents   *prometheus.CounterVec
	attempts    *prometheus.CounterVec
}

func newMetrics(st depths) *appMetrics {
	m := &appMetrics{
		reg: prometheus.NewRegistry(),
		upload: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tillroll_upload_seconds",
			Help:    "Time from an upload's request to its answer with the key, by route (sync capture uploads, which wait for OCR, are not counted).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tillroll_queue_wait_seconds",
			Help:    "Time from an upload's commit to an OCR worker taking it up.",
			Buckets: []float64{.01, .1, .5, 1, 5, 15, 60, 300, 900, 3600},
		}),
		ocrDocument: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tillroll_ocr_seconds",
			Help:    "Seconds an OCR worker spent on a finished document (its last attempt).",
			Buckets: []float64{.25, .5, 1, 2, 4, 8, 16, 32, 64, 128},
		}),
		ocrPage: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tillroll_ocr_page_seconds",
			Help:    "Seconds of OCR per page: each page of a finished document counts its document's time divided by its pages.",
			Buckets: []float64{.1, .25, .5, 1, 2, 4, 8, 16, 32},
		}),
		documents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tillroll_ocr_jobs_total",
			Help: "Documents finished by the OCR workers, by result.",
		}, []string{"result"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tillroll_notifications_total",
			Help: "Notification delivery attempts, by kind (mail, webhook) and result (sent, failed: it is retried).",
		}, []string{"kind", "result"}),
	}
	for _, r := range []string{"completed", "failed"} {
		m.documents.WithLabelValues(r)
	}
	for _, k := range []string{"mail", "webhook"} {
		for _, r := range []string{"sent", "failed"} {
			m.attempts.WithLabelValues(k, r)
		}
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.upload, m.queueWait, m.ocrDocument, m.ocrPage, m.documents, m.attempts,
		depthCollector{st},
	)
	return m
}

// Handler serves the registry; a store that cannot be read answers 500.
func (m *appMetrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})
}

func (m *appMetrics) ObserveUpload(route string, d time.Duration) {
	m.upload.WithLabelValues(route).Observe(d.Seconds())
}

func (m *appMetrics) QueueWait(d time.Duration) { m.queueWait.Observe(max(d, 0).Seconds()) }

func (m *appMetrics) DocumentRead(failed bool, d time.Duration, pages int) {
	result := "completed"
	if failed {
		result = "failed"
	}
	m.documents.WithLabelValues(result).Inc()
	m.ocrDocument.Observe(d.Seconds())
	for range pages {
		m.ocrPage.Observe(d.Seconds() / float64(pages))
	}
}

func (m *appMetrics) Attempted(kind, result string) {
	m.attempts.WithLabelValues(kind, result).Inc()
}

var (
	queueDesc  = prometheus.NewDesc("tillroll_queue_depth", "OCR jobs waiting or running.", nil, nil)
	outboxDesc = prometheus.NewDesc("tillroll_outbox_depth", "Notifications waiting to be delivered, by kind.", []string{"kind"}, nil)
)

// depthCollector reads the queue and outbox depths at each scrape.
type depthCollector struct{ st depths }

func (c depthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDesc
	ch <- outboxDesc
}

func (c depthCollector) Collect(ch chan<- prometheus.Metric) {
	if n, err := c.st.QueueDepth(); err != nil {
		ch <- prometheus.NewInvalidMetric(queueDesc, fmt.Errorf("queue depth: %w", err))
	} else {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(n))
	}
	outbox, err := c.st.OutboxDepth()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDesc, fmt.Errorf("outbox depth: %w", err))
		return
	}
	kinds := make([]string, 0, len(outbox))
	for k := range outbox {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(outbox[k]), k)
	}
}

// queueStats is what the JetStream queue tells at each scrape.
type queueStats interface {
	Stats(ctx context.Context) (queue.Stats, error)
}

var (
	workersDesc  = prometheus.NewDesc("tillroll_queue_workers_connected", "Worker machines connected to the box's queue (tillroll worker --join).", nil, nil)
	streamDesc   = prometheus.NewDesc("tillroll_queue_stream_jobs", "OCR jobs in the JetStream work queue: waiting or being read.", nil, nil)
	inFlightDesc = prometheus.NewDesc("tillroll_queue_jobs_in_flight", "OCR jobs handed to a worker, in the box or on a worker machine, and not yet acknowledged.", nil, nil)
)

// queueCollector reads the queue's figures at each scrape.
type queueCollector struct{ q queueStats }

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- workersDesc
	ch <- streamDesc
	ch <- inFlightDesc
}

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.q.Stats(ctx)
	if err != nil {
		for _, d := range []*prometheus.Desc{workersDesc, streamDesc, inFlightDesc} {
			ch <- prometheus.NewInvalidMetric(d, fmt.Errorf("queue: %w", err))
		}
		return
	}
	ch <- prometheus.MustNewConstMetric(workersDesc, prometheus.GaugeValue, float64(st.Workers))
	ch <- prometheus.MustNewConstMetric(streamDesc, prometheus.GaugeValue, float64(st.Depth))
	ch <- prometheus.MustNewConstMetric(inFlightDesc, prometheus.GaugeValue, float64(st.InFlight))
}

// watchQueue adds the queue's figures to /metrics.
func (m *appMetrics) watchQueue(q queueStats) { m.reg.MustRegister(queueCollector{q}) }
