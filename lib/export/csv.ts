/**
 * CSV per RFC 4180 (comma separated, CRLF line ends, fields with a comma, quote,
 * CR or LF enclosed in double quotes with inner quotes doubled), safe to open in
 * a spreadsheet: a text cell starting with = + - @ tab or CR would be run as a
 * formula (CSV injection), so it gets a leading single quote. A cell starting
 * with a single quote gets one too, so the escaping can be undone exactly
 * (`unguardCell`) — the audit verifier reads exported cells back.
 */

const FORMULA_START = /^[=+\-@\t\r']/;

export function guardCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function unguardCell(text: string): string {
  return text.length >= 2 && text[0] === "'" && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

export function quoteField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One text cell: formula-guarded, then quoted as needed. */
export function csvTextCell(text: string): string {
  return quoteField(guardCell(text));
}

export function csvRecord(cells: readonly string[]): string {
  return `${cells.join(',')}\r\n`;
}

/**
 * Streaming RFC 4180 parser: feed text chunks, get complete records. Keeps only
 * the current record in memory.
 */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  /** After a closing quote inside a quoted field: a second quote is an escaped quote. */
  private quotePending = false;
  private fieldStarted = false;
  private lastWasCr = false;

  push(chunk: string, onRecord: (cells: string[]) => void): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false;
          // fall through: c is the character after the closing quote
        } else if (c === '"') {
          this.quotePending = true;
          continue;
        } else {
          this.field += c;
          continue;
        }
      }
      if (c === '"' && !this.fieldStarted) {
        this.inQuotes = true;
        this.fieldStarted = true;
      } else if (c === ',') {
        this.record.push(this.field);
        this.field = '';
        this.fieldStarted = false;
      } else if (c === '\r') {
        this.lastWasCr = true;
        continue;
      } else if (c === '\n') {
        this.record.push(this.field);
        onRecord(this.record);
        this.record = [];
        this.field = '';
        this.fieldStarted = false;
      } else {
        if (this.lastWasCr) this.field += '\r';
        this.field += c;
        this.fieldStarted = true;
      }
      this.lastWasCr = false;
    }
  }

  /** End of input: a last record without a line end. */
  end(onRecord: (cells: string[]) => void): void {
    if (this.quotePending) {
      this.quotePending = false;
      this.inQuotes = false;
    }
    if (this.fieldStarted || this.record.length > 0) {
      this.record.push(this.field);
      onRecord(this.record);
    }
    this.record = [];
    this.field = '';
    this.fieldStarted = false;
  }
}
