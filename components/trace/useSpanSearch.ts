'use client';

import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import type { TimelineRows } from '@/lib/ui/timeline-rows';
import { localMatches, mergeMatches, needsAttributeSearch, parseSpanQuery, type SearchColumns, type SpanQuery } from '@/lib/ui/span-search';

/** Wait after the last keystroke before asking the server about attribute values. */
const ATTRIBUTE_SEARCH_DELAY_MS = 250;

interface ServerAnswer {
  key: string;
  spanIds: string[];
  truncated: boolean;
  error: string | null;
}

export interface SpanSearch {
  input: string;
  setInput(value: string): void;
  query: SpanQuery;
  /** A query is typed. */
  active: boolean;
  /** Matching rows (indices into the whole trace's rows), in tree order. */
  matches: number[];
  /** The attribute part of the search has not answered for this query yet. */
  pending: boolean;
  /** More spans matched attribute values than the server listed. */
  truncated: boolean;
  error: string | null;
}

/**
 * The trace page's search box state: names, services and span ids are matched
 * in the browser as the user types; attribute values are asked of the server
 * (GET /api/traces/{id}/search), debounced, the older request aborted.
 */
export function useSpanSearch(timeline: SearchColumns, traceId: string, rows: TimelineRows): SpanSearch {
  const [input, setInput] = useState('');
  const deferred = useDeferredValue(input);
  const query = useMemo(() => parseSpanQuery(deferred), [deferred]);
  const local = useMemo(() => localMatches(timeline, query), [timeline, query]);
  const key = needsAttributeSearch(query) ? `${query.field}:${query.text}` : '';
  const [answer, setAnswer] = useState<ServerAnswer | null>(null);

  useEffect(() => {
    if (key === '') return;
    const ctl = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const res = await fetch(`/api/traces/${encodeURIComponent(traceId)}/search?q=${encodeURIComponent(query.text)}`, {
          signal: ctl.signal,
          credentials: 'same-origin',
        });
        const body = (await res.json().catch(() => null)) as { spanIds?: unknown; truncated?: unknown; error?: unknown } | null;
        if (!res.ok || !body || !Array.isArray(body.spanIds)) {
          const msg = typeof body?.error === 'string' ? body.error : `request failed (${res.status})`;
          setAnswer({ key, spanIds: [], truncated: false, error: msg });
          return;
        }
        setAnswer({ key, spanIds: body.spanIds.filter((s): s is string => typeof s === 'string'), truncated: body.truncated === true, error: null });
      } catch (err) {
        if (!ctl.signal.aborted) setAnswer({ key, spanIds: [], truncated: false, error: 'the server could not be reached' });
      }
    }, ATTRIBUTE_SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [key, traceId, query.text]);

  const current = answer !== null && answer.key === key && key !== '' ? answer : null;
  const matches = useMemo(() => mergeMatches(local, current?.spanIds ?? [], (id) => rows.indexOf(id)), [local, current, rows]);
  return {
    input,
    setInput,
    query,
    active: query.text.length > 0,
    matches,
    pending: key !== '' && current === null,
    truncated: current?.truncated ?? false,
    error: current?.error ?? null,
  };
}
