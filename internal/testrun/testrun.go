// Package testrun runs a test's background parts (OCR pools, analyzers,
// senders) until the test stops them.
package testrun

import (
	"context"
	"sync"
	"testing"
)

// Go runs f in a goroutine until the returned stop is called; stop cancels
// f's context and waits for it to return. An error from f fails the test.
func Go(t testing.TB, f func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := f(ctx); err != nil {
			t.Errorf("background: %v", err)
		}
	}()
	return func() { cancel(); wg.Wait() }
}
