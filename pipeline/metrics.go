package pipeline

import "time"

// Observer is told what the pool did, for GET /metrics. Its methods are
// called from the workers and must not block.
type Observer interface {
	// QueueWait is the time from an upload's commit to a worker taking
	// the document up for its first attempt.
	QueueWait(d time.Duration)
	// DocumentRead is a finished document: failed or completed, the time
	// its last attempt took, and its pages (0 when it could not be read).
	DocumentRead(failed bool, d time.Duration, pages int)
}
