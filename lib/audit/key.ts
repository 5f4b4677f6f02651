/**
 * Where the audit checkpoint key comes from. It must not be in the database:
 * whoever can rewrite the audit trail there could otherwise re-sign it.
 *
 * 1. `SAGASCOPE_AUDIT_KEY` (the 32-byte Ed25519 seed, base64 or hex): for
 *    containers and secret managers.
 * 2. Otherwise the file `SAGASCOPE_AUDIT_KEY_FILE`, by default
 *    `$XDG_CONFIG_HOME/sagascope/audit-key` (`~/.config/sagascope/audit-key`):
 *    outside the data directory, readable by its owner only (0600). A process
 *    that writes checkpoints and finds no key generates this file once and
 *    prints the key, that one time, for safekeeping; it is never logged.
 * Verifying needs only the public key: `SAGASCOPE_AUDIT_PUBLIC_KEY` lets an
 * auditor check checkpoints without the means to sign them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/env';
import { log } from '../log';
import { CheckpointSigner, CheckpointVerifier, KEY_FORMAT_HINT, decodeKeyBytes } from './checkpoint';

export type AuditKeySettings = Pick<Config, 'SAGASCOPE_AUDIT_KEY' | 'SAGASCOPE_AUDIT_KEY_FILE' | 'SAGASCOPE_AUDIT_PUBLIC_KEY' | 'SAGASCOPE_DATA_DIR'>;

export class AuditKeyError extends Error {}

export function defaultAuditKeyFile(env: Record<string, string | undefined> = process.env): string {
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(configHome, 'sagascope', 'audit-key');
}

/** The key file in use, absolute; refused inside the data directory (that is the database's, its writer's). */
export function auditKeyFile(s: AuditKeySettings): string {
  const file = path.resolve(s.SAGASCOPE_AUDIT_KEY_FILE ?? defaultAuditKeyFile());
  if (!s.SAGASCOPE_DATA_DIR.includes('://')) {
    const dataDir = path.resolve(s.SAGASCOPE_DATA_DIR);
    if (file === dataDir || file.startsWith(dataDir + path.sep)) {
      throw new AuditKeyError(`SAGASCOPE_AUDIT_KEY_FILE (${file}) must be outside SAGASCOPE_DATA_DIR (${dataDir}): the key must not live with the database it protects`);
    }
  }
  return file;
}

export interface LoadedSigner {
  signer: CheckpointSigner;
  source: 'env' | 'file' | 'generated';
  /** The key file (read or written); null when the key came from the environment. */
  file: string | null;
}

function readKeyFile(file: string): Buffer | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AuditKeyError(`cannot read the audit key file ${file}: ${(err as Error).message}`);
  }
  const seed = decodeKeyBytes(text);
  if (!seed) throw new AuditKeyError(`${file} does not hold an audit key (${KEY_FORMAT_HINT})`);
  const mode = fs.statSync(file).mode;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    log.warn('the audit key file is readable by other users; chmod 600 it', { file, mode: (mode & 0o777).toString(8) });
  }
  return seed;
}

/**
 * Creates the key file with a new random key unless it exists (two processes
 * starting together: the first link wins, the other reads the winner's key).
 * Returns the key in the file and whether this call created it.
 */
function createKeyFile(file: string): { seed: Buffer; created: boolean } {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const seed = randomBytes(32);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${seed.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return { seed, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const existing = readKeyFile(file);
    if (!existing) throw new AuditKeyError(`the audit key file ${file} vanished while it was being created`);
    return { seed: existing, created: false };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The once-only message with the new key (stdout, not the log: the log is kept and shipped). */
export function newKeyAnnouncement(file: string, signer: CheckpointSigner, seed: Buffer): string {
  return [
    '',
    `  A new audit checkpoint key was generated into ${file} (mode 0600).`,
    '  It is shown this once: keep a copy away from this machine and its database.',
    '  Without it, the checkpoints signed from now on cannot be checked.',
    `    SAGASCOPE_AUDIT_KEY=${seed.toString('base64url')}`,
    '  Auditors check checkpoints with the public key alone:',
    `    SAGASCOPE_AUDIT_PUBLIC_KEY=${signer.verifier.publicKeyText}   (key id ${signer.keyId})`,
    '',
  ].join('\n');
}

/**
 * The signing key. With `create`, a missing key file is generated (and
 * announced through `announce`, by default stdout); without it, null.
 */
export function loadAuditSigner(s: AuditKeySettings, opts: { create: boolean; announce?: (text: string) => void }): LoadedSigner | null {
  if (s.SAGASCOPE_AUDIT_KEY) {
    const seed = decodeKeyBytes(s.SAGASCOPE_AUDIT_KEY);
    if (!seed) throw new AuditKeyError(`SAGASCOPE_AUDIT_KEY: ${KEY_FORMAT_HINT}`);
    return checked(s, { signer: CheckpointSigner.fromSeed(seed), source: 'env', file: null });
  }
  const file = auditKeyFile(s);
  const existing = readKeyFile(file);
  if (existing) return checked(s, { signer: CheckpointSigner.fromSeed(existing), source: 'file', file });
  if (!opts.create) return null;
  const { seed, created } = createKeyFile(file);
  const signer = CheckpointSigner.fromSeed(seed);
  if (created) (opts.announce ?? ((text) => process.stdout.write(`${text}\n`)))(newKeyAnnouncement(file, signer, seed));
  return checked(s, { signer, source: created ? 'generated' : 'file', file });
}

/** A configured public key must be the signing key's: otherwise every new checkpoint would fail verification. */
function checked(s: AuditKeySettings, loaded: LoadedSigner): LoadedSigner {
  const pub = publicKeyFromSettings(s);
  if (pub && pub.keyId !== loaded.signer.keyId) {
    throw new AuditKeyError(`SAGASCOPE_AUDIT_PUBLIC_KEY (key id ${pub.keyId}) is not the public half of the signing key (key id ${loaded.signer.keyId})`);
  }
  return loaded;
}

function publicKeyFromSettings(s: AuditKeySettings): CheckpointVerifier | null {
  if (!s.SAGASCOPE_AUDIT_PUBLIC_KEY) return null;
  const raw = decodeKeyBytes(s.SAGASCOPE_AUDIT_PUBLIC_KEY);
  if (!raw) throw new AuditKeyError(`SAGASCOPE_AUDIT_PUBLIC_KEY: ${KEY_FORMAT_HINT}`);
  return CheckpointVerifier.fromPublicKey(raw);
}

export type LoadedVerifier = { verifier: CheckpointVerifier; source: 'public-key' | 'env' | 'file' } | { verifier: null; missing: string };

/** The key that checks signatures: the public key if configured, else the signing key's; never creates one. */
export function loadAuditVerifier(s: AuditKeySettings): LoadedVerifier {
  const pub = publicKeyFromSettings(s);
  if (pub) {
    // A signing key that is also present must match; that check is loadAuditSigner's.
    if (s.SAGASCOPE_AUDIT_KEY) loadAuditSigner(s, { create: false });
    return { verifier: pub, source: 'public-key' };
  }
  const signer = loadAuditSigner(s, { create: false });
  if (signer) return { verifier: signer.signer.verifier, source: signer.source === 'env' ? 'env' : 'file' };
  return {
    verifier: null,
    missing: `no audit key: set SAGASCOPE_AUDIT_KEY or SAGASCOPE_AUDIT_PUBLIC_KEY, or provide the key file ${auditKeyFile(s)}`,
  };
}

/** What `audit:verify` and `/api/audit/verify` check checkpoints with (see lib/audit/checkpoint-store.ts). */
export interface AnchorCheckSettings extends AuditKeySettings {
  SAGASCOPE_AUDIT_WITNESS_FILE?: string;
}

/** A key that cannot be loaded is reported by the verification (as `no-key`), not thrown. */
export function anchorCheckFrom(s: AnchorCheckSettings, witnessFile?: string): { verifier: CheckpointVerifier | null; missingKey: string | null; witnessFile: string | null } {
  const file = witnessFile ?? s.SAGASCOPE_AUDIT_WITNESS_FILE ?? null;
  try {
    const loaded = loadAuditVerifier(s);
    return loaded.verifier ? { verifier: loaded.verifier, missingKey: null, witnessFile: file } : { verifier: null, missingKey: loaded.missing, witnessFile: file };
  } catch (err) {
    if (err instanceof AuditKeyError) return { verifier: null, missingKey: err.message, witnessFile: file };
    throw err;
  }
}
