package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDashboardMetrics: every metric contrib/grafana-dashboard.json asks
// Prometheus for is one /metrics serves, so the dashboard cannot drift
// from the code.
func TestDashboardMetrics(t *testing.T) {
	b, err := os.ReadFile("contrib/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}

	m := newMetrics(fixedDepths{})
	m.ObserveUpload("/api/v4", time.Millisecond) // a histogram shows once observed
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, f := range families {
		served[f.GetName()] = true
	}
	name := regexp.MustCompile(`\b(tillroll|process|go)_[a-z_]+\b`)
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, metric := range name.FindAllString(tg.Expr, -1) {
				n++
				base := metric
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if s, ok := strings.CutSuffix(metric, suffix); ok && served[s] {
						base = s
					}
				}
				if !served[base] {
					t.Errorf("panel %q asks for %s, which /metrics does not serve", p.Title, metric)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("the dashboard asks for no metric")
	}
}

type fixedDepths struct{}

func (fixedDepths) QueueDepth() (int, error) { return 0, nil }
func (fixedDepths) OutboxDepth() (map[string]int, error) {
	return map[string]int{"mail": 0, "webhook": 0}, nil
}
