import { ALIVE_FILE } from '../pod/runnerRootLock.ts';

/**
 * Runs on every `dood` node (beside its Docker daemon): every INTERVAL_SECONDS it removes each
 * runner root whose `.alive` lock nothing holds and that was last started over IDLE_MINUTES ago,
 * holding the lock while it does, so that no runner can start in a root as it goes. With ONCE=1 it
 * makes one pass and exits (the tests run it so).
 *
 * Before a root goes, so do the containers and networks its runner left on the node's Docker daemon
 * (DOCKER_HOST): a runner killed mid-job (SIGKILL, an OOM kill, a pod force-deleted) never ran its
 * "Stop containers". It removes them as the runner itself would at its next job in that root
 * ("Initialize containers", actions/runner's DockerCommandManager.cs): by the label the runner gave
 * them, the first 6 hex digits of the SHA-256 of a lowercased string, which is the root's path before
 * runner 2.310 and the text of `<root>/.runner` since. Both are tried. The label comes from a root
 * whose lock is free, so no live runner has it: a live runner holds the lock of its own root, and
 * roots are per pod. A root whose containers cannot be listed or removed is kept for the next pass,
 * so that its label is not lost with its `.runner`.
 */
export const JANITOR_SCRIPT = `set -u
label_of() { tr 'A-Z' 'a-z' | sha256sum | cut -c1-6; }
remove_containers() {
  labels=$(printf %s "$1" | label_of)
  [ -f "$1/.runner" ] && labels="$labels $(label_of < "$1/.runner")"
  for label in $labels; do
    ids=$(docker ps --all --quiet --no-trunc --filter "label=$label") || return 1
    for id in $ids; do
      docker rm --force "$id" > /dev/null || return 1
      echo "removed container $id of runner root $1"
    done
    docker network prune --force --filter "label=$label" > /dev/null || return 1
  done
}
while :; do
  for alive in "$RUNNER_ROOTS"/*/${ALIVE_FILE}; do
    [ -e "$alive" ] || continue
    [ -n "$(find "$alive" -mmin "+$IDLE_MINUTES")" ] || continue
    root=$(dirname "$alive")
    # command: a root gone meanwhile is passed over, not the end of the janitor's shell.
    { command exec 9>> "$alive"; } 2> /dev/null || continue
    if flock -n 9; then
      if remove_containers "$root" && rm -rf "$root"; then
        echo "removed runner root $root"
      else
        echo "kept runner root $root: its containers could not be removed" >&2
      fi
    fi
    exec 9>&-
  done
  [ "\${ONCE:-}" = 1 ] && exit 0
  sleep "$INTERVAL_SECONDS"
done
`;

/** Minutes since a runner started before its unlocked root may go. */
export const JANITOR_IDLE_MINUTES = 10;
export const JANITOR_INTERVAL_SECONDS = 60;
