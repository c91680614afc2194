/**
 * A workflow run's status as the jobs of its latest attempt make it, in the stand-ins of GitHub:
 * queued while all its jobs are, waiting while one is held for an approval and none runs, in progress
 * until all completed.
 */
export function runStatusOfJobs(
  statuses: readonly string[],
): 'queued' | 'waiting' | 'in_progress' | 'completed' {
  if (statuses.every((status) => status === 'queued')) return 'queued';
  if (statuses.every((status) => status === 'completed')) return 'completed';
  return statuses.includes('waiting') && !statuses.includes('in_progress') ? 'waiting' : 'in_progress';
}
