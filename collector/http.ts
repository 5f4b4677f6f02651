/**
 * OTLP/HTTP transport (POST /v1/traces, protobuf or JSON, optional gzip) plus
 * the collector's /metrics and /health. Responses use the request's encoding;
 * failures carry a google.rpc.Status body as the OTLP/HTTP spec asks.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import protobuf from 'protobufjs/minimal.js';
import { exportTraces, authorize, admit, type ExportDeps, type Encoding } from '../lib/ingest/export';
import { ExportError, statusFor } from '../lib/ingest/errors';
import { encodeExportResponseJson, encodeExportResponseProto } from '../lib/otlp/response';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

export interface HttpOptions extends ExportDeps {
  host: string;
  port: number;
  maxRequestBytes: number;
  /** Health of the storage behind the collector. */
  checkHealth(): Promise<void>;
}

function encodingOf(contentType: string | undefined): Encoding | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new ExportError('too_large', `request body exceeds ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new ExportError('too_large', `request body exceeds ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function decompress(body: Buffer, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return body;
  if (enc !== 'gzip' && enc !== 'deflate') throw new ExportError('invalid_argument', `unsupported Content-Encoding: ${enc}`);
  try {
    return enc === 'gzip' ? await gunzip(body, { maxOutputLength: limit }) : await inflate(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new ExportError('too_large', `decompressed request exceeds ${limit} bytes`);
    }
    throw new ExportError('invalid_argument', `cannot decompress request body: ${(err as Error).message}`);
  }
}

/** google.rpc.Status { code = 1; message = 2 } */
function rpcStatusProto(code: number, message: string): Uint8Array {
  return protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message).finish();
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function handleExport(req: http.IncomingMessage, res: http.ServerResponse, opts: HttpOptions): Promise<void> {
  const encoding = encodingOf(req.headers['content-type']);
  const replyType = encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  try {
    if (!encoding) {
      req.resume();
      send(res, 415, 'application/json', JSON.stringify({ code: 3, message: 'Content-Type must be application/x-protobuf or application/json' }));
      opts.metrics.countRequest('http', 'unsupported_media_type');
      return;
    }
    authorize(req.headers.authorization, opts.token);
    try {
      admit(opts);
    } catch (err) {
      req.resume(); // discard the body unread: the connection stays usable for the client's retry
      throw err;
    }
    const raw = await readBody(req, opts.maxRequestBytes);
    const body = await decompress(raw, req.headers['content-encoding'], opts.maxRequestBytes);
    const result = await exportTraces(body, encoding, opts);
    opts.metrics.countRequest('http', result.rejectedSpans > 0 ? 'partial' : 'ok');
    send(
      res,
      200,
      replyType,
      encoding === 'json'
        ? encodeExportResponseJson(result.rejectedSpans, result.errorMessage)
        : encodeExportResponseProto(result.rejectedSpans, result.errorMessage),
    );
  } catch (err) {
    const status = statusFor(err);
    opts.metrics.countRequest('http', status.kind);
    const headers: Record<string, string> = status.retryAfterSeconds ? { 'Retry-After': String(status.retryAfterSeconds) } : {};
    if (status.kind === 'unauthenticated') headers['WWW-Authenticate'] = 'Bearer';
    const body = encoding === 'json' ? JSON.stringify({ code: status.grpc, message: status.message }) : rpcStatusProto(status.grpc, status.message);
    if (!res.headersSent) send(res, status.http, replyType, body, headers);
  }
}

export function createCollectorHttpHandler(opts: HttpOptions): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/v1/traces') {
      if (req.method !== 'POST') return send(res, 405, 'text/plain', 'use POST\n', { Allow: 'POST' });
      void handleExport(req, res, opts);
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', opts.metrics.render());
    }
    if (req.method === 'GET' && (path === '/health' || path === '/')) {
      opts
        .checkHealth()
        .then(() => send(res, 200, 'application/json', JSON.stringify({ status: 'ok', db: 'ok' })))
        .catch((e: Error) => send(res, 503, 'application/json', JSON.stringify({ status: 'degraded', db: e.message })));
      return;
    }
    send(res, 404, 'text/plain', 'not found\n');
  };
}

export async function startHttpServer(opts: HttpOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer({ keepAliveTimeout: 65_000 }, createCollectorHttpHandler(opts));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
