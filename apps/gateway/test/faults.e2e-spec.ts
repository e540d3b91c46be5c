import { DEFAULT_TIMING } from '../../../scripts/faults/cluster';
import { runStarted, SHORT_HOLDS, SHORT_RUN_WORKERS } from '../../../scripts/faults/runner';
import { SCENARIOS } from '../../../scripts/faults/scenarios';

/**
 * The short fault run (`npm run faults -- --short`): each scenario once, on a fresh cluster of
 * real workers, private Redis and PostgreSQL behind a fault proxy, with every invariant checked
 * on the recorded history. A failure names the scenario and the invariants it broke.
 */
describe('fault scenarios (short run)', () => {
  const spec = { workers: SHORT_RUN_WORKERS, timing: DEFAULT_TIMING };

  it.each(SCENARIOS.map((s) => [s.name, s] as const))(
    '%s violates no invariant',
    async (_name, scenario) => {
      const result = await runStarted(scenario, 1, spec, SHORT_HOLDS);
      expect(result.violations).toEqual([]);
    },
    300_000,
  );
});
