/**
 * Random bearer secrets (session cookies, API tokens, the setup token) and how
 * they are stored: only their SHA-256 ever reaches the database. The CSRF token
 * of a session is derived from its secret, so it needs no storage and cannot be
 * forged or planted without the (httpOnly) session cookie.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_TOKEN_PREFIX = 'sgs_';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** 256 random bits, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function newApiToken(): { token: string; hash: string; prefix: string } {
  const token = API_TOKEN_PREFIX + randomSecret();
  return { token, hash: sha256Hex(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 6) };
}

export function looksLikeApiToken(token: string): boolean {
  return token.startsWith(API_TOKEN_PREFIX) && /^[A-Za-z0-9_-]{43}$/.test(token.slice(API_TOKEN_PREFIX.length));
}

export function looksLikeSessionToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update('sagascope-csrf\0').update(sessionToken).digest('base64url');
}

/** Constant-time string equality (length leaks, which is fine for fixed-length tokens). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
