/**
 * `npm run audit:verify` — checks the audit trail's hash chain in the database
 * and names the first broken link, then checks the trail against its signed
 * checkpoints (table audit_checkpoints and the witness file) and names a
 * truncated tail, a re-hashed chain or a checkpoint with a bad signature.
 * The key: SAGASCOPE_AUDIT_KEY, SAGASCOPE_AUDIT_PUBLIC_KEY or the key file
 * (lib/audit/key.ts); the witness: SAGASCOPE_AUDIT_WITNESS_FILE or --witness FILE
 * (a witness file, or log lines captured from syslog).
 *
 * `npm run audit:verify -- --export FILE --manifest FILE.manifest.json`
 *   checks an export offline: size, SHA-256 and row count against the manifest
 *   (and for audit-trail exports every entry's hash; for an unfiltered one the
 *   whole chain up to the manifest's head).
 * `npm run audit:verify -- --export FILE`
 *   without a manifest: looks the file's SHA-256 up among the exports recorded
 *   in the audit trail (database from DATABASE_URL / SAGASCOPE_DATA_DIR) and
 *   verifies the chain that records it.
 *
 * Options: --format csv|ndjson|json (default: from the file name), --witness FILE, --json (machine-readable).
 * Exit status 0 = verified, 1 = verification failed, 2 = usage or I/O error.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { loadConfig, ConfigError } from '../lib/config/env';
import { openDb } from '../lib/db/connection';
import { verifyAuditChain } from '../lib/audit/store';
import type { AnchorCheck, AnchorReport } from '../lib/audit/checkpoint-store';
import { anchorCheckFrom } from '../lib/audit/key';
import { findExportsBySha256 } from '../lib/export/store';
import { EXPORT_FORMATS, type ExportFormat } from '../lib/export/format';
import { manifestSchema, type ExportManifest } from '../lib/export/manifest';
import { auditFileChecker, compareToManifest, digestFile, formatFromFileName } from '../lib/export/verify';

const USAGE = `usage: npm run audit:verify [-- [--export FILE [--manifest FILE] [--format csv|ndjson|json]] [--witness FILE] [--json]]`;

class UsageError extends Error {}

const argsSchema = z.object({
  export: z.string().min(1).optional(),
  manifest: z.string().min(1).optional(),
  format: z.enum(EXPORT_FORMATS).optional(),
  witness: z.string().min(1).optional(),
  json: z.boolean(),
});

function parseArgs(argv: string[]): z.infer<typeof argsSchema> {
  const out: Record<string, unknown> = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--json') out.json = true;
    else if (flag === '--export' || flag === '--manifest' || flag === '--format' || flag === '--witness') {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      out[flag.slice(2)] = v;
    } else throw new UsageError(`unknown argument: ${a}`);
  }
  if (out.manifest && !out.export) throw new UsageError('--manifest goes with --export');
  const parsed = argsSchema.safeParse(out);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

interface Outcome {
  ok: boolean;
  lines: string[];
  report: Record<string, unknown>;
}

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof openDb>>) => Promise<T>): Promise<T> {
  const db = await openDb(loadConfig());
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The anchor settings from the environment; --witness wins over SAGASCOPE_AUDIT_WITNESS_FILE. */
function anchorCheck(witness: string | undefined): AnchorCheck {
  return anchorCheckFrom(loadConfig(), witness);
}

/** What the checkpoints say, for people (the chain's own verdict comes first). */
function anchorLines(a: AnchorReport): string[] {
  const lines: string[] = [];
  if (a.latest) {
    const where = a.latest.source.from === 'database' ? `checkpoint #${a.latest.source.id}` : `witness line ${a.latest.source.line}`;
    lines.push(`anchored: entry ${a.latest.seq} matches ${where} signed at ${a.latest.at} (key ${a.latest.keyId}); ${a.checkpoints} checkpoint(s) checked`);
  } else if (a.problemCount === 0) {
    lines.push('not anchored yet: no signed checkpoint (npm start writes one on start, then every SAGASCOPE_AUDIT_CHECKPOINT_INTERVAL_MS, and with every export)');
  }
  if (a.witness) lines.push(`witness ${a.witness.file}: ${a.witness.error ?? `${a.witness.checkpoints} checkpoint(s)`}`);
  if (a.problemCount > 0) {
    lines.push(`${a.problemCount} anchor problem(s):`);
    for (const p of a.problems) lines.push(`  - ${p.reason}`);
    if (a.problems.length < a.problemCount) lines.push(`  - … ${a.problemCount - a.problems.length} more (--json lists the same first ones; fix these and run again)`);
  }
  return lines;
}

async function verifyTrail(witness: string | undefined): Promise<Outcome> {
  const r = await withDb((db) => verifyAuditChain(db, { anchor: anchorCheck(witness) }));
  const lines = r.ok
    ? [`audit trail OK: ${r.entries} entries, head ${r.head ? `#${r.head.seq} ${r.head.hash}` : '(empty)'}`]
    : [`audit trail BROKEN at entry ${r.firstBroken!.seq}: ${r.firstBroken!.reason}`, `${r.entries} entries before it check out.`];
  lines.push(...anchorLines(r.anchor));
  return { ok: r.ok, lines, report: r as unknown as Record<string, unknown> };
}

async function verifyFile(file: string, format: ExportFormat, manifest: ExportManifest, source: string): Promise<Outcome> {
  const audit = manifest.kind === 'audit' ? auditFileChecker(format, manifest) : null;
  const digest = await digestFile(file, format, audit?.onText);
  const problems = compareToManifest(digest, manifest);
  const auditReport = audit?.finish() ?? null;
  if (auditReport && !auditReport.ok) problems.push(auditReport.problem!);
  const ok = problems.length === 0;
  const lines = ok
    ? [
        `export OK: ${digest.rows} ${manifest.kind} rows, ${digest.bytes} bytes, SHA-256 ${digest.sha256}`,
        `manifest: ${source}; exported ${manifest.finishedAt} by ${manifest.actor} (${manifest.role}); audit head then #${manifest.auditHead.seq} ${manifest.auditHead.hash}`,
        ...(auditReport ? [`audit entries in the file: ${auditReport.entries}, ${auditReport.mode === 'chain' ? 'whole chain verified' : 'each entry hash verified (filtered export)'}`] : []),
      ]
    : ['export FAILED verification:', ...problems.map((p) => `  - ${p}`)];
  return { ok, lines, report: { ok, file, digest, manifest, problems, audit: auditReport } };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  let outcome: Outcome;
  if (!args.export) outcome = await verifyTrail(args.witness);
  else {
    const format = args.format ?? formatFromFileName(args.export);
    if (args.manifest) {
      const manifest = manifestSchema.safeParse(JSON.parse(await readFile(args.manifest, 'utf8')));
      if (!manifest.success) throw new UsageError(`${args.manifest} is not an export manifest`);
      outcome = await verifyFile(args.export, args.format ?? manifest.data.format, manifest.data, args.manifest);
    } else {
      if (!format) throw new UsageError('cannot tell the format from the file name: pass --format');
      const digest = await digestFile(args.export, format);
      outcome = await withDb(async (db) => {
        const found = await findExportsBySha256(db, digest.sha256);
        if (found.length === 0) {
          return {
            ok: false,
            lines: [`export FAILED verification: no export with SHA-256 ${digest.sha256} is recorded in the audit trail (the file was altered, or comes from another sagascope)`],
            report: { ok: false, digest },
          };
        }
        const entry = found[found.length - 1]!;
        const manifest = manifestSchema.parse(entry.result);
        const fileCheck = await verifyFile(args.export!, format, manifest, `audit entry #${entry.seq}`);
        const chain = await verifyAuditChain(db, { anchor: anchorCheck(args.witness) });
        const chainOk = chain.ok || (chain.firstBroken !== null && chain.firstBroken.seq > entry.seq);
        const lines = [...fileCheck.lines];
        if (!chainOk) lines.push(`audit trail BROKEN at entry ${chain.firstBroken!.seq} (at or before the export's entry #${entry.seq}): ${chain.firstBroken!.reason}`);
        else if (!chain.ok) lines.push(`note: the trail breaks later, at entry ${chain.firstBroken!.seq}: ${chain.firstBroken!.reason}`);
        else lines.push(`audit trail OK up to its head #${chain.head?.seq ?? 0}; the export is recorded in entry #${entry.seq}`);
        return { ok: fileCheck.ok && chainOk, lines, report: { ...fileCheck.report, auditEntrySeq: entry.seq, chain } };
      });
    }
  }
  if (args.json) console.log(JSON.stringify(outcome.report, null, 2));
  else for (const line of outcome.lines) console.log(line);
  return outcome.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) console.error(`${err.message}\n${USAGE}`);
    else if (err instanceof ConfigError) console.error(err.message);
    else console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  },
);
