/**
 * One export as a web ReadableStream: rows pulled from the database a batch at a
 * time as the client reads (backpressure), encoded, hashed (SHA-256 over the
 * exact bytes sent) and counted on the way. The export is audited twice: an
 * `intent` entry when it starts and, when the body is complete, an `ok` entry
 * carrying the manifest — written before the stream closes, so a client that
 * saw the end of the body can fetch the manifest at once. A client that goes
 * away leaves an `aborted` entry; a database error a `failed` one.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db/connection';
import { appendAudit, auditHead } from '../db/audit';
import { exportBatches } from '../db/export';
import { log, errorFields } from '../log';
import type { AuditActor } from '../auth/principal';
import { CONTENT_TYPES, ExportEncoder, FILE_EXTENSIONS } from './format';
import { EXPORT_COLUMNS } from './kinds';
import type { ExportManifest } from './manifest';
import { specFilters, type ExportSpec } from './query';

export interface StartedExport {
  id: string;
  contentType: string;
  filename: string;
  auditHead: { seq: number; hash: string };
  stream: ReadableStream<Uint8Array>;
}

export interface ExportOptions {
  batchRows?: number;
  /** Called once the export ended (ok, aborted or failed). */
  onEnd?: () => void;
}

export async function startExport(db: Db, by: AuditActor, spec: ExportSpec, opts: ExportOptions = {}): Promise<StartedExport> {
  const id = randomUUID();
  const startedAt = new Date();
  const head = await auditHead(db);
  const filters = specFilters(spec);
  const request = { exportId: id, kind: spec.kind, format: spec.format, filters };
  const intent = await appendAudit(db, { ...by, action: 'export', outcome: 'intent', request });

  const encoder = new ExportEncoder(spec.format, EXPORT_COLUMNS[spec.kind]);
  const hash = createHash('sha256');
  const utf8 = new TextEncoder();
  let bytes = 0;
  let ended = false;
  let cancelled = false;
  const batches = exportBatches(db, spec, { auditHeadSeq: head.seq, nowMs: startedAt.getTime(), batchRows: opts.batchRows });

  const encode = (text: string): Uint8Array => {
    const chunk = utf8.encode(text);
    hash.update(chunk);
    bytes += chunk.length;
    return chunk;
  };

  const finish = async (outcome: 'ok' | 'aborted' | 'failed', reason: string | null): Promise<ExportManifest | null> => {
    if (ended) return null;
    ended = true;
    opts.onEnd?.();
    const manifest: ExportManifest | null =
      outcome === 'ok'
        ? {
            sagascopeExport: 1,
            exportId: id,
            kind: spec.kind,
            format: spec.format,
            filters,
            rows: encoder.rowCount,
            bytes,
            sha256: hash.digest('hex'),
            auditHead: head,
            startedAt: startedAt.toISOString(),
            finishedAt: new Date().toISOString(),
            actor: by.actor,
            role: by.role,
          }
        : null;
    await appendAudit(db, {
      ...by,
      action: 'export',
      outcome,
      reason,
      ref: intent.seq,
      request,
      result: manifest ?? { rowsSent: encoder.rowCount, bytesSent: bytes },
    });
    return manifest;
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const header = encoder.header();
        if (header) controller.enqueue(encode(header));
      },
      async pull(controller) {
        try {
          const next = await batches.next();
          // The client went away while this batch was read: cancel() records it.
          if (cancelled) return;
          if (next.done) {
            const footer = encoder.footer();
            if (footer) controller.enqueue(encode(footer));
            await finish('ok', null);
            controller.close();
            return;
          }
          let text = '';
          for (const row of next.value) text += encoder.row(row);
          controller.enqueue(encode(text));
        } catch (err) {
          if (cancelled) return;
          log.error('export failed', { exportId: id, ...errorFields(err) });
          try {
            await finish('failed', err instanceof Error ? err.message.slice(0, 500) : String(err));
          } catch (auditErr) {
            log.error('could not record a failed export', { exportId: id, ...errorFields(auditErr) });
          }
          controller.error(new Error('export failed; see the server log'));
        }
      },
      async cancel() {
        cancelled = true;
        try {
          await batches.return(undefined);
        } finally {
          await finish('aborted', 'the client stopped reading').catch((err) => log.error('could not record an aborted export', { exportId: id, ...errorFields(err) }));
        }
      },
    },
    // Pull one batch ahead at most: memory stays at about two batches.
    { highWaterMark: 1 },
  );

  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return {
    id,
    contentType: CONTENT_TYPES[spec.format],
    filename: `sagascope-${spec.kind}-${stamp}.${FILE_EXTENSIONS[spec.format]}`,
    auditHead: head,
    stream,
  };
}
