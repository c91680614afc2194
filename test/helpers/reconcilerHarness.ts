import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { reconcileRunners } from '../../lib/reconciler/reconcileRunners.ts';
import { testConfig } from './factories.ts';
import { scalerHarness } from './scalerHarness.ts';

/**
 * The scaler harness with a clock the test moves, and the reconciler wired to the same peers. The
 * clock starts at 10:01, a minute that is no multiple of the sweep periods: those runs sweep nothing.
 */
export function reconcilerHarness(config: AutoscalerConfig = testConfig(), start = '2026-11-28T10:01:00Z') {
  let clock = new Date(start);
  const harness = scalerHarness(config, () => clock);
  const reconcile = () => reconcileRunners({ ...harness, now: () => clock });
  const advance = (milliseconds: number) => {
    clock = new Date(clock.getTime() + milliseconds);
  };
  return { ...harness, reconcile, advance };
}
