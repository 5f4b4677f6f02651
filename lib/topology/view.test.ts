import { describe, expect, it } from 'vitest';
import { effectiveRange, readTopologyView, sagaListHrefForService, topologyHref } from './view';

const resolved = { fromMs: Date.parse('2026-01-01T10:00:00Z'), toMs: Date.parse('2026-01-01T16:00:00Z') };
const view = (raw: Record<string, string>) => readTopologyView(raw).view;

describe('topology view', () => {
  it('splits the view-only refresh from the API query', () => {
    const r = readTopologyView({ range: '6h', name: 'checkout', refresh: '5', from: '' });
    expect(r.apiParams).toEqual({ range: '6h', name: 'checkout' });
    expect(r.view).toEqual({ range: '6h', from: null, to: null, name: 'checkout', sagaId: null, refresh: true });
  });

  it('reads the older `sagaName` as the saga name, and writes `name` in its links', () => {
    const old = readTopologyView({ range: '6h', sagaName: 'checkout', utm_source: 'slack' });
    expect(old.view.name).toBe('checkout');
    expect(topologyHref(old.view)).toBe('/topology?range=6h&name=checkout');
  });

  it('defaults to the last hour; absolute bounds replace a preset', () => {
    expect(effectiveRange(view({}))).toBe('1h');
    expect(effectiveRange(view({ range: '24h' }))).toBe('24h');
    expect(effectiveRange(view({ range: '24h', from: '2026-01-01T00:00:00Z' }))).toBeNull();
  });

  it('builds its own URL without empty values', () => {
    expect(topologyHref({})).toBe('/topology');
    expect(topologyHref({ range: '15m', name: 'a&b=c', from: '', refresh: true })).toBe('/topology?range=15m&name=a%26b%3Dc&refresh=5');
  });

  it('links a service to the list with the same preset and name, or to its one saga whatever the range', () => {
    expect(sagaListHrefForService('payment', view({ range: '24h', name: 'checkout' }), resolved)).toBe(
      '/sagas?service=payment&name=checkout&range=24h',
    );
    expect(sagaListHrefForService('order', view({}), resolved)).toBe('/sagas?service=order&range=1h');
    expect(sagaListHrefForService('order', view({ sagaId: 'gid-1', range: '6h' }), resolved)).toBe('/sagas?service=order&q=gid-1');
  });

  it('turns a preset the list lacks into a fixed start, and keeps absolute bounds', () => {
    expect(sagaListHrefForService('order', view({ range: '6h' }), resolved)).toBe('/sagas?service=order&from=2026-01-01T10%3A00%3A00.000Z');
    expect(sagaListHrefForService('order', view({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }), resolved)).toBe(
      '/sagas?service=order&from=2026-01-01T00%3A00%3A00Z&to=2026-01-02T00%3A00%3A00Z',
    );
  });

  it('encodes hostile service names into the query, never the path', () => {
    for (const svc of ['javascript:alert(1)', '<img src=x onerror=alert(1)>', '../../admin?x=1#y']) {
      const href = sagaListHrefForService(svc, view({}), resolved);
      expect(href.startsWith('/sagas?service=')).toBe(true);
      expect(new URL(href, 'http://h').searchParams.get('service')).toBe(svc);
      expect(href).not.toMatch(/[<># ]/);
    }
  });
});
