/**
 * A response body that is compressed once and kept, for large bodies served
 * many times from a cache (a large saga's timeline rows). Next's server would
 * compress it again for every request; server/start.ts (our own server in
 * front of Next) can pass a body through compressed: see server/pre-encoded.ts
 * for how. Where that server is not in front (`next start`, route handlers
 * called directly in tests) the body goes out as is and Next compresses it as
 * before.
 *
 * ETags are strong and per representation (identity, gzip, br differ), and
 * If-None-Match is answered with 304.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ifNoneMatchHits } from './etag';

/** The route → server/start.ts signal; never reaches a client (that server rewrites it). */
export const PRE_ENCODED_HEADER = 'x-sagascope-pre-encoded';
export const PRE_ENCODINGS = ['br', 'gzip'] as const;
export type PreEncoding = (typeof PRE_ENCODINGS)[number];

// On globalThis: server/start.ts and Next's bundle hold separate copies of this module.
const ENABLED = Symbol.for('sagascope.preEncodedBodies');
type Slot = { [ENABLED]?: boolean };

/** Set by server/start.ts when it rewrites PRE_ENCODED_HEADER; read by the routes. */
export function preEncodingEnabled(set?: boolean): boolean {
  const g = globalThis as Slot;
  if (set !== undefined) g[ENABLED] = set;
  return g[ENABLED] === true;
}

/**
 * The encoding to send for an Accept-Encoding header: brotli, else gzip, else
 * none. Tokens with q=0 are refused; `*` stands for any encoding not named; a
 * q that is not a number is ignored (weight 1).
 */
export function pickEncoding(acceptEncoding: string | null): PreEncoding | null {
  if (!acceptEncoding) return null;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [rawName, ...params] = part.toLowerCase().split(';');
    const name = rawName.trim();
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (enc: string) => q.get(enc) ?? q.get('*') ?? 0;
  let best: PreEncoding | null = null;
  for (const enc of PRE_ENCODINGS) if (weightOf(enc) > 0 && (best === null || weightOf(enc) > weightOf(best))) best = enc;
  return best;
}

/** Brotli quality: 11 (the maximum) takes seconds on a few MB; 5 is ~as fast as gzip and still smaller. */
const BROTLI_QUALITY = 5;

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);


export class PreEncodedBody {
  readonly bytes: Buffer;
  private readonly tag: string;
  private readonly encoded = new Map<PreEncoding, Promise<Buffer>>();

  constructor(
    text: string,
    private readonly contentType: string,
  ) {
    this.bytes = Buffer.from(text, 'utf8');
    this.tag = createHash('sha256').update(this.bytes).digest('base64url').slice(0, 22);
  }

  /** The compressed body (made on first use, then kept). */
  encodedAs(enc: PreEncoding): Promise<Buffer> {
    let p = this.encoded.get(enc);
    if (!p) {
      p =
        enc === 'gzip'
          ? gzip(this.bytes)
          : brotli(this.bytes, {
              params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: this.bytes.length },
            });
      // A failure is not kept: the next request tries again.
      p.catch(() => this.encoded.delete(enc));
      this.encoded.set(enc, p);
    }
    return p;
  }

  /** The response to `request`; `headers` are added to every answer (Cache-Control and the like). */
  async respond(request: Request, headers: Record<string, string>): Promise<Response> {
    const enc = preEncodingEnabled() ? pickEncoding(request.headers.get('accept-encoding')) : null;
    const etag = `"${this.tag}${enc ? `-${enc}` : ''}"`;
    const common: Record<string, string> = { ...headers, ETag: etag, Vary: 'Accept-Encoding' };
    if (ifNoneMatchHits(request.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers: common });
    if (!enc) return new Response(view(this.bytes), { headers: { ...common, 'Content-Type': this.contentType } });
    const body = await this.encodedAs(enc);
    return new Response(view(body), {
      headers: {
        ...common,
        'Content-Type': this.contentType,
        // Next's own compression leaves a no-transform body alone.
        'Cache-Control': withNoTransform(common['Cache-Control']),
        [PRE_ENCODED_HEADER]: enc,
      },
    });
  }
}

function withNoTransform(cacheControl: string | undefined): string {
  if (!cacheControl) return 'no-transform';
  return /(^|,)\s*no-transform\s*(,|$)/i.test(cacheControl) ? cacheControl : `${cacheControl}, no-transform`;
}

/** The buffer's bytes as a plain Uint8Array over an ArrayBuffer, as BodyInit wants (no copy). */
const view = (b: Buffer) => new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);
