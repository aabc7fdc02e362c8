# oomguard. `make` (or `make help`) lists the targets.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c

# Pinned external tools (tools/NAME/go.mod), built into BIN by tools/build.sh.
BIN := $(CURDIR)/.cache/bin
TOOLS := promtool prometheus staticcheck controller-gen jsonnet etcd kube-apiserver kubectl kube-state-metrics kubelet-cadvisor
# Tests find the tools on PATH; tests comparing with promtool also read
# OOMGUARD_PROMTOOL.
export PATH := $(BIN):$(PATH)
export OOMGUARD_PROMTOOL := $(BIN)/promtool
export OOMGUARD_JSONNET := $(BIN)/jsonnet
export OOMGUARD_PROMETHEUS := $(BIN)/prometheus
export OOMGUARD_ETCD := $(BIN)/etcd
export OOMGUARD_KUBE_APISERVER := $(BIN)/kube-apiserver
export OOMGUARD_KUBECTL := $(BIN)/kubectl
export OOMGUARD_KUBE_STATE_METRICS := $(BIN)/kube-state-metrics
export OOMGUARD_KUBELET_CADVISOR := $(BIN)/kubelet-cadvisor

# Go files of the repository, tracked or new, but not ignored.
GO_FILES = $(shell git ls-files --cached --others --exclude-standard '*.go')
# Packages whose tests take -update (golden files, CLI scripts).
GOLDEN_PKGS = $(sort $(dir $(shell grep -rl --include='*_test.go' 'flag\.Bool."update"' .)))

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/oomguard
	go build -o bin/oomguard ./cmd/oomguard

.PHONY: tools
tools: ## build the pinned tools into .cache/bin (reused while the pinned version holds)
	tools/build.sh $(TOOLS)

.PHONY: fmt-check
fmt-check: ## fail on Go files gofmt would change
	@out=$$(gofmt -l $(GO_FILES)); \
	if [[ -n "$$out" ]]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## go vet, here and in the tool modules with code of our own
	go vet ./...
	for m in $(TOOL_MODULES); do (cd $$m && go vet ./...); done

# Tool modules with code of our own, vetted and tested like the rest.
TOOL_MODULES := tools/kubelet-cadvisor

.PHONY: test
test: tools fmt-check vet ## what CI runs: formatting, vet, then every test with the race detector
	go test -race -count=1 -timeout 30m ./...
	# the real-world suites: promtool's time, a minute of CPU, that the race detector would multiply
	go test -count=1 -run '^TestRealworldBothWays$$' ./ruletest/
	go test -count=1 -run '^TestPromtoolRealworldVerdicts$$' ./internal/cli/
	for m in $(TOOL_MODULES); do (cd $$m && go test -race -count=1 ./...); done

.PHONY: e2e
e2e: tools ## the end-to-end tests alone, verbose (the kernel tests need root and cgroup v1)
	go test -count=1 -v ./e2e/

.PHONY: bench
bench: tools build ## oomguard against promtool on the same inputs, then the Go benchmarks (BENCH_FLAGS: flags of go run ./bench, e.g. -only test -runs 3; GO_BENCH=none skips the Go benchmarks)
	go run ./bench -promtool $(BIN)/promtool -jsonnet $(BIN)/jsonnet -oomguard bin/oomguard $(BENCH_FLAGS)
	if [ "$(GO_BENCH)" != none ]; then go test -run '^$$' -bench '$(or $(GO_BENCH),.)' -benchmem ./...; fi

.PHONY: lint
lint: tools fmt-check vet ## go vet, gofmt and staticcheck
	$(BIN)/staticcheck ./...

.PHONY: generate
generate: ## regenerate generated files
	go generate ./...

.PHONY: update-golden
update-golden: ## rewrite golden files and the expected output of CLI scripts
	go test $(GOLDEN_PKGS) -count=1 -update

.PHONY: crd
crd: ## regenerate the PrometheusRule CRD from the pinned monitoring types
	tools/build.sh controller-gen
	tools/crd.sh

.PHONY: check-generated
check-generated: generate crd update-golden ## regenerate everything, then fail if anything changed
	git diff --exit-code

.PHONY: fuzz
fuzz: ## fuzz the loader, the position mapping and lint as a whole (FUZZTIME each, default 60s)
	go test ./rules/ -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-60s}
	go test ./rules/ -run '^$$' -fuzz FuzzExprPos -fuzztime $${FUZZTIME:-60s}
	go test ./lint/checks/ -run '^$$' -fuzz FuzzLint -fuzztime $${FUZZTIME:-60s}
