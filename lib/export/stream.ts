/**
 * One export as a web ReadableStream: rows pulled from the database a batch at a
 * time as the client reads (backpressure), encoded, hashed (SHA-256 over the
 * exact bytes sent) and counted on the way. The export is audited twice: an
 * `intent` entry when it starts and, when the body is complete, an `ok` entry
 * carrying the manifest — written before the stream closes, so a client that
 * saw the end of the body can fetch the manifest at once. A client that goes
 * away leaves an `aborted` entry; a database error a `failed` one. Then the
 * audit chain's head is checkpointed (signed, lib/audit/anchor.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db/connection';
import { appendAudit, auditHead } from '../audit/store';
import { exportBatches, spanCopyExport, type EncodedExport, type ExportContext } from './store';
import { log, errorFields } from '../log';
import { checkpointForProcess } from '../audit/anchor';
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
  /** Rows per batch of the row-object path. */
  batchRows?: number;
  /** Spans through the row-object path too (not the COPY fast path): tests compare the two. */
  rowObjects?: boolean;
  /** Rows per COPY page of the spans fast path (SPAN_COPY_PAGE_ROWS). */
  copyPageRows?: number;
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

  const body =
    (spec.kind === 'spans' && !opts.rowObjects && (await spanCopyExport(db, spec, spec.format, { pageRows: opts.copyPageRows }))) ||
    encodedBatches(db, spec, { auditHeadSeq: head.seq, nowMs: startedAt.getTime(), batchRows: opts.batchRows });
  const hash = createHash('sha256');
  let bytes = 0;
  let ended = false;
  let cancelled = false;

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
            rows: body.rows(),
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
      result: manifest ?? { rowsSent: body.rows(), bytesSent: bytes },
    });
    // Every export anchors the trail up to its own entry (signed, outside the database's reach), before the body ends.
    await checkpointForProcess(db, 'export');
    return manifest;
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await body.chunks.next();
          // The client went away while this chunk was made: cancel() records it.
          if (cancelled) return;
          if (next.done) {
            await finish('ok', null);
            controller.close();
            return;
          }
          hash.update(next.value);
          bytes += next.value.length;
          controller.enqueue(next.value);
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
          await body.chunks.return(undefined);
        } finally {
          await finish('aborted', 'the client stopped reading').catch((err) => log.error('could not record an aborted export', { exportId: id, ...errorFields(err) }));
        }
      },
    },
    // Pull one chunk ahead at most: memory stays at about two chunks.
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

/**
 * Any export, row objects from `exportBatches` encoded by `ExportEncoder`, one
 * chunk per batch (the spans fast path, `spanCopyExport`, gives the same bytes).
 */
export function encodedBatches(db: Db, spec: ExportSpec, ctx: ExportContext): EncodedExport {
  const encoder = new ExportEncoder(spec.format, EXPORT_COLUMNS[spec.kind]);
  const utf8 = new TextEncoder();
  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    const header = encoder.header();
    if (header) yield utf8.encode(header);
    for await (const batch of exportBatches(db, spec, ctx)) {
      let text = '';
      for (const row of batch) text += encoder.row(row);
      yield utf8.encode(text);
    }
    const footer = encoder.footer();
    if (footer) yield utf8.encode(footer);
  }
  return { chunks: chunks(), rows: () => encoder.rowCount };
}
