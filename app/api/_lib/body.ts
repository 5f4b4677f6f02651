/**
 * JSON request bodies: content type, size and shape checked (zod) before a
 * handler sees them. Requiring application/json also means a cross-site HTML
 * form can never produce an acceptable request.
 */
import type { z } from 'zod';
import { formatZodError } from '@/lib/api/query';
import { badRequest } from './respond';

const MAX_BODY_BYTES = 64 * 1024;

export type BodyResult<T> = { ok: true; value: T } | { ok: false; response: Response };

export async function readJson<S extends z.ZodType>(request: Request, schema: S): Promise<BodyResult<z.output<S>>> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return { ok: false, response: Response.json({ error: 'send the body as application/json' }, { status: 415, headers: { 'Cache-Control': 'no-store' } }) };
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) return { ok: false, response: Response.json({ error: 'request body too large' }, { status: 413 }) };
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return { ok: false, response: Response.json({ error: 'request body too large' }, { status: 413 }) };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, response: badRequest('the body is not valid JSON') };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, response: badRequest(formatZodError(parsed.error)) };
  return { ok: true, value: parsed.data };
}
