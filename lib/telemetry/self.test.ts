import { describe, expect, it } from 'vitest';
import { tracing } from '@opentelemetry/sdk-node';
import { ACTIONS_SCOPE, ScopeFilterProcessor, selfOtlpEndpoint } from './self';
import { parseConfig } from '../config/env';

describe('ScopeFilterProcessor', () => {
  it('passes on only the spans of its scopes (Next.js request spans are dropped)', async () => {
    const exported: string[] = [];
    const provider = new tracing.BasicTracerProvider({
      spanProcessors: [
        new ScopeFilterProcessor(
          new tracing.SimpleSpanProcessor({
            export: (spans, done) => {
              exported.push(...spans.map((s) => `${s.instrumentationScope.name}: ${s.name}`));
              done({ code: 0 });
            },
            shutdown: async () => undefined,
          }),
          new Set([ACTIONS_SCOPE]),
        ),
      ],
    });
    provider.getTracer('next.js', '16.4.6').startSpan('GET /sagas/[id]').end();
    provider.getTracer(ACTIONS_SCOPE).startSpan('manual compensate reserve-inventory').end();
    provider.getTracer('next.js').startSpan('render route (app) /sagas').end();
    await provider.forceFlush();
    expect(exported).toEqual([`${ACTIONS_SCOPE}: manual compensate reserve-inventory`]);
  });
});

describe('selfOtlpEndpoint', () => {
  it("defaults to this host's collector gRPC port, or takes SAGASCOPE_SELF_OTLP_ENDPOINT", () => {
    expect(selfOtlpEndpoint(parseConfig({ SAGASCOPE_DATA_DIR: 'm', COLLECTOR_GRPC_PORT: '14317' }))).toBe('http://127.0.0.1:14317');
    expect(selfOtlpEndpoint(parseConfig({ SAGASCOPE_DATA_DIR: 'm' }))).toBe('http://127.0.0.1:4317');
    expect(selfOtlpEndpoint(parseConfig({ SAGASCOPE_DATA_DIR: 'm', SAGASCOPE_SELF_OTLP_ENDPOINT: 'http://collector:4317' }))).toBe('http://collector:4317');
  });
});
