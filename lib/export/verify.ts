/**
 * Checks an export file against its manifest, streaming (constant memory):
 * SHA-256 and size of the bytes, the row count, and for audit-trail exports the
 * hash of every entry in the file — and, for an unfiltered audit export, that
 * the entries form the whole chain from the genesis up to the head recorded in
 * the manifest.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { ChainVerifier, hashEntry, type ChainedEntry, type Json } from '../audit/chain';
import { CsvParser, unguardCell } from './csv';
import { RowCounter, type ExportFormat } from './format';
import type { ExportManifest } from './manifest';

export interface FileDigest {
  sha256: string;
  bytes: number;
  rows: number;
}

/** Reads the file once; `onText` receives its decoded text as it goes (audit checks). */
export async function digestFile(path: string, format: ExportFormat, onText?: (text: string) => void): Promise<FileDigest> {
  const hash = createHash('sha256');
  const counter = new RowCounter(format);
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    counter.push(chunk);
    bytes += chunk.length;
    onText?.(decoder.write(chunk));
  }
  onText?.(decoder.end());
  return { sha256: hash.digest('hex'), bytes, rows: counter.rows };
}

export function compareToManifest(d: FileDigest, m: Pick<ExportManifest, 'sha256' | 'bytes' | 'rows'>): string[] {
  const problems: string[] = [];
  if (d.bytes !== m.bytes) problems.push(`size differs: the file has ${d.bytes} bytes, the manifest says ${m.bytes}`);
  if (d.sha256 !== m.sha256) problems.push(`SHA-256 differs: the file hashes to ${d.sha256}, the manifest says ${m.sha256}`);
  if (d.rows !== m.rows) problems.push(`row count differs: the file has ${d.rows} rows, the manifest says ${m.rows}`);
  return problems;
}

export function formatFromFileName(path: string): ExportFormat | null {
  const m = /\.(csv|ndjson|json)$/i.exec(path);
  return m ? (m[1]!.toLowerCase() as ExportFormat) : null;
}

// --- audit entries inside an export ------------------------------------------

function entryFromObject(o: Record<string, unknown>): ChainedEntry {
  const str = (k: string) => {
    const v = o[k];
    if (typeof v !== 'string') throw new Error(`field ${k} is missing or not text`);
    return v;
  };
  const nullableStr = (k: string) => (o[k] === null || o[k] === undefined ? null : str(k));
  const num = (k: string) => {
    const v = o[k];
    if (typeof v !== 'number') throw new Error(`field ${k} is missing or not a number`);
    return v;
  };
  return {
    seq: num('seq'),
    at: str('at'),
    actor: str('actor'),
    role: str('role'),
    via: str('via'),
    action: str('action'),
    sagaId: nullableStr('sagaId'),
    step: nullableStr('step'),
    request: (o.request ?? null) as Json,
    result: (o.result ?? null) as Json,
    outcome: str('outcome'),
    reason: nullableStr('reason'),
    ref: o.ref === null || o.ref === undefined ? null : num('ref'),
    prevHash: str('prevHash'),
    hash: str('hash'),
  };
}

const NUMBER_COLUMNS = new Set(['seq', 'ref']);
const JSON_COLUMNS = new Set(['request', 'result']);

function entryFromCsv(header: string[], cells: string[]): ChainedEntry {
  const o: Record<string, unknown> = {};
  header.forEach((name, i) => {
    const raw = cells[i] ?? '';
    if (NUMBER_COLUMNS.has(name)) o[name] = raw === '' ? null : Number(raw);
    else if (JSON_COLUMNS.has(name)) o[name] = raw === '' ? null : JSON.parse(unguardCell(raw));
    else o[name] = raw === '' ? null : unguardCell(raw);
  });
  return entryFromObject(o);
}

/** Splits text into lines as it streams (NDJSON and our one-element-per-line JSON). */
class LineSplitter {
  private rest = '';
  push(text: string, onLine: (line: string) => void): void {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop()!;
    for (const p of parts) onLine(p);
  }
  end(onLine: (line: string) => void): void {
    if (this.rest) onLine(this.rest);
    this.rest = '';
  }
}

export interface AuditFileReport {
  ok: boolean;
  entries: number;
  /** Whole-chain check (unfiltered export) or each entry's own hash only (filtered). */
  mode: 'chain' | 'entries';
  problem: string | null;
}

/** Feeds the entries of an audit export to the checks; returns a text sink for digestFile. */
export function auditFileChecker(format: ExportFormat, manifest: ExportManifest): { onText: (text: string) => void; finish: () => AuditFileReport } {
  const whole = Object.keys(manifest.filters).length === 0;
  const chain = new ChainVerifier('genesis');
  let entries = 0;
  let problem: string | null = null;
  let last: ChainedEntry | null = null;

  const check = (e: ChainedEntry) => {
    if (problem) return;
    entries++;
    last = e;
    if (whole) {
      const broken = chain.push(e);
      if (broken) problem = `audit entry ${broken.seq}: ${broken.reason}`;
    } else if (hashEntry(e) !== e.hash) {
      problem = `audit entry ${e.seq} was altered: its content does not hash to its stored hash`;
    }
  };
  const guarded = (f: () => void) => {
    if (problem) return;
    try {
      f();
    } catch (err) {
      problem = `row ${entries + 1} cannot be read: ${err instanceof Error ? err.message : String(err)}`;
    }
  };

  let onText: (text: string) => void;
  let end: () => void;
  if (format === 'csv') {
    const parser = new CsvParser();
    let header: string[] | null = null;
    const onRecord = (cells: string[]) =>
      guarded(() => {
        if (header === null) header = cells.map(unguardCell);
        else check(entryFromCsv(header, cells));
      });
    onText = (t) => parser.push(t, onRecord);
    end = () => parser.end(onRecord);
  } else {
    const lines = new LineSplitter();
    const onLine = (line: string) =>
      guarded(() => {
        let l = line.trim();
        if (format === 'json') {
          if (l === '[' || l === ']' || l === '') return;
          if (l.endsWith(',')) l = l.slice(0, -1);
        }
        if (l === '') return;
        check(entryFromObject(JSON.parse(l) as Record<string, unknown>));
      });
    onText = (t) => lines.push(t, onLine);
    end = () => lines.end(onLine);
  }

  return {
    onText,
    finish() {
      end();
      const lastEntry = last as ChainedEntry | null;
      if (!problem && whole) {
        if (manifest.auditHead.seq !== entries) {
          problem = `the export has ${entries} audit entries, but the trail had ${manifest.auditHead.seq} when it was exported`;
        } else if (entries > 0 && lastEntry?.hash !== manifest.auditHead.hash) {
          problem = 'the last entry is not the chain head recorded in the manifest';
        }
      }
      return { ok: problem === null, entries, mode: whole ? 'chain' : 'entries', problem };
    },
  };
}
