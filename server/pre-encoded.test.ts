import { describe, expect, it } from 'vitest';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { PRE_ENCODED_HEADER } from '../lib/http/pre-encoded';
import { passPreEncoded } from './pre-encoded';

/** A response that is never sent anywhere: only its head is looked at. */
function response(): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  passPreEncoded(res);
  return res;
}

describe('passPreEncoded', () => {
  it('turns the route’s private header into Content-Encoding when the head is written', () => {
    const res = response();
    res.setHeader(PRE_ENCODED_HEADER, 'br');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.writeHead(200);
    expect(res.getHeader('content-encoding')).toBe('br');
    expect(res.getHeader(PRE_ENCODED_HEADER)).toBeUndefined();
    expect(res.getHeader('x-content-type-options')).toBe('nosniff');
  });

  it('drops an unknown value without setting any encoding', () => {
    const res = response();
    res.setHeader(PRE_ENCODED_HEADER, 'deflate');
    res.writeHead(200);
    expect(res.getHeader('content-encoding')).toBeUndefined();
    expect(res.getHeader(PRE_ENCODED_HEADER)).toBeUndefined();
  });

  it('leaves other responses alone', () => {
    const res = response();
    res.setHeader('Content-Type', 'text/html');
    res.writeHead(404);
    expect(res.statusCode).toBe(404);
    expect(res.getHeader('content-encoding')).toBeUndefined();
  });
});
