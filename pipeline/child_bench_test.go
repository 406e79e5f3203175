package pipeline_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"tillroll/internal/fixture"
	"tillroll/pipeline"
)

// BenchmarkWorkerRoundTrip is what a worker process costs per document on
// top of the reading: the same receipt read by a reader in this process
// and by a child worker, one after the other, and a file the reader turns
// down at once (the round trip alone). It reports ms per document of each.
func BenchmarkWorkerRoundTrip(b *testing.B) {
	dir := b.TempDir()
	receipt := filepath.Join(dir, "receipt.png")
	damaged := filepath.Join(dir, "damaged.png")
	if err := os.WriteFile(receipt, fixture.PNG(fixture.Sample(), fixture.Options{}), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(damaged, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...), 0o600); err != nil {
		b.Fatal(err)
	}
	eng, err := engine()
	if err != nil {
		b.Fatal(err)
	}
	local := pipeline.NewLocal(eng)
	defer local.Close()
	child, err := pipeline.NewChild(pipeline.ChildOptions{Command: []string{os.Args[0]}, Env: []string{childEnv + "=1"}, Dir: filepath.Join(dir, "w")})
	if err != nil {
		b.Fatal(err)
	}
	defer child.Close()
	workers := []struct {
		name string
		w    pipeline.Worker
	}{{"local", local}, {"child", child}}
	var took [2][2]time.Duration
	n := 0
	for b.Loop() {
		for i, w := range workers {
			for k, path := range []string{receipt, damaged} {
				start := time.Now()
				_, _ = w.w.Read(b.Context(), pipeline.Job{DocID: 1, Path: path})
				took[i][k] += time.Since(start)
			}
		}
		n++
	}
	for i, w := range workers {
		b.ReportMetric(float64(took[i][0].Microseconds())/1000/float64(n), w.name+"_receipt_ms")
		b.ReportMetric(float64(took[i][1].Microseconds())/1000/float64(n), w.name+"_roundtrip_ms")
	}
}
