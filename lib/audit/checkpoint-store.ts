/**
 * Audit checkpoints in the database (table audit_checkpoints) and the check of
 * the stored trail against every checkpoint — those in the table and those in
 * the external witness file. The table is only a convenient copy: a checkpoint
 * counts when its signature checks out with the key kept outside the database
 * (lib/audit/checkpoint.ts), and the witness holds copies the database's writer
 * cannot delete.
 */
import type { Sql } from '../db/connection';
import {
  PROBLEM_ORDER,
  compareToCheckpoint,
  signatureProblem,
  type AnchorProblem,
  type AnchorProblemKind,
  type CheckpointSource,
  type CheckpointVerifier,
  type SignedCheckpoint,
} from './checkpoint';
import { readWitnessFile } from './witness';

interface CheckpointRow {
  id: string;
  seq: string;
  hash: string;
  at: Date | string;
  reason: string;
  key_id: string;
  signature: string;
}

const CP_COLUMNS = `c.id::text AS id, c.seq::text AS seq, c.hash, c.at, c.reason, c.key_id, c.signature`;

/** As stored; not validated (a tampered row may hold anything: its signature is what fails). */
function rowToCheckpoint(r: CheckpointRow): SignedCheckpoint {
  return {
    seq: Number(r.seq),
    hash: r.hash,
    at: (r.at instanceof Date ? r.at : new Date(r.at)).toISOString(),
    reason: r.reason,
    keyId: r.key_id,
    signature: r.signature,
  };
}

/** Signature verdict that never throws (a stored signature of the wrong length is just bad). */
function verdict(verifier: CheckpointVerifier, cp: SignedCheckpoint): 'ok' | 'bad' | 'other-key' {
  try {
    return verifier.check(cp);
  } catch {
    return 'bad';
  }
}

export async function insertCheckpoint(db: Sql, cp: SignedCheckpoint): Promise<number> {
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO audit_checkpoints (seq, hash, at, reason, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text AS id`,
    [cp.seq, cp.hash, cp.at, cp.reason, cp.keyId, cp.signature],
  );
  return Number(row!.id);
}

export interface StoredCheckpoint {
  id: number;
  checkpoint: SignedCheckpoint;
}

/**
 * The checkpoint of the highest entry whose signature checks out (newest
 * first among equals). Looks at the `scan` highest only: a pile of forged rows
 * makes the caller fall back to a walk from the genesis, never trust a forgery.
 */
export async function latestValidCheckpoint(db: Sql, verifier: CheckpointVerifier, scan = 500): Promise<StoredCheckpoint | null> {
  const rows = await db.query<CheckpointRow>(`SELECT ${CP_COLUMNS} FROM audit_checkpoints c ORDER BY c.seq DESC, c.id DESC LIMIT $1`, [scan]);
  for (const r of rows) {
    const cp = rowToCheckpoint(r);
    if (verdict(verifier, cp) === 'ok') return { id: Number(r.id), checkpoint: cp };
  }
  return null;
}

/** Every checkpoint in the table, oldest first, with the stored entry's hash at its seq (null: none). */
async function* checkpointBatches(db: Sql, batch = 2000): AsyncGenerator<{ id: number; checkpoint: SignedCheckpoint; rowHash: string | null }[]> {
  let after = 0;
  for (;;) {
    const rows = await db.query<CheckpointRow & { row_hash: string | null }>(
      `SELECT ${CP_COLUMNS}, a.hash AS row_hash FROM audit_checkpoints c LEFT JOIN audit_log a ON a.seq = c.seq WHERE c.id > $1 ORDER BY c.id LIMIT $2`,
      [after, batch],
    );
    if (rows.length === 0) return;
    yield rows.map((r) => ({ id: Number(r.id), checkpoint: rowToCheckpoint(r), rowHash: r.row_hash }));
    after = Number(rows[rows.length - 1]!.id);
    if (rows.length < batch) return;
  }
}

export interface HighWaterMark {
  seq: number;
  hash: string;
}

/** The highest entry ever issued (audit_chain_head), null before the first append. */
export async function highWaterMark(db: Sql): Promise<HighWaterMark | null> {
  const [row] = await db.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_chain_head WHERE id = 1');
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

/** What verification is given: the key (or why there is none) and the witness file, if any. */
export interface AnchorCheck {
  verifier: CheckpointVerifier | null;
  /** Why there is no verifier (shown when checkpoints exist that it would have to check). */
  missingKey: string | null;
  witnessFile: string | null;
}

export interface AnchorReport {
  /** Key that checked the signatures. */
  keyId: string | null;
  /** Checkpoints with a valid signature (database and witness; a checkpoint in both counts once). */
  checkpoints: number;
  /** The valid checkpoint of the highest entry: the trail is anchored up to it. */
  latest: (SignedCheckpoint & { source: CheckpointSource }) | null;
  witness: { file: string; checkpoints: number; error: string | null } | null;
  highWater: HighWaterMark | null;
  /** Problems, most telling first (a few of each kind); `problemCount` counts them all. */
  problems: AnchorProblem[];
  problemCount: number;
}

const KEEP_PER_KIND = 5;

/** Problems found, deduplicated by (kind, entry); keeps the earliest entries of each kind and the longest truncation. */
class Findings {
  private readonly byKind = new Map<AnchorProblemKind, Map<number, AnchorProblem>>();
  private truncated: { problem: AnchorProblem; upTo: number } | null = null;
  count = 0;

  add(p: AnchorProblem, truncatedUpTo?: number): void {
    if (p.kind === 'truncated') {
      if (!this.truncated) this.count++;
      if (!this.truncated || (truncatedUpTo ?? 0) > this.truncated.upTo) this.truncated = { problem: p, upTo: truncatedUpTo ?? 0 };
      return;
    }
    let kind = this.byKind.get(p.kind);
    if (!kind) this.byKind.set(p.kind, (kind = new Map()));
    if (kind.has(p.seq)) return;
    this.count++;
    kind.set(p.seq, p);
    if (kind.size > KEEP_PER_KIND) kind.delete(Math.max(...kind.keys()));
  }

  list(): AnchorProblem[] {
    const out: AnchorProblem[] = [];
    for (const k of PROBLEM_ORDER) {
      if (k === 'truncated') {
        if (this.truncated) out.push(this.truncated.problem);
        continue;
      }
      out.push(...[...(this.byKind.get(k)?.values() ?? [])].sort((a, b) => a.seq - b.seq));
    }
    return out;
  }
}

/**
 * Checks the stored trail, whose newest entry is `lastSeq`, against every
 * checkpoint (table and witness file) and the high-water mark. Constant memory.
 */
export async function checkAnchors(db: Sql, check: AnchorCheck, lastSeq: number): Promise<AnchorReport> {
  const findings = new Findings();
  const seen = new Set<string>();
  let valid = 0;
  let unchecked = 0;
  let latest: AnchorReport['latest'] = null;

  const consider = (cp: SignedCheckpoint, source: CheckpointSource, rowHash: string | null): boolean => {
    if (!check.verifier) {
      unchecked++;
      return false;
    }
    const v = verdict(check.verifier, cp);
    if (v !== 'ok') {
      findings.add(signatureProblem(cp, source, v, check.verifier.keyId));
      return false;
    }
    if (!seen.has(cp.signature)) {
      seen.add(cp.signature);
      valid++;
    }
    const problem = compareToCheckpoint(cp, source, rowHash, lastSeq);
    if (problem) findings.add(problem, cp.seq);
    if (!latest || cp.seq > latest.seq || (cp.seq === latest.seq && cp.at > latest.at)) latest = { ...cp, source };
    return true;
  };

  for await (const batch of checkpointBatches(db)) {
    for (const { id, checkpoint, rowHash } of batch) consider(checkpoint, { from: 'database', id }, rowHash);
  }

  let witness: AnchorReport['witness'] = null;
  if (check.witnessFile) {
    witness = { file: check.witnessFile, checkpoints: 0, error: null };
    try {
      for await (const batch of readWitnessFile(check.witnessFile)) {
        for (const line of batch.malformed) findings.add({ kind: 'witness', seq: 0, reason: `witness line ${line} is damaged: it is marked as a checkpoint but is not one` });
        if (batch.checkpoints.length === 0) continue;
        witness.checkpoints += batch.checkpoints.length;
        const seqs = batch.checkpoints.map((c) => c.checkpoint.seq);
        const rows = await db.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_log WHERE seq = ANY($1::bigint[])', [seqs]);
        const hashAt = new Map(rows.map((r) => [Number(r.seq), r.hash]));
        const stored = new Set(
          (await db.query<{ signature: string }>('SELECT signature FROM audit_checkpoints WHERE signature = ANY($1::text[])', [batch.checkpoints.map((c) => c.checkpoint.signature)])).map((r) => r.signature),
        );
        for (const { checkpoint: cp, line } of batch.checkpoints) {
          const source: CheckpointSource = { from: 'witness', line };
          if (!consider(cp, source, hashAt.get(cp.seq) ?? null)) continue;
          if (!stored.has(cp.signature)) {
            findings.add({ kind: 'checkpoint-deleted', seq: cp.seq, reason: `the checkpoint of entry ${cp.seq} signed at ${cp.at} (witness line ${line}) is not in the database: it was deleted` });
          }
        }
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Not written yet (no checkpoint since the witness was configured): nothing to compare with.
      if (code === 'ENOENT') witness.error = 'the witness file does not exist (yet)';
      else {
        witness.error = `cannot read the witness file: ${(err as Error).message}`;
        findings.add({ kind: 'witness', seq: 0, reason: `${witness.error} (${check.witnessFile})` });
      }
    }
  }

  if (unchecked > 0) findings.add({ kind: 'no-key', seq: 0, reason: `${unchecked} checkpoint(s) cannot be checked: ${check.missingKey ?? 'no audit key'}` });

  // Not signed, so only a second line: it catches a tail deleted by someone who left this row alone.
  const highWater = await highWaterMark(db);
  if (highWater && highWater.seq > lastSeq) {
    findings.add(
      { kind: 'truncated', seq: lastSeq + 1, reason: `truncated tail: entries ${lastSeq + 1}..${highWater.seq} missing (entry ${highWater.seq} was issued: it is the high-water mark)` },
      // A signed checkpoint of the same tail is the better witness: it wins a tie.
      highWater.seq - 0.5,
    );
  } else if (highWater) {
    const [row] = await db.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [highWater.seq]);
    if (row && row.hash !== highWater.hash) {
      findings.add({ kind: 'high-water', seq: highWater.seq, reason: `re-hashed chain: entry ${highWater.seq} differs from the high-water mark recorded when it was appended` });
    }
  }

  return {
    keyId: check.verifier?.keyId ?? null,
    checkpoints: valid,
    latest,
    witness,
    highWater,
    problems: findings.list(),
    problemCount: findings.count,
  };
}
