/** Hand-made FlatSpans for protocol-level tests (exact ids, attributes, order). */
import { randomBytes } from 'node:crypto';
import type { FlatSpan, Attributes } from '../../lib/otlp/types';

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');

const resources = new Map<string, Attributes>();
export function resourceFor(service: string): Attributes {
  let r = resources.get(service);
  if (!r) {
    r = Object.freeze({ 'service.name': service });
    resources.set(service, r);
  }
  return r;
}

export function makeSpan(over: Partial<FlatSpan> & { service?: string } = {}): FlatSpan {
  const { service = 'svc', ...rest } = over;
  const start = Date.now() - 5_000;
  return {
    traceId: hex(16),
    spanId: hex(8),
    parentSpanId: null,
    name: 'op',
    kind: 2,
    startMs: start,
    endMs: start + 3,
    statusCode: 0,
    statusMessage: null,
    attributes: {},
    resource: resourceFor(service),
    scope: 'tests',
    events: null,
    ...rest,
  };
}

/** The OTLP/JSON form of spans (hex ids, int64 as strings), as an SDK would send. */
export function toOtlpJson(spans: FlatSpan[], quirks: { int64AsNumber?: boolean } = {}): string {
  const ns = (ms: number) => (quirks.int64AsNumber ? Math.round(ms * 1e6) : String(BigInt(Math.round(ms * 1e3)) * 1000n));
  const attr = (a: Attributes) =>
    Object.entries(a).map(([key, v]) => ({
      key,
      value:
        typeof v === 'string'
          ? { stringValue: v }
          : typeof v === 'boolean'
            ? { boolValue: v }
            : Number.isInteger(v)
              ? { intValue: quirks.int64AsNumber ? v : String(v) }
              : { doubleValue: v },
    }));
  const byResource = new Map<Attributes, FlatSpan[]>();
  for (const s of spans) byResource.set(s.resource, [...(byResource.get(s.resource) ?? []), s]);
  return JSON.stringify({
    resourceSpans: [...byResource].map(([resource, list]) => ({
      resource: { attributes: attr(resource) },
      scopeSpans: [
        {
          scope: { name: 'tests' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
            name: s.name,
            kind: s.kind,
            startTimeUnixNano: ns(s.startMs),
            endTimeUnixNano: ns(s.endMs),
            attributes: attr(s.attributes),
            status: { code: s.statusCode, ...(s.statusMessage ? { message: s.statusMessage } : {}) },
          })),
        },
      ],
    })),
  });
}

/** Sends spans to a collector's OTLP/HTTP endpoint (JSON); it answers once they are stored. */
export async function sendSpans(httpUrl: string, spans: FlatSpan[]): Promise<void> {
  const res = await fetch(`${httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(spans) });
  if (res.status !== 200) throw new Error(`collector answered ${res.status}: ${await res.text()}`);
}
