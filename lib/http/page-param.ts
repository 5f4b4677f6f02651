/**
 * A dynamic segment of a page URL (`/sagas/[id]`), as the id it names.
 *
 * Next.js hands App Router pages their `params` still percent-encoded (route
 * handlers get them decoded), so `/sagas/a%20b` reached the page as `a%20b` and
 * every id with a space, `<`, `=`, `%`, `/`, `?`, `#` or non-ASCII text was a
 * 404 while `/api/sagas/{id}` answered. Links are built with
 * encodeURIComponent (`sagaHref`), so decoding exactly once gives the id back.
 * A segment that is not valid percent-encoding cannot come from such a link
 * (the server's edge answers most with 400, lib/http/request-path.ts): null.
 */
export function decodePageParam(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
