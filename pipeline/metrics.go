package pipeline

import (
	"sync"
	"time"
)

// Metrics counts the pool's finished documents and the time spent reading
// them, since the process started, for GET /metrics. A nil *Metrics counts
// nothing.
type Metrics struct {
	mu                sync.Mutex
	completed, failed uint64
	seconds           float64
}

// observe records one finished document and how long it took.
func (m *Metrics) observe(failed bool, d time.Duration) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if failed {
		m.failed++
	} else {
		m.completed++
	}
	m.seconds += d.Seconds()
}

// OCRTotals are the documents completed and failed, and the seconds spent
// on all of them.
func (m *Metrics) OCRTotals() (completed, failed uint64, seconds float64) {
	if m == nil {
		return 0, 0, 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.completed, m.failed, m.seconds
}
