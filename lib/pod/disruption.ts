/**
 * What the cluster's node autoscaler reads before it evicts a pod to empty a node: Karpenter's
 * `karpenter.sh/do-not-disrupt` (consolidation and drift; not expiry, repair or spot interruption)
 * and Cluster Autoscaler's `safe-to-evict`.
 *
 * A runner pod is created protected, because a runner takes its job within seconds of starting, long
 * before our `in_progress` webhook could say so, and a lost webhook would leave it unprotected for
 * good. It is opened to disruption only when the reconciler finds it idle with no job of its own
 * waiting (see planReconciliation), and protected again by the `in_progress` that names it. A warm
 * pool's runner is made for no job and so created open (see buildWarmRunnerPod); the reconciler
 * protects one it finds busy before its `in_progress` comes.
 */
export const DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';
export const SAFE_TO_EVICT = 'cluster-autoscaler.kubernetes.io/safe-to-evict';

/** Set at creation and on `in_progress`: neither autoscaler may evict the pod. */
export const PROTECTED_FROM_DISRUPTION = { [DO_NOT_DISRUPT]: 'true', [SAFE_TO_EVICT]: 'false' } as const;

/**
 * Set on an idle runner: Karpenter's annotation is removed (a merge patch's null) and Cluster
 * Autoscaler is told the bare pod may go, which it otherwise refuses for a pod no controller owns.
 */
export const OPEN_TO_DISRUPTION = { [DO_NOT_DISRUPT]: null, [SAFE_TO_EVICT]: 'true' } as const;

export function isProtectedFromDisruption(annotations: Readonly<Record<string, string>>): boolean {
  return annotations[DO_NOT_DISRUPT] === 'true';
}
