# oomguard. `make` (or `make help`) lists the targets.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c

# Pinned external tools (tools/NAME/go.mod; tools/kube for kube-apiserver,
# kubectl, etcd and kube-state-metrics), built into BIN by tools/build.sh:
# those the tests run, which make test builds, and staticcheck (make lint)
# and controller-gen (make crd), which no test runs: a fresh CI machine
# would compile their own dependency graphs (some 380 packages) for nothing.
# `make e2e BIN=DIR` builds the tools into DIR and runs the tests with them.
BIN := $(CURDIR)/.cache/bin
TEST_TOOLS := promtool prometheus jsonnet etcd kube-apiserver kubectl kube-state-metrics kubelet-cadvisor thanos
TOOLS := $(TEST_TOOLS) staticcheck controller-gen
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
export OOMGUARD_THANOS := $(BIN)/thanos

# Go files of the repository, tracked or new, but not ignored.
GO_FILES = $(shell git ls-files --cached --others --exclude-standard '*.go')
# Packages whose tests take -update (golden files, CLI scripts).
GOLDEN_PKGS = $(sort $(dir $(shell grep -rl --include='*_test.go' 'flag\.Bool."update"' .)))

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

# The build's identity, from git: the version (git describe), the commit and
# its commit date in UTC (never the time of the build). A tree that is not a
# git checkout gives them on the command line: make release VERSION=v1.2.3
# COMMIT=... COMMIT_DATE=...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
COMMIT_DATE ?= $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
VERSION_PKG := github.com/oomguard/oomguard/internal/cli
STAMP = -X $(VERSION_PKG).version=$(VERSION) -X $(VERSION_PKG).commit=$(COMMIT) -X $(VERSION_PKG).commitDate=$(COMMIT_DATE)
# Reproducible, for releases: no cgo, no paths of this machine, no VCS stamp
# of the go command (the identity above says it), no symbol tables; the same
# source and identity give the same bytes wherever they are built.
GO_BUILD = CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags '-s -w $(STAMP)'

.PHONY: build
# The local build compiles with go's default settings, those of go vet, go
# test and the tools make test builds, and so reuses the packages they have
# compiled (with -trimpath and without cgo, every package would be compiled
# once more); the identity is stamped the same way.
build: ## build bin/oomguard, stamped with its version, commit and commit date
	go build -buildvcs=false -ldflags '-s -w $(STAMP)' -o bin/oomguard ./cmd/oomguard

# Release platforms, GOOS/GOARCH.
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
DIST ?= $(CURDIR)/dist

.PHONY: release
release: ## cross-build every platform into dist/, with SHA256SUMS
	rm -rf $(DIST)
	mkdir -p $(DIST)
	for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [[ $$os == windows ]] && ext=.exe; \
		GOOS=$$os GOARCH=$$arch $(GO_BUILD) -o $(DIST)/oomguard_$(VERSION)_$${os}_$${arch}$$ext ./cmd/oomguard; \
	done
	cd $(DIST) && sha256sum oomguard_* > SHA256SUMS
	cat $(DIST)/SHA256SUMS

.PHONY: release-check
# The second build has an empty Go build cache of its own: with the first
# one's, it would reuse the packages the first compiled (with -trimpath their
# keys do not depend on the directory) and compare two links, not two
# compilations.
release-check: release ## build the release again from a copy of the tree elsewhere, compiling everything afresh; fail unless the bytes are the same
	tmp=$$(mktemp -d); cache=$$(mktemp -d); trap 'rm -rf "$$tmp" "$$cache"' EXIT; \
	git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - | tar -xf - -C "$$tmp"; \
	GOCACHE="$$cache" $(MAKE) -C "$$tmp" --no-print-directory release DIST="$$tmp/dist" VERSION='$(VERSION)' COMMIT='$(COMMIT)' COMMIT_DATE='$(COMMIT_DATE)'; \
	diff -u $(DIST)/SHA256SUMS "$$tmp/dist/SHA256SUMS" && echo "release-check: the two builds are identical"

.PHONY: tools
tools: ## build every pinned tool into .cache/bin (reused while the pinned version holds)
	BIN=$(BIN) tools/build.sh $(TOOLS)

.PHONY: test-tools
test-tools: ## build the pinned tools the tests run (make test does)
	BIN=$(BIN) tools/build.sh $(TEST_TOOLS)

.PHONY: fmt-check
fmt-check: ## fail on Go files gofmt would change
	@out=$$(gofmt -l $(GO_FILES)); \
	if [[ -n "$$out" ]]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## go vet, here and in the tool modules with code of our own
	$(COMPILE_ENV) go vet ./...
	for m in $(TOOL_MODULES); do (cd $$m && $(COMPILE_ENV) go vet ./...); done
	# internal/atomicfile has code for Unix and for other systems, and only
	# the standard library below it: checked for Windows here, where
	# compiling its dependencies costs seconds, not the whole release.
	GOOS=windows GOARCH=amd64 go vet ./internal/atomicfile

# For commands that compile and run nothing else: the compiler collects
# garbage less often, which costs it some 13% less CPU (tools/build.sh
# says more). Not for the tests, some of which bound the memory of what
# they run.
COMPILE_ENV := GOGC=400

# Tool modules with code of our own, vetted and tested like the rest.
TOOL_MODULES := tools/kubelet-cadvisor

# go test's own vet step is off: it runs a subset of the checks `vet` has
# run just before over the same packages and their tests. The race build
# compiles no DWARF: go test links its binaries without it (-w) anyway, and
# no other build shares the race build's packages. The builds without the
# race detector keep the flags of go vet, go build and the tools, whose
# compiled packages they reuse.
# A program built with the race detector sleeps a second before it exits
# (GORACE's atexit_sleep_ms, for the reports of goroutines still running);
# the command-line scripts run oomguard, the test binary itself, over 350
# times.
RACE_TEST = GORACE=atexit_sleep_ms=0 go test -race -vet=off -gcflags=all=-dwarf=false
.PHONY: test
test: test-tools fmt-check vet ## what CI runs: formatting, vet, then every test with the race detector
	# the race build of the packages with code besides tests, programs
	# aside (go build would link them for nothing), under COMPILE_ENV;
	# go test below reuses every package it compiles
	$(COMPILE_ENV) go build -race -gcflags=all=-dwarf=false $$(go list -f '{{if and (ne .Name "main") .GoFiles}}{{.ImportPath}}{{end}}' ./...)
	$(RACE_TEST) -count=1 -timeout 30m ./...
	# Without the race detector, at once (neither keeps both cores busy
	# alone): the pack built in every configuration, which the race run
	# leaves out (see generate/helpers_test.go); the real-world suites and
	# the comparisons with promtool, whose time (promtool's, and oomguard's
	# on long ranges) the race detector multiplies.
	go test -vet=off -count=1 -timeout 30m ./generate/ & gen=$$!; \
	rc=0; \
	go test -vet=off -count=1 -run '^(TestRealworldBothWays|TestPruneKeepsVerdicts|TestPromtoolRealworldVerdicts|TestPromtoolGroupVerdicts)$$' ./ruletest/ ./internal/cli/ || rc=$$?; \
	wait $$gen || rc=$$?; \
	exit $$rc
	for m in $(TOOL_MODULES); do (cd $$m && $(RACE_TEST) -count=1 ./...); done

.PHONY: e2e
e2e: test-tools ## the end-to-end tests alone, verbose (the kernel tests need root and cgroup v1)
	go test -count=1 -v ./e2e/

.PHONY: bench
bench: test-tools build ## oomguard against promtool on the same inputs, then the Go benchmarks (BENCH_FLAGS: flags of go run ./bench, e.g. -only test -runs 3; GO_BENCH=none skips the Go benchmarks)
	go run ./bench -promtool $(BIN)/promtool -jsonnet $(BIN)/jsonnet -oomguard bin/oomguard $(BENCH_FLAGS)
	if [ "$(GO_BENCH)" != none ]; then go test -run '^$$' -bench '$(or $(GO_BENCH),.)' -benchmem ./...; fi

.PHONY: lint
lint: fmt-check vet ## go vet, gofmt and staticcheck
	BIN=$(BIN) tools/build.sh staticcheck
	$(BIN)/staticcheck ./...

.PHONY: generate
generate: ## regenerate generated files
	go generate ./...

.PHONY: update-golden
update-golden: ## rewrite golden files and the expected output of CLI scripts
	go test $(GOLDEN_PKGS) -count=1 -update

.PHONY: crd
crd: ## regenerate the PrometheusRule CRD from the pinned monitoring types
	BIN=$(BIN) tools/build.sh controller-gen
	tools/crd.sh

.PHONY: check-generated
check-generated: generate crd update-golden ## regenerate everything, then fail if anything changed
	git diff --exit-code

.PHONY: fuzz
fuzz: ## fuzz the loader, the position mapping and lint as a whole (FUZZTIME each, default 60s)
	go test ./rules/ -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-60s}
	go test ./rules/ -run '^$$' -fuzz FuzzExprPos -fuzztime $${FUZZTIME:-60s}
	go test ./lint/checks/ -run '^$$' -fuzz FuzzLint -fuzztime $${FUZZTIME:-60s}
