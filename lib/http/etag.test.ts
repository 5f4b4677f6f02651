import { expect, it } from 'vitest';
import { ifNoneMatchHits } from './etag';

it('matches the tag itself, one of a list, a weakened copy, or *', () => {
  expect(ifNoneMatchHits('"abc"', '"abc"')).toBe(true);
  expect(ifNoneMatchHits(' "x", "abc" ', '"abc"')).toBe(true);
  expect(ifNoneMatchHits('W/"abc"', '"abc"')).toBe(true);
  expect(ifNoneMatchHits('*', '"abc"')).toBe(true);
});

it('misses another tag, an unquoted one, or none', () => {
  expect(ifNoneMatchHits('"abd"', '"abc"')).toBe(false);
  expect(ifNoneMatchHits('abc', '"abc"')).toBe(false);
  expect(ifNoneMatchHits(null, '"abc"')).toBe(false);
  expect(ifNoneMatchHits('', '"abc"')).toBe(false);
});
