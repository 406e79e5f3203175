# Tillroll. `make run` and `make test` install what is missing first.
GO      ?= go
BIN     ?= tillroll
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
TESTDATA ?= ../shared/testdata
# The second recognizer's folder (scripts/install-recognizer fills it).
export TILLROLL_RECOGNIZER_DIR ?= $(CURDIR)/third_party/recognizer

.PHONY: all deps test-deps build run test vet bench eval fuzz screenshots clean

all: build

deps:
	@./scripts/install-deps
	@./scripts/install-recognizer

test-deps:
	@./scripts/install-deps --browser
	@./scripts/install-recognizer

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

run: build
	./$(BIN) serve

# Every test, with the race detector off (cgo + Tesseract is slow under it)
# and each fuzz target run on its seed corpus. The browser tests must run:
# TILLROLL_REQUIRE_BROWSER makes them fail, not skip, without Chromium;
# TILLROLL_REQUIRE_RECOGNIZER does the same for the second recognizer's
# tests on the real model.
test: test-deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	TILLROLL_REQUIRE_BROWSER=1 TILLROLL_REQUIRE_RECOGNIZER=1 $(GO) test -count=1 -timeout 30m ./...

# The README's screenshots of the web app, taken by a browser test.
screenshots: test-deps
	TILLROLL_REQUIRE_BROWSER=1 TILLROLL_SCREENSHOTS=docs $(GO) test -count=1 -run '^TestBrowserScreenshots$$' ./web/

# BenchmarkServer (bench_test.go) prints ingest_p50_ms, ingest_p99_ms,
# throughput_ratio and peak_rss_mb as name=value lines, with their targets.
# TILLROLL_SECOND_READER=false measures Tesseract alone.
bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./...

eval: build
	./$(BIN) eval $(TESTDATA)/receipts
	./$(BIN) eval $(TESTDATA)/receipts-de
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

# The Debian packages, dist/tillroll_<version>_<arch>.deb: the binary, the
# systemd unit, a tillroll user, /var/lib/tillroll (contrib/deb/). arm64 is
# cross-built (scripts/arm64 installs Debian's cross compilers first).
.PHONY: deb test-deb test-arm64
DIST        ?= dist
ARCHS       ?= amd64 arm64
COMMIT_TIME := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
DEB_LDFLAGS := -s -w $(LDFLAGS)

deb: deps
	@mkdir -p $(DIST)
	@for a in $(ARCHS); do \
		if [ "$$a" = "$$($(GO) env GOHOSTARCH)" ]; then \
			$(GO) build -trimpath -ldflags "$(DEB_LDFLAGS)" -o $(DIST)/tillroll-$$a . || exit 1; \
		elif [ "$$a" = arm64 ]; then \
			./scripts/arm64 $(GO) build -trimpath -ldflags "$(DEB_LDFLAGS)" -o $(DIST)/tillroll-$$a . || exit 1; \
		else echo "deb: cannot build $$a on $$($(GO) env GOHOSTARCH)"; exit 1; fi; \
		$(GO) -C contrib/deb run . --arch $$a --version $(VERSION) --commit-time $(COMMIT_TIME) \
			--binary $(CURDIR)/$(DIST)/tillroll-$$a --out $(CURDIR)/$(DIST) || exit 1; \
	done

# Installs the amd64 package with apt, runs it, purges it (TestDebInstall;
# root only: it changes the machine, so `make test` does not run it).
test-deb:
	$(MAKE) deb ARCHS=$$($(GO) env GOHOSTARCH)
	TILLROLL_DEB=$$(ls -t $(DIST)/tillroll_*_$$($(GO) env GOHOSTARCH).deb | head -1) \
		$(GO) test -count=1 -timeout 20m -run '^TestDebInstall$$' -v .

# arm64 on this amd64 machine: the OCR, store, pipeline and API tests
# cross-built and run under qemu-user-static, then real Tesseract on the
# shared receipts (ARM64_SCAN of them) read by both builds, whose fields
# must be the same (internal/scandiff lists what differs: fields, which
# fail it, and confidences and raw text, which do not). Both read with
# Tesseract alone: the second recognizer's arm64 runtime is not installed
# here. qemu is slow (about ten times native): not part of `make test`.
ARM64_PKGS ?= ./ocr/ ./ocr/extract/ ./store/ ./pipeline/ ./server/
ARM64_SCAN ?= 60
test-arm64: deps
	./scripts/arm64 $(GO) test -exec qemu-aarch64-static -count=1 -timeout 120m $(ARM64_PKGS)
	@mkdir -p $(DIST)
	$(GO) build -o $(DIST)/tillroll-amd64-scan .
	./scripts/arm64 $(GO) build -o $(DIST)/tillroll-arm64-scan .
	@files=$$(ls $(TESTDATA)/receipts/*.jpg 2>/dev/null | head -n $(ARM64_SCAN)); \
	if [ -z "$$files" ]; then echo "test-arm64: no $(TESTDATA)/receipts, so no fields compared"; exit 0; fi; \
	printf '%s\n' $$files > $(DIST)/scan-files.txt && \
	OMP_THREAD_LIMIT=1 TILLROLL_RECOGNIZER_DIR=$(DIST)/none ./$(DIST)/tillroll-amd64-scan scan --confidence $$files > $(DIST)/scan-amd64.jsonl && \
	OMP_THREAD_LIMIT=1 TILLROLL_RECOGNIZER_DIR=$(DIST)/none qemu-aarch64-static ./$(DIST)/tillroll-arm64-scan scan --confidence $$files > $(DIST)/scan-arm64.jsonl && \
	$(GO) run ./internal/scandiff $(DIST)/scan-files.txt $(DIST)/scan-amd64.jsonl $(DIST)/scan-arm64.jsonl
