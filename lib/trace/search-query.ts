/** The query string of GET /api/traces/{id}/search: `q`, the text to find (other parameters are ignored). */
import { z } from 'zod';
import { formatZodError, pgText, type Parsed } from '../api/query';
import { MAX_QUERY_LENGTH } from '../ui/span-search';

const textSchema = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(MAX_QUERY_LENGTH, `is at most ${MAX_QUERY_LENGTH} characters`)
  .refine(pgText, 'must be text without NUL or unpaired surrogates');

export function parseTraceSearchQuery(search: URLSearchParams): Parsed<{ q: string }> {
  const q = textSchema.safeParse(search.get('q') ?? '');
  return q.success ? { ok: true, value: { q: q.data } } : { ok: false, error: `q: ${formatZodError(q.error)}` };
}
