/**
 * Writing audit checkpoints: sign the chain's head and keep the signed
 * checkpoint in the database, in the witness file and in the log
 * (lib/audit/checkpoint.ts says what is signed, lib/audit/witness.ts where the
 * copies go). `npm start` checkpoints on a schedule (server/audit-checkpoints.ts)
 * and every export checkpoints when it ends (lib/export/stream.ts).
 *
 * A head is signed only if the trail up to it extends the latest valid
 * checkpoint without a break: signing a truncated or re-hashed trail would
 * launder it. Only the entries since that checkpoint are walked.
 */
import type { Sql } from '../db/connection';
import type { Config } from '../config/env';
import { loadConfig } from '../config/env';
import { auditBatches, auditHead } from './store';
import { highWaterMark, insertCheckpoint, latestValidCheckpoint } from './checkpoint-store';
import { log, errorFields } from '../log';
import { ChainVerifier } from './chain';
import type { CheckpointReason, CheckpointSigner, SignedCheckpoint } from './checkpoint';
import { loadAuditSigner, type AuditKeySettings, type LoadedSigner } from './key';
import { appendToWitnessFile, logCheckpoint } from './witness';

export type AnchorSettings = AuditKeySettings & Pick<Config, 'SAGASCOPE_AUDIT_WITNESS_FILE'>;

export type CheckpointOutcome =
  | { status: 'written'; id: number; checkpoint: SignedCheckpoint; witnessError: string | null }
  /** The head is the one the latest checkpoint already covers. */
  | { status: 'unchanged'; checkpoint: SignedCheckpoint }
  | { status: 'empty' }
  /** The trail does not extend the latest checkpoint (or is broken): nothing was signed. */
  | { status: 'refused'; reason: string };

export interface CheckpointOptions {
  signer: CheckpointSigner;
  witnessFile?: string | null;
  now?: Date;
}

/** Why the trail up to `headSeq` may not be signed; null when it may. */
async function refusal(db: Sql, signer: CheckpointSigner, head: { seq: number; hash: string }): Promise<{ reason: string } | { unchanged: SignedCheckpoint } | null> {
  const high = await highWaterMark(db);
  if (high && high.seq > head.seq) return { reason: `the trail ends at entry ${head.seq} but entries up to ${high.seq} were issued: its tail was deleted` };
  const last = await latestValidCheckpoint(db, signer.verifier);
  if (last && last.checkpoint.seq > head.seq) {
    return { reason: `the trail ends at entry ${head.seq} but checkpoint #${last.id} (at ${last.checkpoint.at}) covers entry ${last.checkpoint.seq}: its tail was deleted` };
  }
  if (last && last.checkpoint.seq === head.seq && last.checkpoint.hash === head.hash) return { unchanged: last.checkpoint };
  const chain = new ChainVerifier(last ? 'anywhere' : 'genesis');
  let first = true;
  outer: for await (const entries of auditBatches(db, { afterSeq: last ? last.checkpoint.seq - 1 : 0, toSeq: head.seq })) {
    for (const e of entries) {
      if (first && last && (e.seq !== last.checkpoint.seq || e.hash !== last.checkpoint.hash)) {
        return { reason: `entry ${last.checkpoint.seq} no longer matches checkpoint #${last.id} (at ${last.checkpoint.at}): the chain was re-hashed or the entry deleted` };
      }
      first = false;
      if (chain.push(e)) break outer;
    }
  }
  if (first && last) return { reason: `entry ${last.checkpoint.seq}, covered by checkpoint #${last.id}, is missing` };
  const r = chain.report();
  if (r.firstBroken) return { reason: `the trail is broken at entry ${r.firstBroken.seq}: ${r.firstBroken.reason}` };
  if (r.head?.seq !== head.seq) return { reason: `entries before the head ${head.seq} are missing` };
  return null;
}

/** Signs the current head if it moved and the trail up to it is intact; records it in the table, the witness file and the log. */
export async function checkpointAuditHead(db: Sql, reason: CheckpointReason, opts: CheckpointOptions): Promise<CheckpointOutcome> {
  const head = await auditHead(db);
  if (head.seq === 0) return { status: 'empty' };
  const refused = await refusal(db, opts.signer, head);
  if (refused && 'reason' in refused) return { status: 'refused', reason: refused.reason };
  if (refused) return { status: 'unchanged', checkpoint: refused.unchanged };
  const checkpoint = opts.signer.sign(head, reason, opts.now);
  const id = await insertCheckpoint(db, checkpoint);
  logCheckpoint(checkpoint);
  let witnessError: string | null = null;
  if (opts.witnessFile) {
    try {
      await appendToWitnessFile(opts.witnessFile, checkpoint);
    } catch (err) {
      witnessError = (err as Error).message;
      log.error('could not append the audit checkpoint to the witness file', { file: opts.witnessFile, ...errorFields(err) });
    }
  }
  return { status: 'written', id, checkpoint, witnessError };
}

let processSigner: { settings: AnchorSettings; loaded: LoadedSigner } | null = null;

/**
 * This process's signing key, from its configuration: loaded (or generated,
 * and announced once) on first use, then kept.
 */
export function processAuditSigner(settings: AnchorSettings = loadConfig()): LoadedSigner {
  if (processSigner?.settings !== settings) processSigner = { settings, loaded: loadAuditSigner(settings, { create: true })! };
  return processSigner.loaded;
}

let lastRefusal: string | null = null;

/**
 * Checkpoints with this process's key and witness; never throws (an export or
 * a timer must not fail for it). A refusal is logged as an error once per
 * distinct reason: it means the trail was tampered with.
 */
export async function checkpointForProcess(db: Sql, reason: CheckpointReason, settings: AnchorSettings = loadConfig()): Promise<CheckpointOutcome | null> {
  try {
    const signer = processAuditSigner(settings).signer;
    const outcome = await checkpointAuditHead(db, reason, { signer, witnessFile: settings.SAGASCOPE_AUDIT_WITNESS_FILE ?? null });
    if (outcome.status === 'refused') {
      if (outcome.reason !== lastRefusal) log.error('audit checkpoint refused: the audit trail does not extend its last checkpoint; run npm run audit:verify', { reason: outcome.reason });
      lastRefusal = outcome.reason;
    } else lastRefusal = null;
    return outcome;
  } catch (err) {
    log.error('audit checkpoint failed', { checkpointReason: reason, ...errorFields(err) });
    return null;
  }
}
