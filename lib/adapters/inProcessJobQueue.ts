import type { JobMessage } from '../jobMessage.ts';
import type { JobQueue, Log } from '../ports.ts';

export interface InProcessJobQueueOptions {
  /** Handles one batch of message bodies; returns the bodies to deliver again. */
  consume: (bodies: string[]) => Promise<string[]>;
  /** @default 10 */
  batchSize?: number;
  /** Batches handled at once. @default 10 */
  concurrency?: number;
  /** Delay before a failed body is delivered again. @default 5 */
  redeliveryDelaySeconds?: number;
  log: Log;
}

/** The queue of the local mode: in memory, with SQS's delays and redelivery, and a dead-letter list. */
export class InProcessJobQueue implements JobQueue {
  readonly deadLetters: { body: string; reason: string }[] = [];
  private readonly ready: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly options: InProcessJobQueueOptions;
  private activeBatches = 0;
  private closed = false;

  constructor(options: InProcessJobQueueOptions) {
    this.options = options;
  }

  async send(message: JobMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    this.enqueue(JSON.stringify(message), options.delaySeconds ?? 0);
  }

  async sendToDeadLetter(body: string, reason: string): Promise<void> {
    this.deadLetters.push({ body, reason });
  }

  /** Messages ready to be handled, waiting out a delay, and in batches being handled now. */
  depth(): { ready: number; delayed: number; inFlightBatches: number } {
    return { ready: this.ready.length, delayed: this.timers.size, inFlightBatches: this.activeBatches };
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private enqueue(body: string, delaySeconds: number): void {
    if (this.closed) return;
    if (delaySeconds <= 0) {
      this.ready.push(body);
      this.drain();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(body, 0);
    }, delaySeconds * 1000);
    this.timers.add(timer);
  }

  private drain(): void {
    const { batchSize = 10, concurrency = 10 } = this.options;
    while (this.ready.length > 0 && this.activeBatches < concurrency && !this.closed) {
      const batch = this.ready.splice(0, batchSize);
      this.activeBatches += 1;
      this.options
        .consume(batch)
        .catch((error: unknown) => {
          this.options.log.error('batch failed', { error: String(error) });
          return batch;
        })
        .then((again) => {
          for (const body of again) this.enqueue(body, this.options.redeliveryDelaySeconds ?? 5);
        })
        .finally(() => {
          this.activeBatches -= 1;
          this.drain();
        });
    }
  }
}
