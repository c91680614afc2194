/**
 * The work's own result, or the error `passed` makes as soon as the deadline passes; the work is not
 * waited for.
 */
export function settleBeforeDeadline<T>(
  deadline: AbortSignal,
  work: Promise<T>,
  passed: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onDeadline = () => reject(passed());
    if (deadline.aborted) onDeadline();
    else deadline.addEventListener('abort', onDeadline, { once: true });
    // Also after the deadline: the work's late failure is handled here, never left unhandled.
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', onDeadline));
  });
}
