/**
 * Lets an API route send a body it compressed once (and keeps), instead of
 * having Next's server compress it again for every request.
 *
 * Next copies a route handler's headers onto the Node response except
 * Content-Encoding, Content-Length and Transfer-Encoding, and its compression
 * then gzips the body on the fly (3 MB for a 50,000-step saga's timeline,
 * while a first visit's scripts waited behind it: docs/benchmarks-ui-export.md).
 * So a route that holds a compressed body (lib/http/pre-encoded.ts) says so in
 * a private header and `Cache-Control: no-transform` (which makes Next's
 * compression leave the body alone), and this server — our own, in front of
 * Next's request handler — turns that header into Content-Encoding just before
 * the response head is written. Authentication, permissions and headers stay
 * the route's (and Next's): nothing else is touched.
 */
import type { ServerResponse } from 'node:http';
import { PRE_ENCODED_HEADER, PRE_ENCODINGS, preEncodingEnabled } from '../lib/http/pre-encoded';

export function enablePreEncodedBodies(): void {
  preEncodingEnabled(true);
}

/** Installs the header rewrite on one response (call before handing it to Next). */
export function passPreEncoded(res: ServerResponse): void {
  const writeHead = res.writeHead;
  // Node's implicit head (first write/end) goes through writeHead too.
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    const enc = this.getHeader(PRE_ENCODED_HEADER);
    if (enc !== undefined) {
      this.removeHeader(PRE_ENCODED_HEADER);
      if (typeof enc === 'string' && (PRE_ENCODINGS as readonly string[]).includes(enc) && this.getHeader('Content-Encoding') === undefined) {
        this.setHeader('Content-Encoding', enc);
      }
    }
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}
