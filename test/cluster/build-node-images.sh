#!/usr/bin/env bash
# Makes the real node's images locally, as `docker save` tarballs (no registry is reachable), into the
# folder given: pause (compiled from the Kubernetes module's build/pause/linux/pause.c), busybox
# (Debian's busybox-static), a runner image with the actions-runner layout whose run.sh is a test
# stand-in (node/runner/), and a Docker daemon image carrying Debian's dockerd, started as docker:dind
# starts it (node/dockerd/). Rebuilt when this
# script or the stand-in changes (the marker hashes them). Every name is under localhost/.
set -euo pipefail

OUT="$1"
HERE=$(cd "$(dirname "$0")" && pwd)
KUBERNETES_VERSION="${KUBERNETES_VERSION:-1.34.2}"
MARKER="$OUT/.complete-$(cat "$0" "$HERE"/node/*/* | cksum | cut -d' ' -f1)"
REPOSITORY=localhost/eks-runner-autoscaler
LIB=/usr/lib/x86_64-linux-gnu

say() { printf 'real node: %s\n' "$*" >&2; }

if [ -f "$MARKER" ]; then
  say "using cached node images in $OUT"
  exit 0
fi
started=$(date +%s)
rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# save_image TAG ROOTFS CONFIG: one layer from ROOTFS, CONFIG the image's "config" object.
save_image() {
  local tag=$1 rootfs=$2 config=$3 dir layer_id config_id
  dir=$(mktemp -d -p "$WORK")
  tar --numeric-owner --sort=name -C "$rootfs" -cf "$dir/layer.tar" .
  layer_id=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
  mkdir "$dir/$layer_id" && mv "$dir/layer.tar" "$dir/$layer_id/layer.tar"
  printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$config" "$layer_id" > "$dir/config.json"
  config_id=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
  mv "$dir/config.json" "$dir/$config_id.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config_id" "$tag" "$layer_id" \
    > "$dir/manifest.json"
  local file
  file="$OUT/$(echo "$tag" | sed 's|.*/||; s|:.*||').tar"
  tar -C "$dir" -cf "$file" manifest.json "$config_id.json" "$layer_id"
  say "made $tag ($(du -h "$file" | cut -f1))"
}

# copy_path ROOTFS PATH [cp option]: copies PATH to the same path under ROOTFS.
copy_path() {
  mkdir -p "$1$(dirname "$2")"
  cp "${3:--a}" "$2" "$1$2"
}

# with_libraries ROOTFS BINARY...: copies the binaries and the shared libraries they load.
with_libraries() {
  local rootfs=$1
  shift
  for binary in "$@"; do
    copy_path "$rootfs" "$binary"
    [ -L "$binary" ] && copy_path "$rootfs" "$(readlink -f "$binary")"
    for library in $(ldd "$(readlink -f "$binary")" 2>/dev/null | grep -o '/[^ ]*'); do
      copy_path "$rootfs" "$library" -L
    done
  done
}

# busybox_root ROOTFS: busybox with every applet linked, a passwd and tmp.
busybox_root() {
  local rootfs=$1
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/usr/bin" "$rootfs/var/run"
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
}
PATH_ENV='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'

# pause: the sandbox of every pod, from the Kubernetes release's own source.
PAUSE_SOURCE="$(go env GOMODCACHE 2>/dev/null)/k8s.io/kubernetes@v${KUBERNETES_VERSION}/build/pause/linux/pause.c"
if [ ! -f "$PAUSE_SOURCE" ]; then
  (cd "$WORK" && GOFLAGS=-mod=mod go mod download "k8s.io/kubernetes@v${KUBERNETES_VERSION}") >&2 \
    || { say "error: could not download k8s.io/kubernetes v${KUBERNETES_VERSION} for pause.c"; exit 1; }
fi
mkdir -p "$WORK/pause"
gcc -Os -static -DVERSION=v3.10-eks-runner-autoscaler -o "$WORK/pause/pause" "$PAUSE_SOURCE"
save_image "$REPOSITORY/pause:3.10" "$WORK/pause" '{"Entrypoint":["/pause"],"User":"65535:65535"}'

busybox_root "$WORK/busybox"
save_image "$REPOSITORY/busybox:1.35" "$WORK/busybox" "{$PATH_ENV,\"Cmd\":[\"sh\"]}"

# runner: the actions-runner layout (runner 1001, its files in /home/runner), busybox's sh and cp,
# util-linux flock, Debian's docker CLI, and the job images the stand-in loads instead of pulling.
ROOT="$WORK/runner"
busybox_root "$ROOT"
echo 'runner:x:1001:1001::/home/runner:/bin/sh' >> "$ROOT/etc/passwd"
printf 'runner:x:1001:\ndocker:x:123:runner\n' >> "$ROOT/etc/group"
mkdir -p "$ROOT/home/runner/bin" "$ROOT/home/runner/externals" "$ROOT/opt/stand-in/images"
install -m 0755 "$HERE/node/runner/run.sh" "$HERE/node/runner/config.sh" "$ROOT/home/runner/"
echo "stand-in for actions/runner (test/cluster/node/runner/run.sh)" > "$ROOT/home/runner/bin/README"
echo "node externals stand-in" > "$ROOT/home/runner/externals/README"
chown -R 1001:1001 "$ROOT/home/runner"
# util-linux flock, as in the actions-runner image: busybox-static has none.
with_libraries "$ROOT" /usr/bin/docker /usr/bin/flock
cp "$OUT/busybox.tar" "$ROOT/opt/stand-in/images/"
save_image "$REPOSITORY/runner:stand-in" "$ROOT" \
  "{$PATH_ENV,\"User\":\"runner\",\"WorkingDir\":\"/home/runner\",\"Cmd\":[\"./run.sh\"]}"

# dockerd: Debian's Docker daemon with its containerd, runc and iptables (nf_tables, as on the host).
ROOT="$WORK/dockerd"
busybox_root "$ROOT"
with_libraries "$ROOT" /usr/sbin/dockerd /usr/bin/docker /usr/bin/docker-init /usr/sbin/docker-proxy \
  /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/sbin/runc /usr/sbin/xtables-nft-multi
copy_path "$ROOT" "$LIB/xtables"
for name in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  ln -sf xtables-nft-multi "$ROOT/usr/sbin/$name"
done
mkdir -p "$ROOT/var/lib/docker" "$ROOT/etc/docker"
install -D -m 0755 "$HERE/node/dockerd/dockerd-entrypoint.sh" "$ROOT/usr/local/bin/dockerd-entrypoint.sh"
save_image "$REPOSITORY/dockerd:20.10" "$ROOT" "{$PATH_ENV,\"Entrypoint\":[\"dockerd-entrypoint.sh\"]}"

touch "$MARKER"
say "made the node images in $(( $(date +%s) - started )) s"
