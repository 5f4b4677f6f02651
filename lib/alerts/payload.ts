/**
 * The JSON body of a webhook delivery. The stored payload (written when the
 * delivery is queued: lib/alerts/enqueue-store.ts, lib/alerts/rate-store.ts) says what
 * happened; the body adds the delivery id (receivers deduplicate on it: a retry
 * after a lost 2xx sends the same id again) and a link into the UI.
 */
export interface WebhookBody {
  /** The delivery id, also in X-Sagascope-Delivery. */
  id: string;
  event: string;
  /** When the alert was raised (not when this attempt was sent). */
  createdAt: string;
  attempt: number;
  rule: { id: string; name: string; kind: string };
  saga?: unknown;
  matched?: unknown;
  rate?: unknown;
  /** `${SAGASCOPE_PUBLIC_URL}/sagas/<id>` (or `/sagas` for a rate alert) when the public URL is configured. */
  link: string | null;
}

export interface StoredDelivery {
  id: string;
  sagaId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
  attempt: number;
  rule: { id: string; name: string; kind: string };
}

export function eventOf(payload: Record<string, unknown>): string {
  return typeof payload.event === 'string' ? payload.event : 'alert';
}

function linkFor(publicUrl: string | undefined, d: StoredDelivery): string | null {
  if (!publicUrl) return null;
  const base = publicUrl.replace(/\/+$/, '');
  if (d.sagaId !== null) return `${base}/sagas/${encodeURIComponent(d.sagaId)}`;
  const sagaName = (d.payload.rate as { sagaName?: unknown } | undefined)?.sagaName;
  return typeof sagaName === 'string' ? `${base}/sagas?name=${encodeURIComponent(sagaName)}&status=failed` : `${base}/sagas?status=failed`;
}

export function webhookBody(d: StoredDelivery, publicUrl: string | undefined): WebhookBody {
  const { event: _event, rule: _rule, ...rest } = d.payload;
  return {
    id: d.id,
    event: eventOf(d.payload),
    createdAt: d.createdAt.toISOString(),
    attempt: d.attempt,
    // The rule as it is now (renamed since?): the receiver sees the current name.
    rule: d.rule,
    ...rest,
    link: linkFor(publicUrl, d),
  };
}
