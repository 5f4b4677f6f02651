/**
 * The audit trail's hash chain, pure (used by the database module, the verify
 * API, the CLI and export verification).
 *
 * hash(entry) = SHA-256( "sagascope-audit-v1\n" + canonicalJson(fields) ) where
 * `fields` are all columns but `hash` — including `prevHash`, the previous
 * entry's hash (64 zeros before the first). canonicalJson is RFC 8785 style:
 * object keys sorted by UTF-16 code units, no whitespace, ECMAScript number and
 * string serialisation. Entry 1, 2, 3 … carry consecutive `seq` numbers, so a
 * removed row shows as a gap.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);
const DOMAIN = 'sagascope-audit-v1\n';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ChainFields {
  seq: number;
  /** ISO-8601 with milliseconds, UTC. */
  at: string;
  actor: string;
  role: string;
  via: string;
  action: string;
  sagaId: string | null;
  step: string | null;
  request: Json;
  result: Json | null;
  outcome: string;
  reason: string | null;
  ref: number | null;
  prevHash: string;
}

export interface ChainedEntry extends ChainFields {
  hash: string;
}

export function canonicalJson(value: Json): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = value[k];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

export function hashEntry(f: ChainFields): string {
  const fields: Json = {
    seq: f.seq,
    at: f.at,
    actor: f.actor,
    role: f.role,
    via: f.via,
    action: f.action,
    sagaId: f.sagaId,
    step: f.step,
    request: f.request,
    result: f.result,
    outcome: f.outcome,
    reason: f.reason,
    ref: f.ref,
    prevHash: f.prevHash,
  };
  return createHash('sha256').update(DOMAIN + canonicalJson(fields), 'utf8').digest('hex');
}

/**
 * Text PostgreSQL can store and read back unchanged: no NUL characters (text
 * and jsonb refuse them) and no lone UTF-16 surrogates (jsonb refuses them).
 */
export function storableText(s: string): string {
  return s.replaceAll('\0', '').toWellFormed();
}

/**
 * A plain JSON value equal to what the database will hand back: JSON round trip
 * (drops undefined and functions, Dates become strings), storable strings.
 */
export function toStorableJson(value: unknown): Json {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  const walk = (v: Json): Json => {
    if (typeof v === 'string') return storableText(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: { [key: string]: Json } = {};
      for (const [k, x] of Object.entries(v)) out[storableText(k)] = walk(x);
      return out;
    }
    return v;
  };
  return walk(JSON.parse(text) as Json);
}

export interface BrokenLink {
  /** The first entry that does not check out (for a gap: the missing seq). */
  seq: number;
  reason: string;
}

export interface ChainReport {
  ok: boolean;
  /** Entries checked (up to the first break). */
  entries: number;
  /** Last good entry. */
  head: { seq: number; hash: string } | null;
  firstBroken: BrokenLink | null;
}

/**
 * Walks entries in seq order, one at a time (constant memory), and stops at the
 * first broken link. `from` describes where the walk starts: the genesis for a
 * whole trail, or an arbitrary entry of a filtered export (then the first
 * entry's prev_hash cannot be checked, only its own hash and the links after it).
 */
export class ChainVerifier {
  private prev: { seq: number; hash: string } | null;
  private count = 0;
  private broken: BrokenLink | null = null;

  constructor(private readonly from: 'genesis' | 'anywhere' = 'genesis') {
    this.prev = null;
  }

  /** Feeds the next entry; returns the break it found (and every later call returns it too). */
  push(e: ChainedEntry): BrokenLink | null {
    if (this.broken) return this.broken;
    const expectedSeq = this.prev ? this.prev.seq + 1 : this.from === 'genesis' ? 1 : e.seq;
    if (!Number.isSafeInteger(e.seq) || e.seq !== expectedSeq) {
      this.broken =
        e.seq > expectedSeq
          ? { seq: expectedSeq, reason: `entry ${expectedSeq} is missing (the next entry present is ${e.seq})` }
          : { seq: e.seq, reason: `entry ${e.seq} is out of order (expected ${expectedSeq})` };
      return this.broken;
    }
    const recomputed = hashEntry(e);
    if (recomputed !== e.hash) {
      this.broken = { seq: e.seq, reason: `entry ${e.seq} was altered: its content does not hash to its stored hash` };
      return this.broken;
    }
    const expectedPrev = this.prev ? this.prev.hash : this.from === 'genesis' ? GENESIS_HASH : e.prevHash;
    if (e.prevHash !== expectedPrev) {
      this.broken = {
        seq: e.seq,
        reason: this.prev
          ? `entry ${e.seq} does not link to entry ${this.prev.seq}: prev_hash differs from that entry's hash (one of the two was replaced)`
          : `entry ${e.seq} does not start the chain: prev_hash is not the genesis hash`,
      };
      return this.broken;
    }
    this.prev = { seq: e.seq, hash: e.hash };
    this.count++;
    return null;
  }

  report(): ChainReport {
    return { ok: this.broken === null, entries: this.count, head: this.prev, firstBroken: this.broken };
  }
}
