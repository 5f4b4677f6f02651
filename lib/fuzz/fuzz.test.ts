import { describe, it } from 'vitest';
import fc from 'fast-check';
import { SUITES } from './suites';

// A few thousand inputs per run in the test suite (a new seed each run, printed on
// failure); `npm run fuzz` runs ≥ 1,000,000 (test/fuzz/run.ts).
describe('hostile input (fuzz, short run)', () => {
  for (const s of SUITES) {
    it(s.name, () => {
      fc.assert(s.property as fc.IProperty<unknown[]>, { numRuns: Math.max(200, Math.round(20_000 * s.weight)) });
    }, 60_000);
  }
});
