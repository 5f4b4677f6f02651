import { randomBytes, generateKeyPairSync, sign as rawSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CheckpointSigner,
  CheckpointVerifier,
  checkpointMessage,
  compareToCheckpoint,
  decodeKeyBytes,
  parseWitnessLine,
  signatureProblem,
  witnessRecord,
  type SignedCheckpoint,
} from './checkpoint';

const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
const head = { seq: 42, hash: 'ab'.repeat(32) };
const at = new Date('2026-11-30T12:00:00.123Z');

describe('Ed25519 checkpoint signing', () => {
  it('derives the RFC 8032 public key from the seed (test vector 1) and names the key by it', () => {
    const signer = CheckpointSigner.fromSeed(seed);
    expect(Buffer.from(signer.verifier.publicKeyText, 'base64url').toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(signer.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(CheckpointSigner.fromSeed(randomBytes(32)).keyId).not.toBe(signer.keyId);
  });

  it('signs the canonical text of (seq, hash, at, reason, keyId) and verifies with the public key alone', () => {
    const signer = CheckpointSigner.fromSeed(seed);
    const cp = signer.sign(head, 'schedule', at);
    expect(cp).toMatchObject({ seq: 42, hash: head.hash, at: '2026-11-30T12:00:00.123Z', reason: 'schedule', keyId: signer.keyId });
    expect(checkpointMessage(cp)).toBe(
      `sagascope-audit-checkpoint-v1\n{"at":"2026-11-30T12:00:00.123Z","hash":"${head.hash}","keyId":"${signer.keyId}","reason":"schedule","seq":42}`,
    );
    const auditor = CheckpointVerifier.fromPublicKey(Buffer.from(signer.verifier.publicKeyText, 'base64url'));
    expect(auditor.check(cp)).toBe('ok');
  });

  it('rejects every change to a signed field, and a signature from another key', () => {
    const signer = CheckpointSigner.fromSeed(seed);
    const cp = signer.sign(head, 'export', at);
    const altered: SignedCheckpoint[] = [
      { ...cp, seq: 41 },
      { ...cp, hash: 'cd'.repeat(32) },
      { ...cp, at: '2026-11-30T12:00:00.124Z' },
      { ...cp, reason: 'schedule' },
      { ...cp, signature: signer.sign({ ...head, seq: 43 }, 'export', at).signature },
    ];
    for (const a of altered) expect(signer.verifier.check(a)).toBe('bad');
    const other = CheckpointSigner.fromSeed(randomBytes(32));
    // A forger who copies this key's id still cannot sign for it.
    const forged = { ...other.sign(head, 'export', at), keyId: signer.keyId };
    expect(signer.verifier.check(forged)).toBe('bad');
    expect(signer.verifier.check(other.sign(head, 'export', at))).toBe('other-key');
  });

  it('interoperates with any Ed25519 implementation: a signature made by node:crypto from a generated key pair verifies', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const verifier = CheckpointVerifier.fromPublicKey(raw);
    const body = { seq: 7, hash: 'ef'.repeat(32), at: at.toISOString(), reason: 'manual', keyId: verifier.keyId };
    const signature = rawSign(null, Buffer.from(checkpointMessage(body)), privateKey).toString('base64url');
    expect(verifier.check({ ...body, signature })).toBe('ok');
  });
});

describe('key text', () => {
  it('reads 32 bytes as base64, base64url or hex, and nothing else', () => {
    const bytes = randomBytes(32);
    for (const text of [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), ` ${bytes.toString('hex')}\n`]) {
      expect(decodeKeyBytes(text)?.equals(bytes)).toBe(true);
    }
    for (const bad of ['', 'secret', randomBytes(31).toString('base64'), randomBytes(33).toString('hex'), 'z'.repeat(64)]) expect(decodeKeyBytes(bad)).toBeNull();
  });
});

describe('witness lines', () => {
  const cp = CheckpointSigner.fromSeed(seed).sign(head, 'schedule', at);

  it('round-trips a checkpoint, also out of a captured log line with other fields', () => {
    expect(parseWitnessLine(JSON.stringify(witnessRecord(cp)))).toEqual({ kind: 'checkpoint', checkpoint: cp });
    const logLine = JSON.stringify({ t: at.toISOString(), level: 'info', msg: 'audit checkpoint', ...witnessRecord(cp) });
    expect(parseWitnessLine(`Nov 30 12:00:00 host sagascope[1]: ${logLine}`)).toEqual({ kind: 'other' });
    expect(parseWitnessLine(logLine)).toEqual({ kind: 'checkpoint', checkpoint: cp });
  });

  it('skips unrelated lines and flags damaged checkpoint lines', () => {
    expect(parseWitnessLine('')).toEqual({ kind: 'other' });
    expect(parseWitnessLine('{"level":"info","msg":"database ready"}')).toEqual({ kind: 'other' });
    expect(parseWitnessLine(JSON.stringify({ ...witnessRecord(cp), seq: 'x' }))).toEqual({ kind: 'malformed' });
    expect(parseWitnessLine(JSON.stringify(witnessRecord(cp)).slice(0, 60))).toEqual({ kind: 'malformed' });
  });
});

describe('comparing the stored trail with a checkpoint', () => {
  const cp = CheckpointSigner.fromSeed(seed).sign({ seq: 10, hash: 'ab'.repeat(32) }, 'export', at);
  const source = { from: 'database', id: 3 } as const;

  it('agrees when the entry is there with the checkpointed hash', () => {
    expect(compareToCheckpoint(cp, source, cp.hash, 10)).toBeNull();
    expect(compareToCheckpoint(cp, source, cp.hash, 15)).toBeNull();
  });

  it('names a truncated tail with the missing range and the checkpoint', () => {
    expect(compareToCheckpoint(cp, source, null, 7)).toEqual({
      kind: 'truncated',
      seq: 8,
      reason: `truncated tail: entries 8..10 missing since checkpoint at 2026-11-30T12:00:00.123Z (checkpoint #3, export, key ${cp.keyId})`,
    });
  });

  it('names a re-hashed entry and a deleted one below the head', () => {
    expect(compareToCheckpoint(cp, { from: 'witness', line: 5 }, 'cd'.repeat(32), 12)).toMatchObject({
      kind: 're-hashed',
      seq: 10,
      reason: expect.stringMatching(/^re-hashed chain: entry 10 differs from checkpoint signed at 2026-11-30T12:00:00\.123Z \(witness line 5/),
    });
    expect(compareToCheckpoint(cp, source, null, 12)).toMatchObject({ kind: 'missing', seq: 10 });
  });

  it('names a checkpoint whose signature fails', () => {
    expect(signatureProblem(cp, source, 'bad', cp.keyId).reason).toBe('checkpoint #3 (entry 10, at 2026-11-30T12:00:00.123Z) has a bad signature: it was altered or forged');
    expect(signatureProblem(cp, source, 'other-key', '0123456789abcdef')).toMatchObject({ kind: 'other-key', reason: expect.stringContaining('not this key 0123456789abcdef') });
  });
});
