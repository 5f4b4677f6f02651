/**
 * Runs before every page and API request: a fresh CSP nonce per response. Next
 * reads the nonce from the request's Content-Security-Policy header and puts it
 * on its own scripts (which makes every page dynamic; ours are anyway: they
 * read the session).
 */
import { NextResponse, type NextRequest } from 'next/server';
import { buildCsp, newNonce } from './lib/security/csp';

export function proxy(request: NextRequest) {
  const nonce = newNonce();
  const csp = buildCsp(nonce, { dev: process.env.NODE_ENV !== 'production' });
  const headers = new Headers(request.headers);
  headers.set('x-nonce', nonce);
  headers.set('Content-Security-Policy', csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

export const config = {
  // Static files carry no scripts to protect; prefetches need no new nonce.
  matcher: [
    {
      source: '/((?!_next/static|_next/image|favicon.ico|icon.svg).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
