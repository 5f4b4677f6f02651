import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DemoConfigError, faultsOf, loadDemoConfig, parseDemoConfig, scenarioWeightsOf, DEFAULT_SCENARIO_WEIGHTS } from './config';
import { SCENARIOS } from './scenarios';

describe('demo config', () => {
  it('defaults to light, mostly healthy traffic', () => {
    const c = parseDemoConfig({});
    expect(c.rate).toBe(2);
    expect(c.showcase).toBe(true);
    expect(c.callTimeoutMs).toBeLessThan(c.slowCallMs);
    expect(c.callTimeoutMs).toBeLessThan(c.hangDelayMs);
    expect(c.stormAttempts).toBeGreaterThan(5); // above the dashboard's default SAGASCOPE_MAX_ATTEMPTS
    const weights = scenarioWeightsOf(c);
    const trouble = Object.values(weights).reduce((a, b) => a + b, 0);
    expect(trouble).toBeGreaterThan(0);
    expect(trouble).toBeLessThan(0.4);
    for (const s of SCENARIOS) expect(weights[s]).toBeLessThanOrEqual(0.05);
  });

  it('rejects out-of-range values, naming the field', () => {
    expect(() => parseDemoConfig({ rate: 100 })).toThrow(/rate/);
    expect(() => parseDemoConfig({ scenarios: { nonsense: 0.1 } })).toThrow(DemoConfigError);
    expect(() => parseDemoConfig({ steps: { 'charge-payment': { failureRate: 2 } } })).toThrow(/steps\.charge-payment\.failureRate/);
    expect(() => parseDemoConfig({ steps: { 'no-such-step': {} } })).toThrow(/step names are/);
    expect(() => parseDemoConfig({ steps: { default: { latencyMs: [50, 10] } } })).toThrow(/latencyMs/);
    expect(() => parseDemoConfig({ callTimeoutMs: 5_000, slowCallMs: 4_000 })).toThrow(/slowCallMs: must exceed callTimeoutMs/);
  });

  it('resolves per-step faults over default over built-ins', () => {
    const c = parseDemoConfig({ steps: { default: { failureRate: 0.5 }, 'charge-payment': { failureRate: 0.1 } } });
    expect(faultsOf(c, 'charge-payment').failureRate).toBe(0.1);
    expect(faultsOf(c, 'create-order').failureRate).toBe(0.5);
    expect(faultsOf(parseDemoConfig({}), 'create-order')).toEqual({ failureRate: 0.02, transientErrorRate: 0.04, slowRate: 0.01, latencyMs: [5, 40] });
  });

  it('overrides scenario weights one by one', () => {
    const w = scenarioWeightsOf(parseDemoConfig({ scenarios: { stalled: 0, retry_storm: 0.5 } }));
    expect(w.stalled).toBe(0);
    expect(w.retry_storm).toBe(0.5);
    expect(w.orphan).toBe(DEFAULT_SCENARIO_WEIGHTS.orphan);
  });

  it('loads SAGASCOPE_DEMO_CONFIG inline or from a file', () => {
    expect(loadDemoConfig({}).rate).toBe(2);
    expect(loadDemoConfig({ SAGASCOPE_DEMO_CONFIG: '{"rate": 0.5}' }).rate).toBe(0.5);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'demo-config-')), 'demo.json');
    fs.writeFileSync(file, JSON.stringify({ rate: 1, seed: 7 }));
    expect(loadDemoConfig({ SAGASCOPE_DEMO_CONFIG: file })).toMatchObject({ rate: 1, seed: 7 });
    expect(() => loadDemoConfig({ SAGASCOPE_DEMO_CONFIG: '{not json' })).toThrow(/not valid JSON/);
    expect(() => loadDemoConfig({ SAGASCOPE_DEMO_CONFIG: '/no/such/file.json' })).toThrow(/cannot read/);
  });
});
