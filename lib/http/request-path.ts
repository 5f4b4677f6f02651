/**
 * Request paths Next.js cannot take. Next decodes a dynamic segment with
 * decodeURIComponent, and a percent-escape that is not UTF-8 (`%ED%A0%80`, a
 * lone surrogate; `%FF`; `%C0%80`) or not an escape at all (`%ZZ`, a bare `%`)
 * makes it throw before any route runs: a bare 500 from the framework. Our
 * server (server/start.ts) answers those with 400 itself.
 */

/** Why the path part of a request target cannot be decoded, or null when it can. */
export function undecodablePath(target: string): string | null {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (!path.includes('%')) return null;
  try {
    decodeURIComponent(path);
    return null;
  } catch {
    return 'the path has a percent-escape that is not UTF-8';
  }
}
