#!/usr/bin/env bash
# Builds a pinned external tool into .cache/bin/NAME (or $BIN/NAME) from its
# module under tools/NAME (tools/kube for the Kubernetes programs),
# whose go.mod pins the version. BIN/NAME.version records the module@version,
# the build flags and a hash of the go.mod the binary was built from; while
# it names them, the binary is reused. kubelet-cadvisor is our own program
# around a pinned library: its stamp adds a hash of its source, so that a
# change to the program rebuilds it too.
#
#   tools/build.sh NAME...
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/.cache/bin}

build() {
  local name=$1 module pkg
  case "$name" in
    promtool)       module=github.com/prometheus/prometheus; pkg=$module/cmd/promtool ;;
    prometheus)     module=github.com/prometheus/prometheus; pkg=$module/cmd/prometheus ;;
    controller-gen) module=sigs.k8s.io/controller-tools;     pkg=$module/cmd/controller-gen ;;
    staticcheck)    module=honnef.co/go/tools;               pkg=$module/cmd/staticcheck ;;
    jsonnet)        module=github.com/google/go-jsonnet;     pkg=$module/cmd/jsonnet ;;
    kube-apiserver) module=k8s.io/kubernetes;                pkg=$module/cmd/kube-apiserver ;;
    kubectl)        module=k8s.io/kubernetes;                pkg=$module/cmd/kubectl ;;
    etcd)           module=go.etcd.io/etcd/server/v3;        pkg=./etcd ;;
    kube-state-metrics) module=k8s.io/kube-state-metrics/v2;  pkg=$module ;;
    kubelet-cadvisor)   module=github.com/google/cadvisor/lib; pkg=. ;;
    thanos)         module=github.com/thanos-io/thanos;      pkg=$module/cmd/thanos ;;
    *) echo "tools/build.sh: unknown tool $name" >&2; return 2 ;;
  esac
  local dir="$root/tools/$name"
  case "$name" in kube-apiserver|kubectl|etcd|kube-state-metrics) dir="$root/tools/kube" ;; esac
  local version stamp
  version=$(go list -C "$dir" -m -f '{{.Version}}' "$module")
  # The go build flags besides -o and -ldflags, named in the stamp. No
  # -trimpath: without it a package of the module cache is compiled with the
  # same cache key as when oomguard's own go vet, go test and go build
  # compile it, so the ~800 packages promtool shares with oomguard's tests
  # (Prometheus, client_golang, apimachinery, std...) are compiled once on a
  # new machine, not twice. The binaries are not released, so the paths
  # they hold do not matter.
  local flags=()
  if [[ "$module" == github.com/prometheus/prometheus ]]; then
    # Prometheus's own build tag for a server without service discovery
    # plugins (only static and file discovery stay). The tests read rules,
    # run rule tests and scrape static targets; the cloud SDKs the plugins
    # pull in were over half of the source a fresh machine compiled for
    # the tools (go list -deps: 261 MB of Go source, 181 MB without them).
    flags+=(-tags=remove_all_sd)
  elif [[ "$module" == github.com/thanos-io/thanos ]]; then
    # Thanos's own release tag (.promu.yml): its gRPC label types are cast
    # in place from Prometheus's slice form of labels.Labels. Without the
    # tag Prometheus's labels are one string, and the sidecar faults
    # marshalling its first Info answer.
    flags+=(-tags=slicelabels)
  fi
  # The programs make bench does not time (it runs oomguard beside promtool
  # and the jsonnet CLI) are linked without the symbol table and DWARF,
  # which no test reads and which the linker spends time writing.
  local strip=""
  case "$name" in promtool|prometheus|jsonnet) ;; *) strip="-s -w" ;; esac
  # Those of them that share no packages with oomguard's tests or promtool
  # (the Kubernetes programs, etcd, kubelet-cadvisor; Prometheus shares
  # promtool's; Thanos, whose Prometheus, gRPC and OpenTelemetry are
  # versions of its own) are compiled without optimisation or inlining: the
  # tests start them and make a few requests, and a cold build of etcd took
  # 26% less CPU (78 s instead of 106 s), of the five Kubernetes programs
  # 22% less. The standard library keeps the default flags, so it is
  # compiled once for every build on the machine.
  case "$name" in
    etcd|kube-apiserver|kubectl|kube-state-metrics|kubelet-cadvisor|thanos)
      flags+=("-gcflags=all=-N -l" "-gcflags=std=") ;;
  esac
  stamp="$module@$version${flags[*]:+ flags:${flags[*]}}${strip:+ ldflags:$strip}"
  if [[ "$name" == kubelet-cadvisor ]]; then
    stamp+=" source:$(cd "$dir" && cat go.mod go.sum $(ls *.go | grep -v _test.go | sort) | sha256sum | cut -c1-16)"
  else
    # The versions of the dependencies too: tools/kube's go.mod moves
    # kube-apiserver's when a program added to it needs newer ones.
    stamp+=" go.mod:$(sha256sum < "$dir/go.mod" | cut -c1-16)"
  fi

  if [[ -x "$bin/$name" && "$(cat "$bin/$name.version" 2>/dev/null)" == "$stamp" ]]; then
    return 0
  fi

  local ldflags=""
  if [[ "$module" == github.com/prometheus/prometheus ]]; then
    # Module v0.MMmm.p is Prometheus release M.mm.p (v0.316.0 is 3.16.0).
    # Stamp it as the release build tool (promu) does, minus host and time.
    local mm=${version#v0.} patch=${version##*.}
    mm=${mm%%.*}
    local release="$((10#$mm / 100)).$((10#$mm % 100)).$patch"
    local v=github.com/prometheus/common/version
    ldflags="-X $v.Version=$release -X $v.Revision=$version -X $v.Branch=release -X $v.BuildUser=oomguard -X $v.BuildDate=19700101-00:00:00"
  fi

  if [[ "$module" == k8s.io/kubernetes ]]; then
    # As the release build does, so that the server and kubectl report
    # v1.37.2 and kubectl sees no version skew.
    local minor=${version#v1.}
    minor=${minor%%.*}
    local v=k8s.io/component-base/version c=k8s.io/client-go/pkg/version
    for p in $v $c; do
      ldflags+=" -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitCommit=$version -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
    done
  fi
  if [[ "$module" == k8s.io/kube-state-metrics/v2 ]]; then
    # As its release Makefile stamps it, minus host and time.
    local v=github.com/prometheus/common/version
    local clientgo
    clientgo=$(go list -C "$dir" -m -f '{{with .Replace}}{{.Version}}{{else}}{{.Version}}{{end}}' k8s.io/client-go)
    ldflags="-X $v.Version=$version -X $v.Revision=$version -X $v.Branch=release -X $v.BuildUser=oomguard -X $v.BuildDate=19700101-00:00:00 -X $module/pkg/app.ClientGoVersion=$clientgo"
  elif [[ "$module" == github.com/thanos-io/thanos ]]; then
    local v=github.com/prometheus/common/version
    ldflags="-X $v.Version=${version#v} -X $v.Revision=$version -X $v.Branch=release -X $v.BuildUser=oomguard -X $v.BuildDate=19700101-00:00:00"
  fi
  if [[ "$name" == etcd ]]; then
    ldflags="-X go.etcd.io/etcd/api/v3/version.GitSHA=$version"
  fi

  echo "tools: building $name from $stamp" >&2
  mkdir -p "$bin"
  # A temporary name of this process's own: worktrees share .cache/bin and
  # may build the same tool at once. The time of the build, wall and CPU
  # (user and system, of go and the compilers it runs).
  local TIMEFORMAT="tools: built $name in %0R s (CPU: %1U s user, %1S s sys)"
  # The compiler collects garbage less often (GOGC=400; not part of any
  # cache key): a cold build of etcd took 127 s of CPU instead of 147 s,
  # its largest compile 507 MB instead of 484 MB.
  time GOGC=400 go build -C "$dir" "${flags[@]}" -ldflags "$strip${strip:+ }$ldflags" -o "$bin/$name.tmp.$$" "$pkg"
  mv "$bin/$name.tmp.$$" "$bin/$name"
  echo "$stamp" > "$bin/$name.version"
}

[[ $# -gt 0 ]] || { echo "usage: tools/build.sh NAME..." >&2; exit 2; }
for name in "$@"; do
  build "$name"
done
