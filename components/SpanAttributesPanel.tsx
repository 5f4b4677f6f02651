'use client';

import { useEffect, useRef, useState } from 'react';
import Link from 'next/link';
import type { SpanJson, TraceJson } from '@/lib/api/types';
import { attributeValueToText, formatDuration } from '@/lib/ui/format';
import { AttributeTable } from './AttributeTable';
import { Timestamp } from '@/components/time/Timestamp';
import { traceHref } from '@/lib/ui/trace-links';

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_CODES = ['unset', 'ok', 'error'];
/** Arrow-key scanning through a timeline should not fire a request per row. */
const FETCH_DELAY_MS = 120;
const CACHE_SIZE = 200;

type Load =
  | { state: 'idle' }
  | { state: 'loading'; key: string }
  | { state: 'error'; key: string; message: string }
  | { state: 'ok'; key: string; span: SpanJson };

export interface SpanTarget {
  traceId: string;
  spanId: string;
}

/**
 * Attributes, resource, events and status of the selected span, fetched from
 * /api/traces/{traceId}?spanId= on selection. Every value is rendered as text.
 */
export function SpanAttributesPanel({
  target,
  showTraceLink = true,
  showSagaLink = true,
}: {
  target: SpanTarget | null;
  /** Off where the page already is that trace / saga. */
  showTraceLink?: boolean;
  showSagaLink?: boolean;
}) {
  const [load, setLoad] = useState<Load>({ state: 'idle' });
  const cache = useRef(new Map<string, SpanJson>());
  const key = target ? `${target.traceId}/${target.spanId}` : null;

  useEffect(() => {
    if (!target || key === null) {
      setLoad({ state: 'idle' });
      return;
    }
    const cached = cache.current.get(key);
    if (cached) {
      setLoad({ state: 'ok', key, span: cached });
      return;
    }
    setLoad({ state: 'loading', key });
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const res = await fetch(
          `/api/traces/${encodeURIComponent(target.traceId)}?spanId=${encodeURIComponent(target.spanId)}`,
          { signal: controller.signal, headers: { accept: 'application/json' } },
        );
        const body = (await res.json().catch(() => null)) as (TraceJson & { error?: string }) | null;
        if (!res.ok || !body || !Array.isArray(body.spans) || body.spans.length === 0) {
          const message = res.status === 404 ? 'This span is not stored (it may have been pruned by retention).' : (body?.error ?? `HTTP ${res.status}`);
          setLoad({ state: 'error', key, message });
          return;
        }
        const span = body.spans[0];
        cache.current.set(key, span);
        if (cache.current.size > CACHE_SIZE) cache.current.delete(cache.current.keys().next().value as string);
        setLoad({ state: 'ok', key, span });
      } catch (err) {
        if (controller.signal.aborted) return;
        setLoad({ state: 'error', key, message: err instanceof Error ? err.message : 'request failed' });
      }
    }, FETCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // `key` identifies the target; the object itself changes identity on every render.
  }, [key]);

  return (
    <aside className="panel span-panel" aria-label="Span details" aria-live="polite" data-testid="span-attributes">
      {load.state === 'idle' ? (
        <p className="muted">Select a row in the timeline to see its span: attributes, resource, events and status.</p>
      ) : load.state === 'loading' ? (
        <p className="muted" data-state="loading">
          Loading span <code>{target?.spanId}</code>…
        </p>
      ) : load.state === 'error' ? (
        <p className="alert alert--error" data-state="error">
          Span <code>{target?.spanId}</code>: {load.message}
        </p>
      ) : (
        <SpanDetails span={load.span} showTraceLink={showTraceLink} showSagaLink={showSagaLink} />
      )}
    </aside>
  );
}

function SpanDetails({ span, showTraceLink, showSagaLink }: { span: SpanJson; showTraceLink: boolean; showSagaLink: boolean }) {
  const status = STATUS_CODES[span.statusCode] ?? String(span.statusCode);
  return (
    <div data-state="loaded" data-span-id={span.spanId}>
      <h2 className="span-panel__title">{span.name}</h2>
      <dl className="facts facts--compact">
        <dt>Service</dt>
        <dd>{span.service}</dd>
        <dt>Status</dt>
        <dd className={span.statusCode === 2 ? 'text-failed' : undefined}>
          {status}
          {span.statusMessage ? `: ${span.statusMessage}` : ''}
        </dd>
        <dt>Kind</dt>
        <dd>{SPAN_KINDS[span.kind] ?? String(span.kind)}</dd>
        <dt>Start</dt>
        <dd>
          <Timestamp iso={span.startedAt} millis />
        </dd>
        <dt>Duration</dt>
        <dd>{formatDuration(span.durationMs)}</dd>
        <dt>Span id</dt>
        <dd className="mono">{span.spanId}</dd>
        <dt>Parent</dt>
        <dd className="mono">{span.parentSpanId ?? <span className="muted">root</span>}</dd>
        <dt>Trace</dt>
        <dd className="mono truncate" title={span.traceId}>
          {showTraceLink ? (
            // Not prefetched: the trace of a large saga is a heavy page to render on the server.
            <Link href={traceHref(span.traceId, { saga: span.sagaId, span: span.spanId })} prefetch={false}>
              {span.traceId}
            </Link>
          ) : (
            span.traceId
          )}
        </dd>
        {span.sagaId ? (
          <>
            <dt>Saga</dt>
            <dd className="mono truncate" title={span.sagaId}>
              {showSagaLink ? (
                <Link href={`/sagas/${encodeURIComponent(span.sagaId)}?span=${span.spanId}`}>{span.sagaId}</Link>
              ) : (
                span.sagaId
              )}
            </dd>
          </>
        ) : null}
      </dl>
      <AttributeTable caption="Attributes" attributes={span.attributes} />
      <AttributeTable caption="Resource" attributes={span.resource} />
      <SpanEvents events={span.events} />
    </div>
  );
}

function SpanEvents({ events }: { events: unknown[] | null }) {
  if (!events || events.length === 0) {
    return (
      <section className="span-panel__events">
        <h3>Events</h3>
        <p className="muted">none</p>
      </section>
    );
  }
  return (
    <section className="span-panel__events">
      <h3>Events ({events.length})</h3>
      <ol>
        {events.map((raw, i) => {
          const e = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : null;
          const name = e && typeof e.name === 'string' ? e.name : 'event';
          const timeMs = e && typeof e.timeMs === 'number' ? e.timeMs : null;
          const attributes = e && e.attributes && typeof e.attributes === 'object' ? (e.attributes as Record<string, unknown>) : null;
          return (
            <li key={i}>
              <div className="span-panel__event-head">
                <strong>{name}</strong>
                {timeMs !== null ? <Timestamp iso={new Date(timeMs).toISOString()} millis /> : null}
              </div>
              {attributes ? (
                <AttributeTable attributes={attributes} />
              ) : e ? null : (
                <code className="attr-table__value">{attributeValueToText(raw)}</code>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
