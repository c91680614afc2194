#!/usr/bin/env bash
# Builds a real Kubernetes control plane for the tests from Kubernetes' own Go modules, as envtest does
# with downloaded binaries: kube-apiserver, kube-scheduler, kube-controller-manager, the etcd release
# Kubernetes pins, and KWOK for fake nodes. The binaries are
# cached under ~/.cache/eks-runner-autoscaler/k8s-<version>/bin and rebuilt only when the version
# changes. Nothing built here is committed.
set -euo pipefail

KUBERNETES_VERSION="${KUBERNETES_VERSION:-1.34.2}"
KWOK_VERSION="${KWOK_VERSION:-0.8.0}"
CACHE="${EKS_RUNNER_AUTOSCALER_CACHE:-$HOME/.cache/eks-runner-autoscaler}/k8s-${KUBERNETES_VERSION}"
BIN="$CACHE/bin"
COMPONENTS=(kube-apiserver kube-scheduler kube-controller-manager)
BINARIES=("${COMPONENTS[@]}" etcd kwok)
# The cache is complete when it holds this exact set, so adding a binary here rebuilds.
MARKER="$BIN/.complete-$(echo "${BINARIES[*]} kwok-${KWOK_VERSION}" | cksum | cut -d' ' -f1)"

BUILD_NAME='control plane'
source "$(dirname "$0")/build-steps.sh"

exit_if_cached "$MARKER" "$BIN" "Kubernetes ${KUBERNETES_VERSION} binaries"
require_go "the tests build kube-apiserver and etcd with it (Go 1.24 or newer)"

started=$(date +%s)
say "building Kubernetes ${KUBERNETES_VERSION} (${BINARIES[*]}) with $(go version | cut -d' ' -f3); a cold build takes about 13 minutes on 2 cores"
SRC="$CACHE/src"
mkdir -p "$SRC" "$BIN"
cd "$SRC"
export GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

download_module "k8s.io/kubernetes@v${KUBERNETES_VERSION}" kubernetes.json
KUBERNETES_GO_MOD=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' kubernetes.json)

# k8s.io/kubernetes points its staging modules at local directories; point them at the published
# modules of the same release (v0.<minor>.<patch>) instead.
STAGING_VERSION="v0.${KUBERNETES_VERSION#1.}"
ETCD_VERSION=$(sed -n 's/^\s*go.etcd.io\/etcd\/server\/v3 \(v[0-9.]*\).*/\1/p' "$KUBERNETES_GO_MOD" | head -1)
{
  echo "module local/control-plane"
  echo
  echo "go 1.24"
  grep '=> ./staging' "$KUBERNETES_GO_MOD" | awk -v v="$STAGING_VERSION" '{print "replace " $1 " => " $1 " " v}'
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
go mod edit -require="k8s.io/kubernetes@v${KUBERNETES_VERSION}" -require="go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
say "resolving modules (etcd ${ETCD_VERSION})"
tidy_modules

LDFLAGS=$(kubernetes_ldflags "$KUBERNETES_VERSION")
for component in "${COMPONENTS[@]}"; do
  say "compiling $component"
  go build -tags tools -ldflags "$LDFLAGS" -o "$BIN/$component" "k8s.io/kubernetes/cmd/$component"
done
say "compiling etcd ${ETCD_VERSION}"
go build -tags tools -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
# KWOK is its own module with no replace directives, so go install builds it as released.
say "compiling kwok v${KWOK_VERSION}"
GOBIN="$BIN" go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v${KWOK_VERSION}"

for binary in "${BINARIES[@]}"; do "$BIN/$binary" --version 2>&1 | head -1 | sed "s/^/control plane: built $binary: /" >&2; done
touch "$MARKER"
say "built in $(( $(date +%s) - started )) s"
echo "$BIN"
