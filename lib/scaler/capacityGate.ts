import type { RunnerCluster } from '../ports.ts';

/**
 * Counts live pods per class once per batch, then hands out the remaining places to the batch's
 * records one by one, so records of one batch running at once cannot overfill a class between them.
 */
export class CapacityGate {
  private readonly liveCounts = new Map<string, Promise<{ live: number }>>();
  private readonly cluster: Pick<RunnerCluster, 'countLivePods'>;

  constructor(cluster: Pick<RunnerCluster, 'countLivePods'>) {
    this.cluster = cluster;
  }

  /** Takes a place in the class, or returns false when it is full. */
  async tryReserve(runnerClass: { name: string; maxRunners: number }): Promise<boolean> {
    const count = await this.count(runnerClass.name);
    if (count.live >= runnerClass.maxRunners) return false;
    count.live += 1;
    return true;
  }

  /** Gives back a place taken by a record that did not create a pod after all. */
  async release(runnerClassName: string): Promise<void> {
    const count = await this.count(runnerClassName);
    count.live -= 1;
  }

  private count(runnerClassName: string): Promise<{ live: number }> {
    let count = this.liveCounts.get(runnerClassName);
    if (!count) {
      count = this.cluster.countLivePods(runnerClassName).then((live) => ({ live }));
      count.catch(() => this.liveCounts.delete(runnerClassName));
      this.liveCounts.set(runnerClassName, count);
    }
    return count;
  }
}
