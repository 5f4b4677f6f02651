/**
 * Request bodies by Content-Encoding, unpacked up to the bytes budget
 * (SAGASCOPE_MAX_REQUEST_BYTES): zlib stops producing output at the limit, so
 * a 58 KB body that would unpack to 60 MB costs at most the budget. Sync for
 * the decode workers (it blocks only their thread), async on the main thread.
 */
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { ExportError } from './errors';

export type ContentEncoding = 'identity' | 'gzip' | 'deflate';

const INFLATE_CHUNK_BYTES = 1024 * 1024;

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

/** The Content-Encoding header as one we take, or an invalid_argument error. */
export function contentEncodingOf(header: string | undefined): ContentEncoding {
  const enc = (header ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return 'identity';
  if (enc === 'gzip' || enc === 'deflate') return enc;
  throw new ExportError('invalid_argument', `unsupported Content-Encoding: ${enc}`);
}

function inflateError(err: unknown, limit: number): ExportError {
  if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
    return new ExportError('too_large', `decompressed request exceeds ${limit} bytes (SAGASCOPE_MAX_REQUEST_BYTES)`, 'bytes');
  }
  return new ExportError('invalid_argument', `cannot decompress request body: ${(err as Error).message}`);
}

/** Output pieces while watching: small, so that a refusal comes early (and the whole is joined once at the end). */
const WATCH_CHUNK_BYTES = 64 * 1024;

/**
 * Unpacks as a stream, handing each piece to `watch` as it comes, so that
 * `watch` can refuse the request (by throwing) long before all of it is
 * unpacked: the JSON budget scanner refuses 60 MB of empty values after the
 * first 64 KiB. zlib has no synchronous way to unpack piece by piece, so
 * this runs on libuv's thread pool, and only for as long as the watcher lets it.
 */
export function inflateWatching(body: Uint8Array, encoding: ContentEncoding, limit: number, watch: (piece: Uint8Array) => void): Promise<Uint8Array> {
  if (encoding === 'identity') {
    watch(body);
    return Promise.resolve(body);
  }
  return new Promise((resolve, reject) => {
    const z = encoding === 'gzip' ? zlib.createGunzip({ chunkSize: WATCH_CHUNK_BYTES }) : zlib.createInflate({ chunkSize: WATCH_CHUNK_BYTES });
    const pieces: Buffer[] = [];
    let total = 0;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      z.destroy();
      reject(err);
    };
    z.on('data', (piece: Buffer) => {
      if (failed) return;
      total += piece.length;
      if (total > limit) return fail(inflateError(Object.assign(new Error('too large'), { code: 'ERR_BUFFER_TOO_LARGE' }), limit));
      try {
        watch(piece);
      } catch (err) {
        return fail(err);
      }
      pieces.push(piece);
    });
    z.on('error', (err) => fail(inflateError(err, limit)));
    z.on('end', () => {
      if (!failed) resolve(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, total));
    });
    z.end(body);
  });
}

export function inflateSync(body: Uint8Array, encoding: ContentEncoding, limit: number): Uint8Array {
  if (encoding === 'identity') return body;
  // Output in 1 MiB pieces rather than zlib's 16 KiB: 60 MB of gzip'd empty values was cut at the
  // 16 MiB budget in 16 ms instead of 85 (one 16 MiB piece: 253 ms, its pages are new every time).
  const options = { maxOutputLength: limit, chunkSize: Math.min(limit, INFLATE_CHUNK_BYTES) };
  try {
    return encoding === 'gzip' ? zlib.gunzipSync(body, options) : zlib.inflateSync(body, options);
  } catch (err) {
    throw inflateError(err, limit);
  }
}

export async function inflateAsync(body: Uint8Array, encoding: ContentEncoding, limit: number): Promise<Uint8Array> {
  if (encoding === 'identity') return body;
  try {
    return encoding === 'gzip' ? await gunzip(body, { maxOutputLength: limit }) : await inflate(body, { maxOutputLength: limit });
  } catch (err) {
    throw inflateError(err, limit);
  }
}
