# Tillroll. `make run` and `make test` install what is missing first.
GO      ?= go
BIN     ?= tillroll
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
TESTDATA ?= ../shared/testdata

.PHONY: all deps test-deps build run test vet bench eval fuzz screenshots clean

all: build

deps:
	@./scripts/install-deps

test-deps:
	@./scripts/install-deps --browser

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

run: build
	./$(BIN) serve

# Every test, with the race detector off (cgo + Tesseract is slow under it)
# and each fuzz target run on its seed corpus. The browser tests must run:
# TILLROLL_REQUIRE_BROWSER makes them fail, not skip, without Chromium.
test: test-deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	TILLROLL_REQUIRE_BROWSER=1 $(GO) test -count=1 -timeout 30m ./...

# The README's screenshots of the web app, taken by a browser test.
screenshots: test-deps
	TILLROLL_REQUIRE_BROWSER=1 TILLROLL_SCREENSHOTS=docs $(GO) test -count=1 -run '^TestBrowserScreenshots$$' ./web/

# BenchmarkServer (bench_test.go) prints ingest_p50_ms, ingest_p99_ms,
# throughput_ratio and peak_rss_mb as name=value lines, with their targets.
bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./...

eval: build
	./$(BIN) eval $(TESTDATA)/receipts
	./$(BIN) eval $(TESTDATA)/invoices
	./$(BIN) eval $(TESTDATA)/einvoices

FUZZTIME ?= 1m
fuzz: deps
	@for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -f $(BIN)
