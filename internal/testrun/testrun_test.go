package testrun

import (
	"context"
	"testing"
)

func TestGoStopsAndWaits(t *testing.T) {
	finished := false
	stop := Go(t, func(ctx context.Context) error {
		<-ctx.Done()
		finished = true
		return nil
	})
	stop()
	if !finished {
		t.Fatal("stop returned before f did")
	}
}
