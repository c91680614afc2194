#!/usr/bin/env bash
# Builds Karpenter with its KWOK cloud provider (the provider Karpenter's own tests use: its nodes are
# Node objects that a KWOK controller runs), and copies the CRDs of that release beside it. Cached
# under ~/.cache/eks-runner-autoscaler/karpenter-<version>/, apart from the control plane, so either
# can change without rebuilding the other. Prints the cache folder (bin/, crds/) on stdout. Nothing
# built here is committed.
set -euo pipefail

KARPENTER_VERSION="${KARPENTER_VERSION:-1.15.0}"
# The toolchain the release's go.mod asks for; the go command fetches it from the module proxy.
KARPENTER_GO="${KARPENTER_GO:-go1.26.9}"
CACHE="${EKS_RUNNER_AUTOSCALER_CACHE:-$HOME/.cache/eks-runner-autoscaler}/karpenter-${KARPENTER_VERSION}"
BIN="$CACHE/bin"
MARKER="$BIN/.complete-$(echo "karpenter-kwok-${KARPENTER_VERSION} ${KARPENTER_GO} crds" | cksum | cut -d' ' -f1)"
MODULE=sigs.k8s.io/karpenter
BUILD_NAME=karpenter
source "$(dirname "$0")/build-steps.sh"

exit_if_cached "$MARKER" "$CACHE" "Karpenter ${KARPENTER_VERSION}"
require_go "the tests build Karpenter's KWOK provider with it"

started=$(date +%s)
say "building Karpenter ${KARPENTER_VERSION} (KWOK provider) with ${KARPENTER_GO}; a cold build takes about 4 minutes on 2 cores"
rm -rf "$CACHE"
mkdir -p "$BIN" "$CACHE/crds"
# Outside any module, so that go install and go mod download take the release as it is published.
cd "$CACHE"
export GOTOOLCHAIN="${KARPENTER_GO}+auto" GOFLAGS=-mod=mod

download_module "${MODULE}@v${KARPENTER_VERSION}" module.json
MODULE_DIR=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' module.json)
# The KWOKNodeClass CRD is the provider's own; NodePool and NodeClaim are Karpenter's.
cp "$MODULE_DIR"/kwok/charts/crds/*.yaml "$MODULE_DIR"/kwok/apis/crds/*.yaml "$CACHE/crds/"
chmod u+w "$CACHE"/crds/*.yaml

say "compiling the KWOK provider"
GOBIN="$CACHE/go-bin" go install -ldflags "-s -w" "${MODULE}/kwok@v${KARPENTER_VERSION}"
mv "$CACHE/go-bin/kwok" "$BIN/karpenter-kwok"
rm -rf "$CACHE/go-bin"

say "CRDs: $(cd "$CACHE/crds" && echo *.yaml)"
touch "$MARKER"
say "built in $(( $(date +%s) - started )) s"
echo "$CACHE"
