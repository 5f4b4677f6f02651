'use client';

import { useRef, useState } from 'react';
import { ANOMALY_KINDS, SAGA_STATUSES } from '@/lib/saga/types';
import { EXPORT_FORMATS, RowCounter, type ExportFormat } from '@/lib/export/format';
import { EXPORT_KINDS, type ExportKind } from '@/lib/export/kinds';
import { formatBytes } from '@/lib/ui/format-bytes';
import { inputValueToIso, inputValueToIsoThrough } from '@/lib/time/zone';
import { useTimeZone } from '../time/TimeZoneProvider';
import { ZonedDateTimeField } from '../time/ZonedDateTimeField';

interface Manifest {
  exportId: string;
  rows: number;
  bytes: number;
  sha256: string;
  auditHead: { seq: number; hash: string };
  auditEntry?: { seq: number; hash: string };
}

type State =
  | { phase: 'idle' }
  | { phase: 'streaming'; bytes: number; rows: number }
  | { phase: 'done'; bytes: number; rows: number; file: { name: string; url: string }; manifest: Manifest | null; manifestUrl: string | null; localSha256: string | null; problem: string | null }
  | { phase: 'error'; message: string };

const KIND_FILTERS: Record<ExportKind, { name: string; label: string; options?: readonly string[] }[]> = {
  sagas: [
    { name: 'status', label: 'Status', options: SAGA_STATUSES },
    { name: 'anomaly', label: 'Anomaly', options: ANOMALY_KINDS },
    { name: 'name', label: 'Saga name' },
    { name: 'service', label: 'Service' },
  ],
  spans: [
    { name: 'saga', label: 'Saga id' },
    { name: 'service', label: 'Service' },
    { name: 'traceId', label: 'Trace id' },
  ],
  audit: [
    { name: 'actor', label: 'Actor' },
    { name: 'action', label: 'Action' },
    { name: 'saga', label: 'Saga id' },
    { name: 'outcome', label: 'Outcome' },
  ],
};

async function sha256Hex(blob: Blob): Promise<string | null> {
  // SubtleCrypto hashes a whole buffer: only for exports that fit comfortably in memory.
  if (blob.size > 256 * 1024 * 1024 || !crypto.subtle) return null;
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Streams an export with fetch + ReadableStream, showing bytes and rows as they
 * arrive, then offers the file and its manifest (fetched from the server once
 * the body is complete) and checks the received bytes against it.
 */
export function ExportForm() {
  const [kind, setKind] = useState<ExportKind>('sagas');
  const [state, setState] = useState<State>({ phase: 'idle' });
  const abort = useRef<AbortController | null>(null);
  const { zone } = useTimeZone();

  const start = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const format = String(form.get('format')) as ExportFormat;
    const q = new URLSearchParams({ kind, format });
    for (const [k, v] of form.entries()) {
      const value = String(v).trim();
      if (!value || k === 'format') continue;
      // Typed in the zone chosen in the header; To runs through the second typed (as the audit filter).
      if (k === 'from' || k === 'to') {
        const iso = k === 'from' ? inputValueToIso(value, zone) : inputValueToIsoThrough(value, zone);
        if (iso) q.set(k, iso);
      } else q.set(k, value);
    }
    const controller = new AbortController();
    abort.current = controller;
    setState({ phase: 'streaming', bytes: 0, rows: 0 });
    try {
      const res = await fetch(`/api/export?${q}`, { signal: controller.signal, credentials: 'same-origin' });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => null)) as { error?: string } | null;
        setState({ phase: 'error', message: body?.error ?? `export refused (${res.status})` });
        return;
      }
      const id = res.headers.get('X-Sagascope-Export-Id');
      const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? `sagascope-${kind}.${format}`;
      const counter = new RowCounter(format);
      const chunks: Uint8Array[] = [];
      let bytes = 0;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.length;
        counter.push(value);
        setState({ phase: 'streaming', bytes, rows: counter.rows });
      }
      const blob = new Blob(chunks as BlobPart[], { type: res.headers.get('Content-Type') ?? 'application/octet-stream' });
      const file = { name, url: URL.createObjectURL(blob) };
      let manifest: Manifest | null = null;
      let manifestUrl: string | null = null;
      let problem: string | null = null;
      if (id) {
        const m = await fetch(`/api/export/manifest?id=${encodeURIComponent(id)}`, { credentials: 'same-origin' });
        if (m.ok) {
          const text = await m.text();
          manifest = JSON.parse(text) as Manifest;
          manifestUrl = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
        } else problem = `the manifest could not be fetched (${m.status})`;
      }
      const localSha256 = await sha256Hex(blob);
      if (manifest) {
        if (manifest.bytes !== bytes) problem = `received ${bytes} bytes, the manifest says ${manifest.bytes}`;
        else if (manifest.rows !== counter.rows) problem = `received ${counter.rows} rows, the manifest says ${manifest.rows}`;
        else if (localSha256 && localSha256 !== manifest.sha256) problem = 'the received bytes do not hash to the manifest’s SHA-256';
      }
      setState({ phase: 'done', bytes, rows: counter.rows, file, manifest, manifestUrl, localSha256, problem });
    } catch (err) {
      setState({ phase: 'error', message: controller.signal.aborted ? 'export cancelled' : `export interrupted: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      abort.current = null;
    }
  };

  const busy = state.phase === 'streaming';
  return (
    <>
      <form className="filters" onSubmit={start} aria-label="Export" data-testid="export-form">
        <div className="filters__row">
          <label className="field">
            <span className="field__label">What</span>
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as ExportKind)}>
              {EXPORT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k === 'audit' ? 'audit trail' : k}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field__label">Format</span>
            <select name="format" defaultValue="csv">
              {EXPORT_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </label>
          <ZonedDateTimeField name="from" label="From" precision="second" />
          <ZonedDateTimeField name="to" label="To" precision="second" />
        </div>
        <div className="filters__row" key={kind}>
          {KIND_FILTERS[kind].map((f) => (
            <label className="field" key={f.name}>
              <span className="field__label">{f.label}</span>
              {f.options ? (
                <select name={f.name} defaultValue="">
                  <option value="">any</option>
                  {f.options.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              ) : (
                <input name={f.name} type="text" maxLength={512} />
              )}
            </label>
          ))}
          <div className="filters__actions">
            {busy ? (
              <button type="button" className="button" onClick={() => abort.current?.abort()}>
                Cancel
              </button>
            ) : null}
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? 'Exporting…' : 'Export'}
            </button>
          </div>
        </div>
      </form>
      {state.phase === 'streaming' || state.phase === 'done' ? (
        <section className="section" aria-live="polite" data-testid="export-progress">
          <p>
            <strong data-testid="export-rows">{state.rows.toLocaleString('en-US')}</strong> rows,{' '}
            <strong data-testid="export-bytes">{formatBytes(state.bytes)}</strong> {state.phase === 'streaming' ? 'received so far…' : 'received.'}
          </p>
          {state.phase === 'done' ? (
            <>
              <p className="row-actions">
                <a className="button button--primary" href={state.file.url} download={state.file.name} data-testid="export-download">
                  Save {state.file.name}
                </a>
                {state.manifestUrl ? (
                  <a className="button" href={state.manifestUrl} download={`${state.file.name}.manifest.json`} data-testid="manifest-download">
                    Save the manifest
                  </a>
                ) : null}
              </p>
              {state.manifest ? (
                <dl className="facts facts--compact" data-testid="export-manifest">
                  <div>
                    <dt>Rows</dt>
                    <dd>{state.manifest.rows.toLocaleString('en-US')}</dd>
                  </div>
                  <div className="facts__wide">
                    <dt>SHA-256</dt>
                    <dd className="mono">{state.manifest.sha256}</dd>
                  </div>
                  <div className="facts__wide">
                    <dt>Audit head at export</dt>
                    <dd className="mono">
                      #{state.manifest.auditHead.seq} {state.manifest.auditHead.hash}
                    </dd>
                  </div>
                  {state.manifest.auditEntry ? (
                    <div>
                      <dt>Recorded as audit entry</dt>
                      <dd className="mono">#{state.manifest.auditEntry.seq}</dd>
                    </div>
                  ) : null}
                </dl>
              ) : null}
              {state.problem ? (
                <p className="alert alert--error" role="alert">
                  {state.problem}
                </p>
              ) : (
                <p className="alert alert--ok" role="status" data-testid="export-verified">
                  {state.localSha256 ? 'The received file matches its manifest (size, rows, SHA-256).' : 'The received file matches its manifest (size, rows).'} Check
                  it later with <code>npm run audit:verify -- --export {state.file.name} --manifest {state.file.name}.manifest.json</code>.
                </p>
              )}
            </>
          ) : null}
        </section>
      ) : null}
      {state.phase === 'error' ? (
        <p className="alert alert--error" role="alert">
          {state.message}
        </p>
      ) : null}
    </>
  );
}
