/** Encoders for PostgreSQL's text formats (COPY text rows, array literals). */

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_SPECIAL_G = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One field of a COPY ... (FORMAT text) row; null → \N. */
export function copyField(v: string | number | boolean | null): string {
  if (v === null) return '\\N';
  if (typeof v !== 'string') return String(v);
  return COPY_SPECIAL.test(v) ? v.replace(COPY_SPECIAL_G, (c) => COPY_ESCAPES[c]!) : v;
}

/** A one-dimensional text[] literal, e.g. {"a","b\"c"}. */
export function arrayLiteral(values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += '"' + values[i]!.replace(/["\\]/g, '\\$&') + '"';
  }
  return out + '}';
}
