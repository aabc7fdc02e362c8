#!/usr/bin/env bash
# Builds a pinned tool into .cache/bin, from its module under tools/NAME.
# The binary is reused while the stamp beside it names the pinned version.
#
#   tools/build.sh NAME
set -euo pipefail

name=$1
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.cache/bin"
moddir="$root/tools/$name"

# What the tool is built from, and the version pinned in its go.mod.
case "$name" in
  promtool)       module=github.com/prometheus/prometheus;  pkg=github.com/prometheus/prometheus/cmd/promtool ;;
  prometheus)     module=github.com/prometheus/prometheus;  pkg=github.com/prometheus/prometheus/cmd/prometheus ;;
  controller-gen) module=sigs.k8s.io/controller-tools;      pkg=sigs.k8s.io/controller-tools/cmd/controller-gen ;;
  staticcheck)    module=honnef.co/go/tools;                pkg=honnef.co/go/tools/cmd/staticcheck ;;
  *) echo "tools/build.sh: unknown tool $name" >&2; exit 2 ;;
esac
version=$(cd "$moddir" && go list -m -f '{{.Version}}' "$module")
stamp="$module@$version"

if [[ -x "$bin/$name" && -f "$bin/$name.version" && "$(cat "$bin/$name.version")" == "$stamp" ]]; then
  exit 0
fi

ldflags=""
if [[ "$module" == github.com/prometheus/prometheus ]]; then
  # Prometheus v0.3XX.Y is release 3.XX.Y; stamp it as promu does.
  minor=${version#v0.}; minor=${minor%%.*}
  patch=${version##*.}
  release="${minor:0:1}.${minor:1}.$patch"
  v=github.com/prometheus/common/version
  ldflags="-X $v.Version=$release -X $v.Revision=$version -X $v.Branch=release -X $v.BuildUser=oomguard -X $v.BuildDate=19700101-00:00:00"
fi

echo "building $name from $stamp" >&2
mkdir -p "$bin"
start=$(date +%s)
(cd "$moddir" && go build -trimpath -ldflags "$ldflags" -o "$bin/$name.tmp" "$pkg")
mv "$bin/$name.tmp" "$bin/$name"
echo "$stamp" > "$bin/$name.version"
echo "built $name in $(( $(date +%s) - start ))s" >&2
