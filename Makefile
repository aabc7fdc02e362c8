# oomguard: make help lists the targets.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
BIN := $(CURDIR)/.cache/bin
export PATH := $(BIN):$(PATH)
export OOMGUARD_PROMTOOL := $(BIN)/promtool

TOOLS := promtool staticcheck

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/oomguard
	go build -o bin/oomguard ./cmd/oomguard

.PHONY: tools
tools: ## build the pinned external tools into .cache/bin (reused while their version holds)
	@for t in $(TOOLS); do tools/build.sh $$t; done

.PHONY: fmt-check
fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet:
	go vet ./...

.PHONY: test
test: tools fmt-check vet ## what CI runs: formatting, vet, and every test with the race detector
	go test -race -count=1 ./...

.PHONY: bench
bench: tools build ## oomguard against promtool on the same inputs, then the Go benchmarks
	go run ./bench -promtool $(BIN)/promtool -oomguard bin/oomguard
	go test -run '^$$' -bench . -benchmem ./...

.PHONY: lint
lint: tools fmt-check vet ## go vet, gofmt and staticcheck
	staticcheck ./...

.PHONY: generate
generate: ## regenerate generated files
	go generate ./...

.PHONY: update-golden
update-golden: ## rewrite golden files and the expected output of CLI scripts
	go test ./rules/ ./internal/cli/ -run 'TestBadInput|TestRoundTrip|TestScripts' -update

.PHONY: check-generated
check-generated: generate update-golden ## regenerate, then fail if anything changed
	git diff --exit-code

.PHONY: fuzz
fuzz: ## fuzz the loader and the position mapping (FUZZTIME each, default 60s)
	go test ./rules/ -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-60s}
	go test ./rules/ -run '^$$' -fuzz FuzzExprPos -fuzztime $${FUZZTIME:-60s}

.PHONY: crd
crd: ## regenerate the PrometheusRule CRD from the pinned monitoring types
	tools/build.sh controller-gen
	tools/crd.sh
