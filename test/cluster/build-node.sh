#!/usr/bin/env bash
# Builds what the tests' real node runs: Debian's containerd, runc, CNI plugins and Docker (installed
# with apt when missing, so a clean machine gets them), the kubelet built from the same Kubernetes
# release as the control plane, and the images its pods run, made locally (build-node-images.sh).
# Cached under ~/.cache/eks-runner-autoscaler/k8s-<version>/ beside the control plane, with its own
# markers. Prints the cache folder (bin/kubelet) and then the images' folder on stdout: one folder
# per version of the images' scripts, so that checkouts of different versions running at once never
# rebuild each other's images under a run importing them. Nothing built is committed.
set -euo pipefail

KUBERNETES_VERSION="${KUBERNETES_VERSION:-1.34.2}"
CACHE="${EKS_RUNNER_AUTOSCALER_CACHE:-$HOME/.cache/eks-runner-autoscaler}/k8s-${KUBERNETES_VERSION}"
BIN="$CACHE/bin"
HERE=$(cd "$(dirname "$0")" && pwd)
KUBELET_MARKER="$BIN/.complete-kubelet-$(echo "kubelet-${KUBERNETES_VERSION}" | cksum | cut -d' ' -f1)"
# Debian packages the node needs: the runtime, the CNI plugins, the Docker daemon and CLI the images
# carry, busybox for the images' shell, iptables for the kubelet and dockerd (nftables to delete the
# tables they made), gcc for the pause image.
PACKAGES=(containerd runc containernetworking-plugins docker.io busybox-static iptables nftables gcc libc6-dev util-linux)

BUILD_NAME='real node'
source "$HERE/build-steps.sh"

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { say "error: the real node needs ${missing[*]} and root to install them"; exit 1; }
  say "installing ${missing[*]} with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || { say "error: apt-get update failed"; exit 1; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || { say "error: apt-get install ${missing[*]} failed"; exit 1; }
fi

if [ -f "$KUBELET_MARKER" ]; then
  say "using cached kubelet ${KUBERNETES_VERSION} in $BIN"
else
  require_go "the tests build the kubelet with it"
  # The control plane's module set (build-control-plane.sh) pins the staging modules; reuse it.
  CONTROL_PLANE_BIN=$(bash "$HERE/build-control-plane.sh")
  started=$(date +%s)
  say "building kubelet ${KUBERNETES_VERSION}; a cold build takes about 2 minutes on 2 cores"
  SRC="$CACHE/src-kubelet"
  mkdir -p "$SRC"
  cp "$CACHE/src/go.mod" "$CACHE/src/go.sum" "$SRC/"
  cat > "$SRC/tools.go" <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kubelet"
GO
  cd "$SRC"
  export GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
  tidy_modules
  go build -tags tools -ldflags "$(kubernetes_ldflags "$KUBERNETES_VERSION")" -o "$BIN/kubelet" k8s.io/kubernetes/cmd/kubelet
  say "built $("$BIN/kubelet" --version) in $(( $(date +%s) - started )) s (control plane in $CONTROL_PLANE_BIN)"
  touch "$KUBELET_MARKER"
fi

IMAGES="$CACHE/images-$(cat "$HERE/build-node-images.sh" "$HERE"/node/*/* | cksum | cut -d' ' -f1)"
KUBERNETES_VERSION="$KUBERNETES_VERSION" bash "$HERE/build-node-images.sh" "$IMAGES"
echo "$CACHE"
echo "$IMAGES"
