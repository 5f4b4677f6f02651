import { describe, expect, it } from 'vitest';
import { TraceRing } from './trace-ring';
import { scaleTraffic } from './scale-traffic';

describe('TraceRing', () => {
  const ids = Array.from({ length: 4000 }, (_, i) => (i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(4));

  it('sends a trace id to the same backend every time, whatever the order of the endpoint list', () => {
    const a = new TraceRing(['c1:4317', 'c2:4317']);
    const b = new TraceRing(['c2:4317', 'c1:4317']);
    for (const id of ids) expect(b.endpointOf(id)).toBe(a.endpointOf(id));
  });

  it('uses every backend, and adding one moves only part of the traces, all of them to the new one', () => {
    const two = new TraceRing(['c1:4317', 'c2:4317']);
    const three = new TraceRing(['c1:4317', 'c2:4317', 'c3:4317']);
    const share = ids.filter((id) => two.endpointOf(id) === 'c1:4317').length / ids.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.8);
    const moved = ids.filter((id) => two.endpointOf(id) !== three.endpointOf(id));
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(ids.length * 0.6);
    for (const id of moved) expect(three.endpointOf(id)).toBe('c3:4317');
  });
});

describe('scaleTraffic', () => {
  const t = scaleTraffic({ minSpans: 2000, seed: 5, startMs: Date.UTC(2026, 0, 1) });

  it('continues every 4th saga in a second trace, half of them with orphans emitted before their parent', () => {
    const traces = new Map<string, Set<string>>();
    const sagaOfTrace = new Map<string, string>();
    for (const s of t.spans) if (typeof s.attributes['saga.id'] === 'string') sagaOfTrace.set(s.traceId, s.attributes['saga.id']);
    for (const s of t.spans) {
      const saga = sagaOfTrace.get(s.traceId)!;
      expect(saga).toBeDefined();
      if (!traces.has(saga)) traces.set(saga, new Set());
      traces.get(saga)!.add(s.traceId);
    }
    expect(traces.size).toBe(t.sagas);
    expect([...traces.values()].filter((x) => x.size === 2).length).toBe(t.split);
    expect(t.split).toBe(Math.ceil(t.sagas / 4));

    const orphans = t.spans.filter((s) => s.attributes['saga.id'] === undefined);
    expect(orphans.length).toBe(t.orphans);
    expect(orphans.length).toBeGreaterThan(0);
    for (const o of orphans) {
      expect(String(o.attributes['url.full'])).not.toContain('gid=');
      const parentAt = t.spans.findIndex((s) => s.traceId === o.traceId && s.spanId === o.parentSpanId);
      expect(parentAt).toBeGreaterThan(t.spans.indexOf(o));
    }
  });
});
