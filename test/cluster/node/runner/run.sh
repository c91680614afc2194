#!/bin/sh
# Test stand-in for the actions runner's run.sh, in the tests' runner image (build-node-images.sh).
#
# What it models, for real, of actions/runner's src/Runner.Worker/Container/DockerCommandManager.cs
# and ContainerOperationProvider.cs, for a job with `container:` and `services:`:
# - Root is the folder of run.sh (the parent of bin/); no environment variable moves it.
# - The container label, DockerInstanceLabel: the first 6 hex digits of the SHA-256 of a lowercased
#   string; before v2.310 the string is Root's path (STAND_IN_LABEL_RULE=root-path), since then the
#   text of <Root>/.runner (the default, runner-file).
# - "Initialize containers": `docker ps --all --quiet --no-trunc --filter label=<L>`, `docker rm
#   --force` of each, `docker network prune --filter label=<L>`, then a network of its own, the
#   service containers, and the job container (`tail -f /dev/null`) with the runner's bind mounts:
#   _work at /__w, externals at /__e (read-only), _work/_temp at /__w/_temp, _work/_actions,
#   _work/_tool at /__t, _temp/_github_home at /github/home, _temp/_github_workflow at /github/workflow.
# - A step is `docker exec` of a shell in the job container; the job's exit code is the step's.
# - "Stop containers" removes its containers and network when the job ends.
# What it does not model: talking to GitHub (the job comes from STAND_IN_JOB_* variables, and the
# JIT config is only written to .runner), image pulls (images are loaded from /opt/stand-in/images),
# actions, the runner's own processes (Runner.Listener, Runner.Worker) and its updates.
#
# The job: STAND_IN_JOB_SCRIPT (the step, run in sh), STAND_IN_JOB_IMAGE (the job container; unset
# runs the step in the runner itself), STAND_IN_SERVICE_IMAGES (space-separated service images).
set -eu

root=$(cd "$(dirname "$0")" && pwd)
work="$root/_work"
say() { echo "stand-in runner: $*"; }

if [ -n "${ACTIONS_RUNNER_INPUT_JITCONFIG:-}" ]; then
  printf '{"agentName":"%s","jitConfigSha256":"%s","workFolder":"_work"}' "${RUNNER_NAME:-}" \
    "$(printf %s "$ACTIONS_RUNNER_INPUT_JITCONFIG" | sha256sum | cut -c1-64)" > "$root/.runner"
fi
[ -f "$root/.runner" ] || { say "not configured: no .runner in $root"; exit 1; }

lowercase_sha6() { tr 'A-Z' 'a-z' | sha256sum | cut -c1-6; }
case "${STAND_IN_LABEL_RULE:-runner-file}" in
  root-path) label=$(printf %s "$root" | lowercase_sha6) ;;
  runner-file) label=$(lowercase_sha6 < "$root/.runner") ;;
  *) say "unknown STAND_IN_LABEL_RULE ${STAND_IN_LABEL_RULE}"; exit 2 ;;
esac
say "root $root, container label $label, uid $(id -u)"
mkdir -p "$work/_temp/_github_home" "$work/_temp/_github_workflow" "$work/_actions" "$work/_tool"
script=${STAND_IN_JOB_SCRIPT:-true}

if [ -z "${STAND_IN_JOB_IMAGE:-}" ]; then
  cd "$work"
  exec sh -e -c "$script"
fi

ensure_image() {
  docker image inspect "$1" > /dev/null 2>&1 && return
  archive="/opt/stand-in/images/$(echo "$1" | sed 's|.*/||; s|:.*||').tar"
  docker load --quiet --input "$archive" > /dev/null
}

say "Initialize containers: clean up resources from previous jobs"
for stale in $(docker ps --all --quiet --no-trunc --filter "label=$label"); do
  docker rm --force "$stale" > /dev/null && say "removed stale container $stale"
done
docker network prune --force --filter "label=$label" > /dev/null
network="github_network_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
docker network create --label "$label" "$network" > /dev/null
containers=""
service=0
for image in ${STAND_IN_SERVICE_IMAGES:-}; do
  service=$((service + 1))
  ensure_image "$image"
  id=$(docker create --label "$label" --network "$network" --network-alias "service$service" \
    --entrypoint tail "$image" -f /dev/null)
  docker start "$id" > /dev/null
  containers="$containers $id"
done
ensure_image "$STAND_IN_JOB_IMAGE"
job=$(docker create --label "$label" --workdir /__w --network "$network" \
  -v "$work:/__w" -v "$root/externals:/__e:ro" -v "$work/_temp:/__w/_temp" \
  -v "$work/_actions:/__w/_actions" -v "$work/_tool:/__t" \
  -v "$work/_temp/_github_home:/github/home" -v "$work/_temp/_github_workflow:/github/workflow" \
  --entrypoint tail "$STAND_IN_JOB_IMAGE" -f /dev/null)
docker start "$job" > /dev/null
containers="$containers $job"
say "job container $job started"

status=0
docker exec "$job" sh -e -c "$script" || status=$?
say "step exited $status"

say "Stop containers"
for id in $containers; do docker rm --force "$id" > /dev/null 2>&1 || true; done
docker network rm "$network" > /dev/null 2>&1 || true
exit "$status"
