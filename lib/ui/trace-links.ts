/**
 * Links between a saga and its traces. The trace page's breadcrumb goes back to
 * the saga the reader came from (`?saga=` on the trace link), or to the one saga
 * the trace's spans belong to; a trace shared by several sagas lists them all.
 */

/** The trace page's URL, remembering the saga it was opened from and the span to select. */
export function traceHref(traceId: string, opts: { saga?: string | null; span?: string | null } = {}): string {
  const params = new URLSearchParams();
  if (opts.saga) params.set('saga', opts.saga);
  if (opts.span) params.set('span', opts.span);
  const qs = params.toString();
  return `/traces/${encodeURIComponent(traceId)}${qs ? `?${qs}` : ''}`;
}

export function sagaHref(sagaId: string): string {
  return `/sagas/${encodeURIComponent(sagaId)}`;
}

/**
 * The saga "back" goes to: the `saga` parameter when the trace has spans of that
 * saga (a hand-edited parameter naming another saga is ignored), else the only
 * saga of the trace, else none (no saga, or several and no way to choose).
 */
export function backToSaga(sagaIds: readonly string[], fromParam: string | string[] | undefined): string | null {
  const wanted = typeof fromParam === 'string' ? fromParam : null;
  if (wanted !== null && sagaIds.includes(wanted)) return wanted;
  return sagaIds.length === 1 ? sagaIds[0]! : null;
}
