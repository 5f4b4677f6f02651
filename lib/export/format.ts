/**
 * Export encodings of rows: CSV (RFC 4180, formula-safe), NDJSON (one JSON
 * object per line) and JSON (an array, one element per line). Rows are encoded
 * one at a time: nothing here holds more than the row in hand.
 */
import { csvRecord, csvTextCell } from './csv';

export const EXPORT_FORMATS = ['csv', 'ndjson', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Column kinds. `json` values are JSON text already (straight from a jsonb
 * column) and are embedded as they are; `strings` are text arrays (joined with
 * "; " in CSV).
 */
export type ColumnKind = 'text' | 'number' | 'boolean' | 'json' | 'strings';

export interface ExportColumn {
  name: string;
  kind: ColumnKind;
}

export type ExportRow = Record<string, string | number | boolean | string[] | null>;

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export const FILE_EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', ndjson: 'ndjson', json: 'json' };

function csvCell(v: ExportRow[string], kind: ColumnKind): string {
  if (v === null) return '';
  if (kind === 'number' || kind === 'boolean') return String(v);
  if (kind === 'strings') return csvTextCell((v as string[]).join('; '));
  return csvTextCell(String(v));
}

function jsonValue(v: ExportRow[string], kind: ColumnKind): string {
  if (v === null) return 'null';
  if (kind === 'json') return String(v);
  return JSON.stringify(v);
}

export class ExportEncoder {
  private rows = 0;

  constructor(
    readonly format: ExportFormat,
    readonly columns: readonly ExportColumn[],
  ) {}

  header(): string {
    if (this.format === 'csv') return csvRecord(this.columns.map((c) => csvTextCell(c.name)));
    return this.format === 'json' ? '[\n' : '';
  }

  row(r: ExportRow): string {
    const first = this.rows === 0;
    this.rows++;
    if (this.format === 'csv') return csvRecord(this.columns.map((c) => csvCell(r[c.name] ?? null, c.kind)));
    const obj = `{${this.columns.map((c) => `${JSON.stringify(c.name)}:${jsonValue(r[c.name] ?? null, c.kind)}`).join(',')}}`;
    if (this.format === 'ndjson') return `${obj}\n`;
    return first ? obj : `,\n${obj}`;
  }

  footer(): string {
    if (this.format !== 'json') return '';
    return this.rows === 0 ? ']\n' : '\n]\n';
  }

  get rowCount(): number {
    return this.rows;
  }
}

/**
 * Counts the rows of an export file as it streams by (the verifier and the
 * Export page's progress): NDJSON lines; JSON lines between the brackets (the
 * encoder writes one element per line and JSON strings never contain a raw line
 * break); CSV records outside quotes, minus the header.
 */
export class RowCounter {
  private lines = 0;
  private inQuotes = false;

  constructor(readonly format: ExportFormat) {}

  push(chunk: Uint8Array): void {
    if (this.format === 'csv') {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === 0x22) this.inQuotes = !this.inQuotes;
        else if (b === 0x0a && !this.inQuotes) this.lines++;
      }
    } else {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) this.lines++;
    }
  }

  get rows(): number {
    if (this.format === 'ndjson') return this.lines;
    // JSON: a line end after "[", after each row and after "]".
    if (this.format === 'json') return Math.max(0, this.lines - 2);
    return Math.max(0, this.lines - 1);
  }
}
