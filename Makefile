# Tillroll. `make run` and `make test` install what is missing first.
GO      ?= go
BIN     ?= tillroll
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
TESTDATA ?= ../shared/testdata

.PHONY: all deps build run test vet bench eval fuzz clean

all: build

deps:
	@./scripts/install-deps

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

run: build
	./$(BIN) serve

# Every test, with the race detector off (cgo + Tesseract is slow under it)
# and each fuzz target run on its seed corpus.
test: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

# BenchmarkServer (bench_test.go) prints ingest_p50_ms, ingest_p99_ms,
# throughput_ratio and peak_rss_mb as name=value lines, with their targets.
bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./...

eval: build
	./$(BIN) eval $(TESTDATA)/receipts
	./$(BIN) eval $(TESTDATA)/invoices

FUZZTIME ?= 1m
fuzz: deps
	@for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -f $(BIN)
