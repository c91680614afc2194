import { type JobMessage, jobMessageSchema } from '../jobMessage.ts';
import type { RunnerPod } from '../ports.ts';
import { ANNOTATION } from './labels.ts';

/** The `queued` message a runner pod was made for, from its `job` annotation; undefined if unreadable. */
export function jobOfPod(pod: RunnerPod): JobMessage | undefined {
  const text = pod.annotations[ANNOTATION.job];
  if (!text) return undefined;
  try {
    const parsed = jobMessageSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
