import { InMemoryRunnerCluster } from '../../lib/adapters/inMemoryRunnerCluster.ts';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
import type { JobQueue } from '../../lib/ports.ts';
import { processJobRecord } from '../../lib/scaler/processJobRecord.ts';
import { newBatchContext } from '../../lib/scaler/scalerContext.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { captureLog } from './captureLog.ts';
import { testConfig } from './factories.ts';
import { ScriptedRegistry } from './scriptedRegistry.ts';

/** A queue that keeps what the scaler sends back, for asserting retries and dead letters. */
export class RecordingQueue implements JobQueue {
  readonly sent: { message: JobMessage; delaySeconds: number | undefined }[] = [];
  readonly deadLetters: { body: string; reason: string }[] = [];

  async send(message: JobMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    this.sent.push({ message, delaySeconds: options.delaySeconds });
  }

  async sendToDeadLetter(body: string, reason: string): Promise<void> {
    this.deadLetters.push({ body, reason });
  }
}

/** The scaler core wired to an in-memory cluster, a scripted GitHub and a recording queue. */
export function scalerHarness(config: AutoscalerConfig = testConfig(), now = () => new Date()) {
  const cluster = new InMemoryRunnerCluster({ now });
  const registry = new ScriptedRegistry();
  const queue = new RecordingQueue();
  const log = captureLog();
  const metrics = new MetricsRecorder();
  /** Runs the messages as one batch, concurrently, like one scaler invocation. */
  const runBatch = (...messages: JobMessage[]) => {
    const batch = newBatchContext({ config, cluster, registry, log, metrics, now });
    return Promise.all(messages.map((message) => processJobRecord(JSON.stringify(message), batch, queue)));
  };
  return { config, cluster, registry, queue, log, metrics, runBatch };
}
