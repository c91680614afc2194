import type { Redeliveries, RedeliveryLedger } from '../ports.ts';

/** The redelivery ledger of one process: the local mode's and the tests'. */
export class InMemoryRedeliveryLedger implements RedeliveryLedger {
  private entries: Redeliveries = new Map();

  async recall(): Promise<Redeliveries> {
    return new Map(this.entries);
  }

  async remember(redeliveries: Redeliveries): Promise<void> {
    this.entries = new Map(redeliveries);
  }
}
