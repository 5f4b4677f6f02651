import { describe, expect, it } from 'vitest';
import { summaryParameters } from './summary-writer';
import { arrayLiteral, numberArrayLiteral } from '../db/pg-text';
import { anomalyKinds } from '../saga/anomalies';
import { buildSaga } from '../saga/model';
import { modelConfig } from '../saga/config';
import { BASE_MS, scenario } from '../../test/support/saga-fixtures';
import type { Saga } from '../saga/types';

/** The parameters column by column, as they were built before the one-pass version (columns in the table's order, the write time last). */
function columnByColumn(sagas: readonly Saga[], nowMs: number, rollups: readonly (string | null)[]): (string | number)[] {
  const text = (f: (s: Saga) => string | null) => arrayLiteral(sagas.map(f));
  const num = (f: (s: Saga) => number | boolean | null) => numberArrayLiteral(sagas.map(f));
  return [
    text((s) => s.id), text((s) => s.name), text((s) => s.protocol), text((s) => s.status), text((s) => s.next?.status ?? null),
    num((s) => s.next?.atMs ?? null), text((s) => arrayLiteral(anomalyKinds(s.anomalies))),
    text((s) => arrayLiteral(s.next ? s.next.anomalies : [])), num((s) => s.startMs), num((s) => s.lastEndMs),
    num((s) => s.durationMs), text((s) => arrayLiteral(s.services)), text((s) => arrayLiteral(s.traceIds)),
    num((s) => s.stepCount), num((s) => s.spanCount), text((s) => s.failedStep), num((s) => s.compensationCount),
    num((s) => s.timeToConsistencyMs), num((s) => s.zeroCode), num((s) => s.lastActivityMs), rollups.map((r) => r ?? '\u001e').join('\u001f'),
    num((s) => s.repairedAtMs), num((s) => s.timeToRepairMs), nowMs,
  ];
}

describe('summaryParameters', () => {
  it('equals the column-by-column build, escaping included', () => {
    const odd = ['a"b', 'c\\d', '{x}', 'NULL', '', 'e,f'];
    const sagas: Saga[] = [];
    for (let i = 0; i < 24; i++) {
      const spans = scenario({
        sagaId: `g${odd[i % odd.length]}${i}`,
        failAt: i % 3 === 0 ? 'charge' : null,
        runningAt: i % 3 === 1 ? 'ship' : null,
        coordinator: i % 4 === 0 ? 'none' : i % 4 === 1 ? 'open' : 'finished',
        zeroCode: i % 5 === 0,
      }).map((s, j) => ({ ...s, service: j % 2 ? odd[(i + j) % odd.length]! : s.service, sagaName: i % 2 ? odd[i % odd.length]! : s.sagaName }));
      const nowMs = BASE_MS + (i % 2 ? 1_000 : 10_000_000);
      sagas.push(buildSaga(`g${odd[i % odd.length]}${i}`, spans, modelConfig({ nowMs })));
    }
    // One saga an operator repaired: its repair columns are set.
    const failed = scenario({ sagaId: 'repaired', failAt: 'ship', compensate: ['charge'] });
    const manual = { ...failed.find((s) => s.op === 'compensate')!, spanId: 'f'.repeat(16), step: 'reserve', stepIndex: 1, service: 'sagascope', trigger: 'manual' as const };
    manual.startMs += 60_000;
    manual.endMs += 60_000;
    sagas.push(buildSaga('repaired', [...failed, manual], modelConfig({ nowMs: BASE_MS + 100_000 })));
    expect(sagas.at(-1)!.timeToRepairMs).toBeGreaterThan(0);
    expect(new Set(sagas.map((s) => s.status)).size).toBeGreaterThan(2);
    expect(sagas.some((s) => s.next !== null && s.next.anomalies.length > 0)).toBe(true);
    expect(sagas.some((s) => s.anomalies.length > 0)).toBe(true);
    const rollups = sagas.map((s, i) => (i % 5 === 0 ? null : `{"n":"${s.id}"}`));
    expect(summaryParameters(sagas, BASE_MS, rollups)).toEqual(columnByColumn(sagas, BASE_MS, rollups));
    expect(summaryParameters([], BASE_MS, [])).toEqual(columnByColumn([], BASE_MS, []));
  });

  it('refuses rollup text with a raw separator (it would split one saga into two)', () => {
    const saga = buildSaga('one', scenario({ sagaId: 'one' }), modelConfig({ nowMs: BASE_MS }));
    expect(() => summaryParameters([saga], BASE_MS, ['{"n":"a\u001fb"}'])).toThrow(/raw control character/);
  });
});
