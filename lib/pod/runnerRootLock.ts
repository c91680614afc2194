/**
 * A `dood` runner's root lives on the node, so something must remove it once the runner is gone,
 * however it went (finished, OOM-killed, evicted). A live runner holds a lock on `.alive` in its
 * root: the kernel drops it when the process dies, whatever killed it. The node's janitor (see
 * lib/cluster/runnerRootJanitor.ts) removes a root whose lock is free.
 */
export const ALIVE_FILE = '.alive';

/**
 * The runner container's command, run holding the lock. The lock is taken on a file descriptor that
 * the command inherits, so the command itself stays the container's first process and gets its
 * SIGTERM (`flock FILE COMMAND` would stay first, and a first process ignores signals it has no
 * handler for). It needs util-linux `flock` (in the actions-runner image); an image without it runs
 * the command unlocked and never creates `.alive`, so its roots are never taken for dead ones (nor
 * cleaned).
 */
export function holdingRootLock(command: string[]): string[] {
  return ['sh', '-c', `${TAKE_ROOT_LOCK}; exec "$@"`, 'runner', ...command];
}

/** Marks the root as started now, and holds its lock until the shell and what it execs end. */
const TAKE_ROOT_LOCK = `if command -v flock > /dev/null 2>&1; then touch "$RUNNER_ROOT/${ALIVE_FILE}" && exec 9>> "$RUNNER_ROOT/${ALIVE_FILE}" && flock 9; fi`;

/**
 * Run first in the root, before the copy: a `.alive` left by an earlier pod of the same name is not
 * this runner's; then the root is this pod's, locked while it is copied, so that a pod deleted or
 * OOM-killed half-way through leaves a root the janitor removes (an unmarked root it never touches).
 */
export const CLAIM_ROOT_FOR_COPY = `rm -f "$RUNNER_ROOT/${ALIVE_FILE}" && ${TAKE_ROOT_LOCK}`;
