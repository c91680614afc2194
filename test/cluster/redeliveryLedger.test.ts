import { describe, expect, it } from 'vitest';
import { KubernetesRedeliveryLedger } from '../../lib/adapters/kubernetesRedeliveryLedger.ts';
import { coreApi } from './clusterClients.ts';

describe('KubernetesRedeliveryLedger on a real kube-apiserver', () => {
  it("keeps what was redelivered between runs, with the scaler's own rights", async () => {
    // Prepare
    const api = coreApi('scaler');
    const ledger = () =>
      new KubernetesRedeliveryLedger({ namespace: 'github-runners', api: async () => api });
    const asked = new Map([['guid-1', { attempts: 1, lastAt: 1_795_000_000_000 }]]);

    // Act
    const before = await ledger().recall();
    await ledger().remember(asked);
    await ledger().remember(new Map([...asked, ['guid-2', { attempts: 2, lastAt: 1_795_000_060_000 }]]));
    const after = await ledger().recall();

    // Assess
    expect(before).toEqual(new Map());
    expect(after).toEqual(
      new Map([
        ['guid-1', { attempts: 1, lastAt: 1_795_000_000_000 }],
        ['guid-2', { attempts: 2, lastAt: 1_795_000_060_000 }],
      ]),
    );
  });
});
