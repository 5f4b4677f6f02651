import { afterEach, describe, expect, it } from 'vitest';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { PRE_ENCODED_HEADER, PreEncodedBody, pickEncoding, preEncodingEnabled } from './pre-encoded';

describe('pickEncoding', () => {
  it.each([
    [null, null],
    ['', null],
    ['identity', null],
    ['gzip', 'gzip'],
    ['gzip, deflate, br, zstd', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['GZIP ; Q=1', 'gzip'],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['gzip;q=0', null],
    ['deflate', null],
    ['gzip;q=abc', 'gzip'],
  ])('%j → %j', (header, expected) => {
    expect(pickEncoding(header)).toBe(expected);
  });
});

describe('PreEncodedBody', () => {
  const text = JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => `row-${i} <b>"x"</b>`) });
  const req = (headers: Record<string, string> = {}) => new Request('http://127.0.0.1/api/x', { headers });
  afterEach(() => preEncodingEnabled(false));

  it('sends the text as is when our server is not in front (Next compresses it then)', async () => {
    const res = await new PreEncodedBody(text, 'application/json').respond(req({ 'accept-encoding': 'gzip, br' }), { 'Cache-Control': 'no-store' });
    expect(res.status).toBe(200);
    expect(res.headers.get(PRE_ENCODED_HEADER)).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(await res.text()).toBe(text);
  });

  it('sends the kept brotli or gzip body, marked for server/start.ts and no-transform for Next', async () => {
    preEncodingEnabled(true);
    const body = new PreEncodedBody(text, 'application/json');
    const br = await body.respond(req({ 'accept-encoding': 'gzip, deflate, br' }), { 'Cache-Control': 'no-store' });
    expect(br.headers.get(PRE_ENCODED_HEADER)).toBe('br');
    expect(br.headers.get('cache-control')).toBe('no-store, no-transform');
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString('utf8')).toBe(text);
    const gz = await body.respond(req({ 'accept-encoding': 'gzip' }), { 'Cache-Control': 'no-store' });
    expect(gz.headers.get(PRE_ENCODED_HEADER)).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString('utf8')).toBe(text);
    // Compressed once: the same promise (and bytes) every time.
    expect(body.encodedAs('gzip')).toBe(body.encodedAs('gzip'));
    const plain = await body.respond(req(), {});
    expect(plain.headers.get(PRE_ENCODED_HEADER)).toBeNull();
    expect(await plain.text()).toBe(text);
  });

  it('answers If-None-Match with 304, per representation', async () => {
    preEncodingEnabled(true);
    const body = new PreEncodedBody(text, 'application/json');
    const first = await body.respond(req({ 'accept-encoding': 'gzip' }), { 'Cache-Control': 'no-store' });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+-gzip"$/);
    const again = await body.respond(req({ 'accept-encoding': 'gzip', 'if-none-match': `"other", W/${etag}` }), { 'Cache-Control': 'no-store' });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    // The identity representation has its own tag.
    const plain = await body.respond(req({ 'if-none-match': etag }), {});
    expect(plain.status).toBe(200);
    expect(plain.headers.get('etag')).not.toBe(etag);
    // Another body, another tag.
    const other = await new PreEncodedBody(`${text} `, 'application/json').respond(req({ 'accept-encoding': 'gzip' }), {});
    expect(other.headers.get('etag')).not.toBe(etag);
  });
});
