package pipeline

// Background lowers the calling goroutine's thread below the HTTP
// handlers' priority for the rest of its life, as the pool does for its
// workers: a worker machine's workers call it before they start their
// worker process, which inherits it.
func Background() error { return background() }
