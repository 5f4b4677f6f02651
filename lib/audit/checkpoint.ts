/**
 * Signed checkpoints of the audit chain's head, pure (no I/O).
 *
 * The hash chain (chain.ts) shows an edited or removed entry *inside* the
 * trail, but whoever can write the database can also delete the newest entries
 * or recompute every hash from some entry on: the result is a shorter or
 * different chain that verifies. A checkpoint fixes (seq, hash) of the head at a
 * moment, signed with an Ed25519 key that is not in the database; a later chain
 * that lacks the checkpointed entry, or has another hash there, is caught.
 *
 * Signed text: "sagascope-audit-checkpoint-v1\n" + canonicalJson({ seq, hash,
 * at, reason, keyId }). Signature: Ed25519 (RFC 8032), base64url. Key id: the
 * first 16 hex digits of SHA-256 over the raw 32-byte public key, so a report
 * can say which key signed what.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './chain';

const DOMAIN = 'sagascope-audit-checkpoint-v1\n';
/** DER prefixes that wrap a raw Ed25519 seed (PKCS#8) and public key (SPKI). */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export const CHECKPOINT_REASONS = ['schedule', 'export', 'shutdown', 'manual'] as const;
export type CheckpointReason = (typeof CHECKPOINT_REASONS)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const signedCheckpointSchema = z.object({
  seq: z.number().int().positive(),
  hash: hex64,
  /** ISO-8601 with milliseconds, UTC. */
  at: z.iso.datetime(),
  reason: z.string().min(1).max(40),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});

export type SignedCheckpoint = z.infer<typeof signedCheckpointSchema>;
export type CheckpointBody = Omit<SignedCheckpoint, 'signature'>;

/**
 * 32 key bytes from text: base64 / base64url (43 or 44 characters, e.g.
 * `openssl rand -base64 32`) or hex (64). Null when it is neither.
 */
export function decodeKeyBytes(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const bytes = Buffer.from(t.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, ''), 'base64url');
    return bytes.length === 32 ? bytes : null;
  }
  return null;
}

export const KEY_FORMAT_HINT = '32 bytes as base64 (e.g. `openssl rand -base64 32`), base64url or 64 hex digits';

export function keyIdOf(rawPublicKey: Buffer): string {
  return createHash('sha256').update(rawPublicKey).digest('hex').slice(0, 16);
}

/** Checks checkpoint signatures; needs only the public key. */
export class CheckpointVerifier {
  readonly keyId: string;
  readonly publicKeyText: string;

  constructor(private readonly publicKey: KeyObject) {
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
    this.keyId = keyIdOf(raw);
    this.publicKeyText = raw.toString('base64url');
  }

  static fromPublicKey(raw: Buffer): CheckpointVerifier {
    if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
    return new CheckpointVerifier(createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' }));
  }

  /** `ok`, `other-key` (signed, if at all, with a key this one is not) or `bad` (this key id, wrong signature). */
  check(cp: SignedCheckpoint): 'ok' | 'other-key' | 'bad' {
    if (cp.keyId !== this.keyId) return 'other-key';
    const signature = Buffer.from(cp.signature, 'base64url');
    return verify(null, Buffer.from(checkpointMessage(cp), 'utf8'), this.publicKey, signature) ? 'ok' : 'bad';
  }
}

/** Signs checkpoints; holds the private key (never stored in the database, never logged). */
export class CheckpointSigner {
  readonly verifier: CheckpointVerifier;

  private constructor(private readonly privateKey: KeyObject) {
    this.verifier = new CheckpointVerifier(createPublicKey(privateKey));
  }

  static fromSeed(seed: Buffer): CheckpointSigner {
    if (seed.length !== 32) throw new Error('an Ed25519 private key (seed) is 32 bytes');
    return new CheckpointSigner(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' }));
  }

  get keyId(): string {
    return this.verifier.keyId;
  }

  sign(head: { seq: number; hash: string }, reason: CheckpointReason, at: Date = new Date()): SignedCheckpoint {
    const body: CheckpointBody = { seq: head.seq, hash: head.hash, at: at.toISOString(), reason, keyId: this.keyId };
    const signature = sign(null, Buffer.from(checkpointMessage(body), 'utf8'), this.privateKey).toString('base64url');
    return { ...body, signature };
  }
}

export function checkpointMessage(cp: CheckpointBody): string {
  return DOMAIN + canonicalJson({ seq: cp.seq, hash: cp.hash, at: cp.at, reason: cp.reason, keyId: cp.keyId });
}

// --- the external witness ------------------------------------------------------

/** Marks a JSON line as a checkpoint, in the witness file and in the log alike. */
export const WITNESS_MARK = 'sagascopeAuditCheckpoint';

/** The JSON object written to the witness file and logged (one line). */
export function witnessRecord(cp: SignedCheckpoint): Record<string, unknown> {
  return { [WITNESS_MARK]: 1, seq: cp.seq, hash: cp.hash, at: cp.at, reason: cp.reason, keyId: cp.keyId, signature: cp.signature };
}

export type WitnessLine = { kind: 'checkpoint'; checkpoint: SignedCheckpoint } | { kind: 'other' } | { kind: 'malformed' };

/**
 * One line of a witness: a checkpoint, a line that is none (a log line captured
 * from syslog around it, a blank), or a line that claims to be a checkpoint but
 * is not well-formed (a damaged witness).
 */
export function parseWitnessLine(line: string): WitnessLine {
  const text = line.trim();
  if (!text.startsWith('{')) return { kind: 'other' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text.includes(WITNESS_MARK) ? { kind: 'malformed' } : { kind: 'other' };
  }
  if (typeof value !== 'object' || value === null || (value as Record<string, unknown>)[WITNESS_MARK] !== 1) return { kind: 'other' };
  const parsed = signedCheckpointSchema.safeParse(value);
  return parsed.success ? { kind: 'checkpoint', checkpoint: parsed.data } : { kind: 'malformed' };
}

// --- checking a chain against checkpoints -------------------------------------

export type AnchorProblemKind =
  | 'truncated'
  | 're-hashed'
  | 'missing'
  | 'checkpoint-deleted'
  | 'bad-signature'
  | 'other-key'
  | 'high-water'
  | 'no-key'
  | 'witness';

/** Most telling first: what happened to the trail, then what happened to its anchors. */
export const PROBLEM_ORDER: readonly AnchorProblemKind[] = [
  'truncated',
  're-hashed',
  'missing',
  'high-water',
  'checkpoint-deleted',
  'bad-signature',
  'other-key',
  'no-key',
  'witness',
];

export interface AnchorProblem {
  kind: AnchorProblemKind;
  /** The entry concerned (for a truncated tail: the first missing one). */
  seq: number;
  reason: string;
}

export type CheckpointSource = { from: 'database'; id: number } | { from: 'witness'; line: number };

export function describeCheckpoint(cp: SignedCheckpoint, source: CheckpointSource): string {
  const where = source.from === 'database' ? `checkpoint #${source.id}` : `witness line ${source.line}`;
  return `${where}, ${cp.reason}, key ${cp.keyId}`;
}

/**
 * What a checkpoint with a valid signature says about the stored trail:
 * `rowHash` is the stored entry at the checkpoint's seq (null: no such row),
 * `lastSeq` the newest stored entry. Null when they agree.
 */
export function compareToCheckpoint(cp: SignedCheckpoint, source: CheckpointSource, rowHash: string | null, lastSeq: number): AnchorProblem | null {
  const named = `(${describeCheckpoint(cp, source)})`;
  if (cp.seq > lastSeq) {
    return { kind: 'truncated', seq: lastSeq + 1, reason: `truncated tail: entries ${lastSeq + 1}..${cp.seq} missing since checkpoint at ${cp.at} ${named}` };
  }
  if (rowHash === null) return { kind: 'missing', seq: cp.seq, reason: `entry ${cp.seq} is missing: it was checkpointed at ${cp.at} ${named}` };
  if (rowHash !== cp.hash) return { kind: 're-hashed', seq: cp.seq, reason: `re-hashed chain: entry ${cp.seq} differs from checkpoint signed at ${cp.at} ${named}` };
  return null;
}

/** A checkpoint whose signature does not check out (or cannot be checked), named. */
export function signatureProblem(cp: SignedCheckpoint, source: CheckpointSource, verdict: 'bad' | 'other-key', keyId: string): AnchorProblem {
  const where = source.from === 'database' ? `checkpoint #${source.id}` : `witness line ${source.line}`;
  return verdict === 'bad'
    ? { kind: 'bad-signature', seq: cp.seq, reason: `${where} (entry ${cp.seq}, at ${cp.at}) has a bad signature: it was altered or forged` }
    : {
        kind: 'other-key',
        seq: cp.seq,
        reason: `${where} (entry ${cp.seq}, at ${cp.at}) claims key ${cp.keyId}, not this key ${keyId}: forged, or signed with a key that was replaced or lost`,
      };
}
