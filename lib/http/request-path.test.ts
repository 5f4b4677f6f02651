import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { undecodablePath } from './request-path';

describe('paths Next.js cannot decode', () => {
  it.each([
    ['/api/sagas/%ED%A0%80', true],
    ['/api/traces/%ED%A0%80', true],
    ['/api/sagas/%ED%A0%80/timeline', true],
    ['/sagas/%FF', true],
    ['/sagas/%C0%80', true],
    ['/sagas/abc%ZZ', true],
    ['/sagas/100%', true],
    ['/api/sagas/%00', false],
    ['/api/sagas/%E2%82%AC', false],
    ['/api/sagas/a%2Fb', false],
    ['/api/sagas?q=%ED%A0%80', false],
    ['/api/sagas/x?q=%', false],
    ['/', false],
  ])('%s → refused: %s', (path, refused) => {
    expect(undecodablePath(path) !== null).toBe(refused);
  });

  it('property: a path is refused exactly when decoding it (as Next does) would throw', () => {
    const byte = fc.integer({ min: 0, max: 255 });
    const escaped = fc.array(byte, { maxLength: 12 }).map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''));
    const segment = fc.oneof(escaped, fc.string({ maxLength: 8 }).map((s) => s.replace(/[/?#]/g, '')), fc.constantFrom('%', '%Z', '%%41'));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (segments) => {
        const path = `/api/sagas/${segments.join('/')}`;
        let throws = false;
        try {
          for (const s of segments) decodeURIComponent(s);
        } catch {
          throws = true;
        }
        expect(undecodablePath(path) !== null).toBe(throws);
      }),
    );
  });
});
