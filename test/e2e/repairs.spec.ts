/**
 * A saga repaired by hand four minutes after its own 100 ms run, on its page
 * (issue #14 "repairs are not faults"): compensated, no anomaly, its own
 * duration, "repaired … after the failure"; on the timeline the repair is
 * badged "repair" and the idle minutes before it are cut out of the axis, so
 * the saga's own steps stay wide instead of becoming slivers.
 */
import { test, expect } from '@playwright/test';
import { e2ePorts } from '../../playwright.config';
import { toOtlpJson } from '../support/spans';
import { repairScenario } from '../support/repaired-saga';
import { formatDuration } from '../../lib/ui/format';

const id = `e2e-repaired-${Date.now().toString(36)}`;
const scenario = repairScenario({ id, sagaStartMs: Date.now() - 5 * 60_000, repairStartMs: Date.now() - 60_000 });

test('a repaired saga: compensated without anomaly, its own duration, the repair badged and beyond a break in the axis', async ({ page, request }) => {
  for (const spans of [scenario.saga, scenario.repair]) {
    const res = await request.post(`http://127.0.0.1:${e2ePorts.http}/v1/traces`, { data: toOtlpJson(spans), headers: { 'content-type': 'application/json' } });
    expect(res.status()).toBe(200);
  }
  await page.goto(`/sagas/${id}`);
  const header = page.getByTestId('saga-header');
  await expect(header.getByTestId('status-badge')).toHaveText('compensated');
  await expect(header).toContainText('100 ms');
  await expect(header.getByTestId('repaired')).toContainText(/Repaired by an operator/);
  await expect(header.getByTestId('time-to-repair')).toHaveText(formatDuration(scenario.repairedAtMs - scenario.failureEndMs));
  await expect(page.getByTestId('anomaly')).toHaveCount(0);

  // The repair: badged with text, in the timeline and the compensation chain.
  const repairRow = page.locator('[data-testid="timeline-row"][data-manual="true"]');
  await expect(repairRow).toHaveCount(1);
  await expect(repairRow.getByTestId('manual-badge')).toHaveText('repair');
  await expect(page.getByTestId('chain-repair')).toHaveText('repair');

  // The axis is broken once; the saga's own steps are readable bars, the repair lies after the break.
  await expect(page.getByTestId('timeline-break')).toHaveCount(1);
  await expect(page.getByTestId('timeline-axis-cut')).toContainText('axis cut');
  const track = await page.locator('.timeline-row__track').first().boundingBox();
  const breakBox = await page.getByTestId('timeline-break').boundingBox();
  const ownRows = page.locator('[data-testid="timeline-row"]:not([data-manual="true"])');
  await expect(ownRows).toHaveCount(5);
  for (let i = 0; i < 5; i++) {
    const bar = await ownRows.nth(i).locator('.bar').boundingBox();
    expect(bar!.x + bar!.width).toBeLessThanOrEqual(breakBox!.x + 1);
  }
  // The own run (0 → 100 ms) spans more than half the track; on a linear 4-minute axis it would be < 1 px.
  const first = await ownRows.first().locator('.bar').boundingBox();
  const last = await ownRows.last().locator('.bar').boundingBox();
  expect(last!.x + last!.width - first!.x).toBeGreaterThan(track!.width * 0.4);
  const repairBar = await repairRow.locator('.bar').boundingBox();
  expect(repairBar!.x).toBeGreaterThanOrEqual(breakBox!.x + breakBox!.width - 1);
  await page.getByTestId('timeline').screenshot({ path: 'docs/img/timeline-repair.png' });
});
