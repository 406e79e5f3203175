package main

import (
	"tillroll/pipeline"
	"tillroll/store"
)

// metricsSource feeds GET /metrics (server.MetricsSource): the store gives
// the queue and outbox depths, the pool's counters the OCR totals.
type metricsSource struct {
	*store.Store
	*pipeline.Metrics
}
