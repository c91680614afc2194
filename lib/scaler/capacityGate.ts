import type { RunnerCluster } from '../ports.ts';

interface Round {
  maxRunners: number;
  waiters: { podName: string; resolve: (granted: boolean) => void; reject: (error: unknown) => void }[];
}

/**
 * Hands out places in each class. The requests that a batch's records make together go to the
 * cluster in one reservation per class, which the cluster makes atomically, so no number of
 * concurrent batches can overfill a class.
 */
export class CapacityGate {
  private readonly rounds = new Map<string, Round>();
  private readonly cluster: Pick<RunnerCluster, 'reservePlaces'>;

  constructor(cluster: Pick<RunnerCluster, 'reservePlaces'>) {
    this.cluster = cluster;
  }

  /** Takes a place in the class for the pod, or returns false when the class is full. */
  tryReserve(runnerClass: { name: string; maxRunners: number }, podName: string): Promise<boolean> {
    let round = this.rounds.get(runnerClass.name);
    if (!round) {
      const newRound: Round = { maxRunners: runnerClass.maxRunners, waiters: [] };
      round = newRound;
      this.rounds.set(runnerClass.name, newRound);
      // Let the other records of the batch join this round first.
      setImmediate(() => this.settle(runnerClass.name, newRound));
    }
    const joined = round;
    return new Promise((resolve, reject) => joined.waiters.push({ podName, resolve, reject }));
  }

  private async settle(runnerClassName: string, round: Round): Promise<void> {
    this.rounds.delete(runnerClassName);
    try {
      const podNames = round.waiters.map((waiter) => waiter.podName);
      const granted = await this.cluster.reservePlaces(runnerClassName, podNames, round.maxRunners);
      for (const waiter of round.waiters) waiter.resolve(granted.has(waiter.podName));
    } catch (error) {
      for (const waiter of round.waiters) waiter.reject(error);
    }
  }
}
