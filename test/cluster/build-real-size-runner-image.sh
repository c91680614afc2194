#!/usr/bin/env bash
# Makes localhost/eks-runner-autoscaler/runner:real-size, the tests' stand-in runner image
# (build-node-images.sh) with a /home/runner of the size and file count of a real actions-runner
# release, for what the copy into each pod's root costs (bench/runnerRoot.ts) and what a pod killed
# during that copy leaves (realNodeRootCopy.test.ts). ghcr.io/actions/actions-runner cannot be pulled
# here. Usage: build-real-size-runner-image.sh NODE_IMAGES OUT (NODE_IMAGES holds runner.tar).
#
# The layout and its figures, and where they come from:
# - externals/: four Node.js distributions, as actions/runner's src/Misc/externals.sh lays them out for
#   linux-x64 (node20, node20_alpine, node24, node24_alpine; node24 since actions/runner#3940). Each
#   is a node binary and npm: the binaries are real ones, this machine's Node 20 (/usr/bin/node, 20.x,
#   about 99 MB) for node20*, and the project's Node 24 (node_modules/node, about 127 MB) for node24*;
#   npm is this machine's (/usr/lib/node_modules/npm, about 1,900 files, 14 MB), once in each. The
#   alpine builds are assumed to be as large as the glibc ones. Headers and docs of the tarballs are
#   left out (a few hundred small files).
# - bin/: the runner's .NET self-contained publish, assumed 300 files and 100 MB of incompressible
#   bytes. A self-contained .NET publish is "over 250 files" (dotnet/core-setup#5120) and a self-
#   contained runtime 60-70 MB (dotnet/sdk#1563); the runner's own assemblies come on top.
# That is about 620 MB and 8,100 files (10,000 with the folders), against an actions-runner-linux-x64 tarball of about 200 MB
# compressed: node binaries compress about 3:1.
set -euo pipefail

NODE_IMAGES="$1"
OUT="$2"
HERE=$(cd "$(dirname "$0")" && pwd)
NODE24="$HERE/../../node_modules/node/bin/node"
NODE20=/usr/bin/node
NPM=/usr/lib/node_modules/npm
MARKER="$OUT/.complete-$(cat "$0" "$NODE_IMAGES/runner.tar" | cksum | cut -d' ' -f1)"
TAG=localhost/eks-runner-autoscaler/runner:real-size

say() { printf 'real node: %s\n' "$*" >&2; }

if [ -f "$MARKER" ]; then
  say "using cached real-size runner image in $OUT"
  exit 0
fi
for source in "$NODE20" "$NODE24" "$NPM"; do
  [ -e "$source" ] || { say "error: the real-size runner image needs $source"; exit 1; }
done
started=$(date +%s)
rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The stand-in's file system, from its one layer.
mkdir "$WORK/image" "$WORK/rootfs"
tar -C "$WORK/image" -xf "$NODE_IMAGES/runner.tar"
layer=$(sed 's/.*"Layers":\["\([^"]*\)".*/\1/' "$WORK/image/manifest.json")
config=$(sed 's/.*"Config":"\([^"]*\)".*/\1/' "$WORK/image/manifest.json")
tar -C "$WORK/rootfs" -xf "$WORK/image/$layer"

HOME_DIR="$WORK/rootfs/home/runner"
for external in node20 node20_alpine node24 node24_alpine; do
  mkdir -p "$HOME_DIR/externals/$external/bin" "$HOME_DIR/externals/$external/lib/node_modules"
  case "$external" in
    node20*) cp "$NODE20" "$HOME_DIR/externals/$external/bin/node" ;;
    node24*) cp "$NODE24" "$HOME_DIR/externals/$external/bin/node" ;;
  esac
  cp -r "$NPM" "$HOME_DIR/externals/$external/lib/node_modules/npm"
done
for file in $(seq 1 300); do
  head -c $((100 * 1024 * 1024 / 300)) /dev/urandom > "$HOME_DIR/bin/assembly-$file.dll"
done
chown -R 1001:1001 "$HOME_DIR"

tar --numeric-owner --sort=name -C "$WORK/rootfs" -cf "$WORK/layer.tar" .
layer_id=$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1)
mkdir "$WORK/out" "$WORK/out/$layer_id"
mv "$WORK/layer.tar" "$WORK/out/$layer_id/layer.tar"
sed "s/\"diff_ids\":\[[^]]*\]/\"diff_ids\":[\"sha256:$layer_id\"]/" "$WORK/image/$config" > "$WORK/config.json"
config_id=$(sha256sum "$WORK/config.json" | cut -d' ' -f1)
mv "$WORK/config.json" "$WORK/out/$config_id.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config_id" "$TAG" "$layer_id" \
  > "$WORK/out/manifest.json"
tar -C "$WORK/out" -cf "$OUT/runner-real-size.tar" manifest.json "$config_id.json" "$layer_id"
touch "$MARKER"
say "made $TAG, /home/runner $(du -sh "$HOME_DIR" | cut -f1) in $(find "$HOME_DIR" | wc -l) files, in $(( $(date +%s) - started )) s"
