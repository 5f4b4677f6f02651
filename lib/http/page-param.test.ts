import { describe, expect, it } from 'vitest';
import { decodePageParam } from './page-param';
import { sagaHref, traceHref } from '../ui/trace-links';

const HOSTILE = ['a b', 'x<y>', 'k=v', '100%', '50%25', 'a/b', 'why?', 'tag#1', 'zürich-✓', '%41', 'a+b', "it's", '...', 'gid:1;2'];

describe('saga page links', () => {
  it('round-trip any id: the link encodes it, the page decodes its segment exactly once', () => {
    for (const id of HOSTILE) {
      const href = sagaHref(id);
      // One path segment: nothing in the id can end the path or start a query or fragment.
      expect(href.slice('/sagas/'.length)).not.toMatch(/[/?# ]/);
      // What a browser sends is the href's path as written; the page's param is that segment (still encoded).
      const segment = new URL(href, 'http://x').pathname.slice('/sagas/'.length);
      expect(decodePageParam(segment)).toBe(id);
    }
  });

  it('does not decode twice: an id that looks encoded stays itself', () => {
    expect(decodePageParam(encodeURIComponent('%41'))).toBe('%41');
    expect(decodePageParam(encodeURIComponent('50%25'))).toBe('50%25');
  });

  it('cannot carry the ids `.` and `..` in a path (URL parsers resolve them, encoded or not): a known limit', () => {
    expect(new URL(sagaHref('..'), 'http://x').pathname).toBe('/');
  });

  it('gives null for a segment no link of ours produces', () => {
    expect(decodePageParam('%E0%A4%A')).toBeNull();
    expect(decodePageParam('%')).toBeNull();
  });

  it('trace links stay one segment', () => {
    expect(traceHref('0af7651916cd43dd8448eb211c80319c')).toBe('/traces/0af7651916cd43dd8448eb211c80319c');
    expect(traceHref('a/b?c')).toBe('/traces/a%2Fb%3Fc');
  });
});
