/**
 * Names of everything made for one job. They are derived from the class and job ID only, so every
 * delivery of the same job names the same pod, and the API server's AlreadyExists makes creation
 * idempotent. Class names are at most 40 characters and job IDs, JSON numbers, at most 16 digits, so a
 * pod name stays within both Kubernetes' 63 and GitHub's 64 character limits.
 */
export function runnerPodName(runnerClassName: string, jobId: number): string {
  return `${runnerClassName}-${jobId}`;
}

/** The pod a job message is about: the one it names, or else the one named after its job. */
export function runnerPodNameOf(message: {
  runnerClass: string;
  jobId: number;
  podName?: string | undefined;
}) {
  return message.podName ?? runnerPodName(message.runnerClass, message.jobId);
}

/**
 * The PriorityClass of a class's pods. Its value is part of the name because a PriorityClass's value
 * cannot change: a new value makes a new class, and the deploy removes the old one.
 */
export function runnerPriorityClassName(runnerClass: { name: string; priority: number }): string {
  return `eks-runner-autoscaler-${runnerClass.name}-priority-${runnerClass.priority}`;
}

export function runnerSecretName(podName: string): string {
  return `${podName}-runner`;
}

/** The class and job of a runner name we made, or undefined for any other runner. */
export function parseRunnerPodName(
  name: string,
  runnerClassNames: readonly string[],
): { runnerClassName: string; jobId: number } | undefined {
  const match = /^(.+)-(\d{1,16})$/.exec(name);
  if (!match?.[1] || !match[2] || !runnerClassNames.includes(match[1])) return undefined;
  return { runnerClassName: match[1], jobId: Number(match[2]) };
}
