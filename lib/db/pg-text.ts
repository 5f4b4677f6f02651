/** Encoders for PostgreSQL's text formats (COPY text rows, array literals, timestamps). */

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_SPECIAL_G = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One text field of a COPY ... (FORMAT text) row; null → \N. */
export function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return COPY_SPECIAL.test(v) ? v.replace(COPY_SPECIAL_G, (c) => COPY_ESCAPES[c]!) : v;
}

const COPY_UNESCAPES: Record<string, string> = { '\\': '\\', n: '\n', r: '\r', t: '\t' };

/** A text field as copyText wrote it (not \N), back to its value. */
export function parseCopyText(field: string): string {
  return field.indexOf('\\') === -1 ? field : field.replace(/\\([\\nrt])/g, (_, c: string) => COPY_UNESCAPES[c]!);
}

/** Any field of a COPY text row: numbers and booleans print as themselves. */
export function copyField(v: string | number | boolean | null): string {
  return typeof v === 'string' || v === null ? copyText(v) : String(v);
}

/** A one-dimensional text[] literal, e.g. {"a","b\"c"}; null elements → NULL. */
export function arrayLiteral(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += textElement(values[i]);
  }
  return out + '}';
}

/**
 * The values of a text[] literal as arrayLiteral writes it (every element
 * quoted, no NULL); null when the text is not one.
 */
export function parseArrayLiteral(text: string): string[] | null {
  if (text.length < 2 || text[0] !== '{' || text[text.length - 1] !== '}') return null;
  const out: string[] = [];
  let i = 1;
  const end = text.length - 1;
  while (i < end) {
    if (text[i] !== '"') return null;
    let value = '';
    let j = i + 1;
    for (;;) {
      if (j >= end) return null;
      const c = text[j]!;
      if (c === '"') break;
      if (c === '\\' && ++j >= end) return null;
      value += text[j]!;
      j++;
    }
    out.push(value);
    i = j + 1;
    if (i < end) {
      if (text[i] !== ',' || i + 1 === end) return null;
      i++;
    }
  }
  return out;
}

/** One element of a text[] literal: quoted and escaped; null → NULL. */
export function textElement(v: string | null | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  const backslash = v.indexOf('\\') !== -1;
  if (!backslash && v.indexOf('"') === -1) return '"' + v + '"';
  // Two plain replaceAll passes (backslashes first) beat one regex with a
  // replacement pattern some 2×; encoded rollups (JSON, many quotes) take this path.
  return '"' + (backslash ? v.replaceAll('\\', '\\\\') : v).replaceAll('"', '\\"') + '"';
}

/**
 * `textElement(arrayLiteral(values))`: a text[] literal as one element of an
 * outer text[] literal. Built in one step when no value needs escaping (the
 * usual case: service names, trace ids, anomaly kinds).
 */
export function nestedTextElement(values: readonly (string | null)[]): string {
  let out = '"{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || v.indexOf('"') !== -1 || v.indexOf('\\') !== -1) return textElement(arrayLiteral(values));
    out += i > 0 ? ',\\"' + v + '\\"' : '\\"' + v + '\\"';
  }
  return out + '}"';
}

/** One element of a numeric or boolean array literal (see numberArrayLiteral). */
export function numberElement(v: number | boolean | null | undefined): string {
  return v === null || v === undefined ? 'NULL' : typeof v === 'boolean' ? (v ? 't' : 'f') : String(v);
}

/**
 * A numeric or boolean array literal, e.g. {1,2.5,NULL}. Ingest passes arrays
 * of thousands of values per statement: node-postgres' own array serialisation
 * (type checks and an escaping regex per element) showed up in its profile.
 */
export function numberArrayLiteral(values: readonly (number | boolean | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    out += v === null || v === undefined ? 'NULL' : typeof v === 'boolean' ? (v ? 't' : 'f') : String(v);
  }
  return out + '}';
}

// Spans of a batch fall within a few seconds: format each second once.
let cachedSecond = NaN;
let cachedPrefix = '';

/** Epoch ms (float) → ISO timestamptz text with microseconds (Date alone keeps ms). */
export function timestampText(ms: number): string {
  const totalMicros = Math.round(ms * 1000); // < 2^53 for any date this side of year 287,000
  const second = Math.floor(totalMicros / 1_000_000);
  const micros = totalMicros - second * 1_000_000;
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  return `${cachedPrefix}.${String(micros).padStart(6, '0')}Z`;
}
