#!/usr/bin/env bash
# Regenerates the PrometheusRule CRD from the monitoring types pinned in
# go.mod, with the pinned controller-gen, as the Prometheus Operator
# generates it; then adds the operator's version annotation.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pkg=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring
version=$(go list -m -f '{{.Version}}' "$pkg")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$root/.cache/bin/controller-gen" crd:crdVersions=v1 paths="$pkg/v1" output:crd:dir="$out"
sed "s|^    controller-gen.kubebuilder.io/version: \(.*\)$|&\n    operator.prometheus.io/version: ${version#v}|" \
  "$out/monitoring.coreos.com_prometheusrules.yaml" > internal/crd/monitoring.coreos.com_prometheusrules.yaml
echo "wrote internal/crd/monitoring.coreos.com_prometheusrules.yaml from $pkg@$version" >&2
