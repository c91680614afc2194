import { ALIVE_FILE } from '../pod/runnerRootLock.ts';

/**
 * Runs on every `dood` node (beside its Docker daemon): every INTERVAL_SECONDS it removes each
 * runner root whose `.alive` lock no runner holds and that was last started over IDLE_MINUTES ago.
 * The lock is taken while removing, so a runner cannot start in a root as it goes. With ONCE=1 it
 * makes one pass and exits (the tests run it so).
 */
export const JANITOR_SCRIPT = `set -u
while :; do
  for alive in "$RUNNER_ROOTS"/*/${ALIVE_FILE}; do
    [ -e "$alive" ] || continue
    root=$(dirname "$alive")
    if [ -n "$(find "$alive" -mmin "+$IDLE_MINUTES")" ] && flock -n "$alive" rm -rf "$root"; then
      echo "removed runner root $root"
    fi
  done
  [ "\${ONCE:-}" = 1 ] && exit 0
  sleep "$INTERVAL_SECONDS"
done
`;

/** Minutes since a runner started before its unlocked root may go. */
export const JANITOR_IDLE_MINUTES = 10;
export const JANITOR_INTERVAL_SECONDS = 60;
