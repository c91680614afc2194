/** Why the cluster cannot be asked to act. */
export type UnreachableBecause = 'cluster-gone' | 'no-answer' | 'identity-unknown' | 'forbidden';

/**
 * What an ObjectApplier rejects with when the cluster cannot be asked to act: EKS has no such
 * cluster, nothing answers at its endpoint, or the API server does not know this identity (401: its
 * access entry is gone, or does not apply yet) or does not allow it (403).
 */
export class ClusterUnreachableError extends Error {
  override name = 'ClusterUnreachableError';
  readonly because: UnreachableBecause;

  constructor(because: UnreachableBecause, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.because = because;
  }
}
