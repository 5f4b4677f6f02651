/**
 * The Content-Security-Policy of every response (set by proxy.ts). Scripts run
 * only from our origin or with this response's nonce ('strict-dynamic' lets
 * Next's nonce'd bootstrap load its chunks): no 'unsafe-inline' scripts, so
 * markup smuggled into span attributes could not run even if it reached the
 * DOM. Styles keep 'unsafe-inline': React style attributes, recharts and
 * reactflow position elements with inline styles, and a style nonce would
 * disable that. Development adds 'unsafe-eval' (React's dev tooling needs it).
 */
export function buildCsp(nonce: string, opts: { dev: boolean }): string {
  return [
    `default-src 'self'`,
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? ` 'unsafe-eval'` : ''}`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data: blob:`,
    `font-src 'self' data:`,
    `connect-src 'self'`,
    `object-src 'none'`,
    `base-uri 'self'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
  ].join('; ');
}

/** 128 random bits, base64: unguessable per response. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
