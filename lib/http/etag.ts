/** Conditional GET (RFC 9110 §13.1.2): does an If-None-Match header name this entity tag? */
export function ifNoneMatchHits(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  // Weak comparison: a proxy that re-encodes a body may weaken the tag it passes on.
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => strip(t) === strip(etag));
}
