'use client';

import { useEffect, useRef, useState } from 'react';
import { ANOMALY_KINDS, SAGA_STATUSES } from '@/lib/saga/types';
import { EXPORT_FORMATS, type ExportFormat } from '@/lib/export/format';
import { exportDownloadHref } from '@/lib/export/download-href';
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
  | { phase: 'downloading'; exportId: string; fileHint: string }
  | { phase: 'done'; manifest: Manifest; fileHint: string }
  | { phase: 'error'; message: string };

/** How often, and how long, the page asks for the manifest of a download it started. */
const POLL_MS = 1000;
/** An export not even recorded as started by then did not start (the browser's download failed). */
const START_TIMEOUT_MS = 30_000;

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

/**
 * Starts an export as a plain download: the browser streams it to disk as it
 * arrives (its own downloads list shows the progress), nothing is held in the
 * tab. The page names the export (a random UUID), checks first that it would
 * start (a refusal shows here, not as a failed download), and, once the export
 * is recorded as complete, shows its manifest from the audit trail.
 */
export function ExportForm() {
  const [kind, setKind] = useState<ExportKind>('sagas');
  const [state, setState] = useState<State>({ phase: 'idle' });
  const polling = useRef(0);
  const { zone } = useTimeZone();

  useEffect(() => () => void (polling.current += 1), []);

  const follow = async (exportId: string, fileHint: string) => {
    const mine = ++polling.current;
    const since = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (polling.current !== mine) return;
      const m = await fetch(`/api/export/manifest?id=${encodeURIComponent(exportId)}`, { credentials: 'same-origin' }).catch(() => null);
      if (polling.current !== mine) return;
      if (m?.ok) {
        setState({ phase: 'done', manifest: (await m.json()) as Manifest, fileHint });
        return;
      }
      const body = m ? ((await m.json().catch(() => null)) as { error?: string; outcome?: string } | null) : null;
      // 409 with an outcome: it ended without completing; 409 without: still running; 404: not started yet.
      if (m?.status === 409 && body?.outcome && body.outcome !== 'intent') {
        setState({ phase: 'error', message: `The export did not complete (${body.outcome}); the file the browser saved is incomplete.` });
        return;
      }
      if (m?.status === 404 && Date.now() - since > START_TIMEOUT_MS) {
        setState({ phase: 'error', message: 'The export did not start; see the browser’s downloads for the reason.' });
        return;
      }
    }
  };

  const start = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const format = String(form.get('format')) as ExportFormat;
    const q = new URLSearchParams({ kind, format });
    for (const [k, v] of form.entries()) {
      const value = String(v).trim();
      if (!value || k === 'format' || k === 'kind') continue;
      // Typed in the zone chosen in the header; To runs through the second typed (as the audit filter).
      if (k === 'from' || k === 'to') {
        const iso = k === 'from' ? inputValueToIso(value, zone) : inputValueToIsoThrough(value, zone, 'second');
        if (iso) q.set(k, iso);
      } else q.set(k, value);
    }
    const exportId = crypto.randomUUID();
    const check = await fetch(exportDownloadHref(q, exportId, true), { credentials: 'same-origin' }).catch(() => null);
    if (!check || check.status !== 204) {
      const body = check ? ((await check.json().catch(() => null)) as { error?: string } | null) : null;
      setState({ phase: 'error', message: body?.error ?? `export refused (${check ? check.status : 'no answer'})` });
      return;
    }
    // A navigation, not fetch(): the response (Content-Disposition: attachment) goes straight to the
    // browser's download, written to disk as it streams. The session cookie goes with it.
    const link = document.createElement('a');
    link.href = exportDownloadHref(q, exportId);
    link.download = '';
    link.rel = 'noopener';
    document.body.append(link);
    link.click();
    link.remove();
    const fileHint = `sagascope-${kind}-….${format}`;
    setState({ phase: 'downloading', exportId, fileHint });
    void follow(exportId, fileHint);
  };

  const busy = state.phase === 'downloading';
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
            <button type="submit" className="button button--primary" disabled={busy} data-testid="export-start">
              {busy ? 'Exporting…' : 'Export'}
            </button>
          </div>
        </div>
      </form>
      {state.phase === 'downloading' ? (
        <section className="section" aria-live="polite" data-testid="export-progress">
          <p>
            Your browser is saving the export as it streams (its downloads list shows the progress; cancel it there). Its manifest appears
            here when the file is complete.
          </p>
        </section>
      ) : null}
      {state.phase === 'done' ? (
        <section className="section" aria-live="polite" data-testid="export-progress">
          <p>
            <strong data-testid="export-rows">{state.manifest.rows.toLocaleString('en-US')}</strong> rows,{' '}
            <strong data-testid="export-bytes">{formatBytes(state.manifest.bytes)}</strong> saved by your browser.
          </p>
          <p className="row-actions">
            <a
              className="button"
              href={`/api/export/manifest?id=${encodeURIComponent(state.manifest.exportId)}&download=1`}
              download
              data-testid="manifest-download"
            >
              Save the manifest
            </a>
          </p>
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
          <p className="alert alert--ok" role="status" data-testid="export-verified">
            The export is complete and recorded in the audit trail. Check the saved file against it with{' '}
            <code>npm run audit:verify -- --export {state.fileHint} --manifest sagascope-export-{state.manifest.exportId}.manifest.json</code>.
          </p>
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
