import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointSigner } from './checkpoint';
import { ConfigError, parseConfig } from '../config/env';
import { AuditKeyError, anchorCheckFrom, auditKeyFile, defaultAuditKeyFile, loadAuditSigner, loadAuditVerifier, type AuditKeySettings } from './key';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sagascope-key-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const settings = (over: Partial<AuditKeySettings> = {}): AuditKeySettings => ({
  SAGASCOPE_AUDIT_KEY: undefined,
  SAGASCOPE_AUDIT_KEY_FILE: path.join(dir, 'conf', 'audit-key'),
  SAGASCOPE_AUDIT_PUBLIC_KEY: undefined,
  SAGASCOPE_DATA_DIR: path.join(dir, 'data'),
  ...over,
});

describe('the audit key file', () => {
  it('defaults to the user config directory, outside the data directory', () => {
    expect(defaultAuditKeyFile({ XDG_CONFIG_HOME: '/etc/xdg-home' })).toBe('/etc/xdg-home/sagascope/audit-key');
    expect(defaultAuditKeyFile({})).toBe(path.join(os.homedir(), '.config', 'sagascope', 'audit-key'));
    expect(defaultAuditKeyFile({ XDG_CONFIG_HOME: 'relative' })).toBe(path.join(os.homedir(), '.config', 'sagascope', 'audit-key'));
  });

  it('is generated once (0600, directory 0700), announced once with both keys, then read back unchanged', () => {
    const announced: string[] = [];
    const first = loadAuditSigner(settings(), { create: true, announce: (t) => announced.push(t) })!;
    const file = path.join(dir, 'conf', 'audit-key');
    expect(first.source).toBe('generated');
    expect(first.file).toBe(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const seedText = fs.readFileSync(file, 'utf8').trim();
    expect(announced).toHaveLength(1);
    expect(announced[0]).toContain(`SAGASCOPE_AUDIT_KEY=${seedText}`);
    expect(announced[0]).toContain(`SAGASCOPE_AUDIT_PUBLIC_KEY=${first.signer.verifier.publicKeyText}`);

    const again = loadAuditSigner(settings(), { create: true, announce: (t) => announced.push(t) })!;
    expect(again.source).toBe('file');
    expect(again.signer.keyId).toBe(first.signer.keyId);
    expect(announced).toHaveLength(1);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['audit-key']);
  });

  it('is not created by a reader: no key means no verifier, and says where the key was looked for', () => {
    expect(loadAuditSigner(settings(), { create: false })).toBeNull();
    const v = loadAuditVerifier(settings());
    expect(v.verifier).toBeNull();
    expect(v.verifier === null && v.missing).toContain(path.join(dir, 'conf', 'audit-key'));
    expect(fs.existsSync(path.join(dir, 'conf'))).toBe(false);
  });

  it('is refused inside the data directory', () => {
    expect(() => auditKeyFile(settings({ SAGASCOPE_AUDIT_KEY_FILE: path.join(dir, 'data', 'key') }))).toThrow(AuditKeyError);
    expect(() => loadAuditSigner(settings({ SAGASCOPE_AUDIT_KEY_FILE: path.join(dir, 'data') }), { create: true })).toThrow(/outside SAGASCOPE_DATA_DIR/);
    expect(auditKeyFile(settings({ SAGASCOPE_AUDIT_KEY_FILE: path.join(dir, 'data-key') }))).toBe(path.join(dir, 'data-key'));
  });

  it('names a file that holds no key', () => {
    fs.writeFileSync(path.join(dir, 'junk'), 'not a key\n', { mode: 0o600 });
    expect(() => loadAuditSigner(settings({ SAGASCOPE_AUDIT_KEY_FILE: path.join(dir, 'junk') }), { create: true })).toThrow(/does not hold an audit key/);
    // Verification reports it rather than failing.
    expect(anchorCheckFrom(settings({ SAGASCOPE_AUDIT_KEY_FILE: path.join(dir, 'junk') }))).toMatchObject({ verifier: null, missingKey: expect.stringMatching(/does not hold/) });
  });
});

describe('keys from the environment', () => {
  it('SAGASCOPE_AUDIT_KEY wins and no file is touched', () => {
    const seed = randomBytes(32);
    const loaded = loadAuditSigner(settings({ SAGASCOPE_AUDIT_KEY: seed.toString('base64') }), { create: true })!;
    expect(loaded).toMatchObject({ source: 'env', file: null });
    expect(loaded.signer.keyId).toBe(CheckpointSigner.fromSeed(seed).keyId);
    expect(fs.existsSync(path.join(dir, 'conf'))).toBe(false);
  });

  it('SAGASCOPE_AUDIT_PUBLIC_KEY verifies alone, and must match a signing key that is also given', () => {
    const signer = CheckpointSigner.fromSeed(randomBytes(32));
    const pub = signer.verifier.publicKeyText;
    const v = loadAuditVerifier(settings({ SAGASCOPE_AUDIT_PUBLIC_KEY: pub }));
    expect(v.verifier?.keyId).toBe(signer.keyId);
    expect(() => loadAuditSigner(settings({ SAGASCOPE_AUDIT_KEY: randomBytes(32).toString('hex'), SAGASCOPE_AUDIT_PUBLIC_KEY: pub }), { create: false })).toThrow(/not the public half/);
  });
});

describe('configuration (lib/config/env.ts)', () => {
  it('validates the keys and never echoes a rejected one', () => {
    const wrong = 'my-secret-passphrase-that-is-not-a-key';
    let message = '';
    try {
      parseConfig({ SAGASCOPE_AUDIT_KEY: wrong });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain('SAGASCOPE_AUDIT_KEY');
    expect(message).not.toContain(wrong);
    expect(() => parseConfig({ SAGASCOPE_AUDIT_PUBLIC_KEY: 'abc' })).toThrow(/SAGASCOPE_AUDIT_PUBLIC_KEY/);
    const ok = parseConfig({ SAGASCOPE_AUDIT_KEY: randomBytes(32).toString('base64'), SAGASCOPE_AUDIT_WITNESS_FILE: '', SAGASCOPE_AUDIT_KEY_FILE: ' ' });
    expect(ok.SAGASCOPE_AUDIT_WITNESS_FILE).toBeUndefined();
    expect(ok.SAGASCOPE_AUDIT_KEY_FILE).toBeUndefined();
    expect(ok.SAGASCOPE_AUDIT_CHECKPOINT_INTERVAL_MS).toBe(60_000);
    expect(() => parseConfig({ SAGASCOPE_AUDIT_CHECKPOINT_INTERVAL_MS: '10' })).toThrow(/SAGASCOPE_AUDIT_CHECKPOINT_INTERVAL_MS/);
  });
});
