/** The audit trail's entries as the store returns them and the API sends them (GET /api/audit). */

/**
 * One audit-trail entry (lib/audit/store.ts). `id` is `seq` as a string. `hash` =
 * SHA-256 over the canonical encoding of every other field (lib/audit/chain.ts),
 * `prevHash` the previous entry's hash.
 */
export interface AuditEntry {
  id: string;
  seq: number;
  at: string;
  actor: string;
  role: string;
  /** How the actor was authenticated: session | token | cli | setup | password | anonymous | system. */
  via: string;
  action: string;
  sagaId: string | null;
  step: string | null;
  /** What was asked (JSON). */
  request: unknown;
  /** What came out (JSON): an export manifest, an HTTP status… */
  result: unknown;
  outcome: string;
  reason: string | null;
  /** seq of the entry this one completes (an action's outcome → its intent). */
  ref: number | null;
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}
