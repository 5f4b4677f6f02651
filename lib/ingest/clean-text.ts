/**
 * PostgreSQL text and jsonb cannot hold U+0000, and jsonb rejects escaped lone
 * surrogates. Span data is untrusted, so strings are made storable here, once,
 * instead of letting one bad attribute fail a whole batch in the database.
 */

export function cleanText(s: string): string {
  if (s.indexOf('\u0000') === -1 && s.isWellFormed()) return s;
  return s.replaceAll('\u0000', '\uFFFD').toWellFormed();
}

// JSON.stringify writes NUL as \u0000 and lone surrogates as \udXXX escapes; an
// even run of backslashes before them means the backslash itself was escaped text.
const BAD_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(0000|d[89a-f][0-9a-f]{2})/gi;

export function toJsonText(value: unknown): string {
  const json = JSON.stringify(value);
  if (json.indexOf('\\u') === -1) return json;
  return json.replace(BAD_ESCAPE, '$1\\ufffd');
}
