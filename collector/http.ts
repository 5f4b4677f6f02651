/**
 * OTLP/HTTP transport (POST /v1/traces, protobuf or JSON, optional gzip) plus
 * the collector's /metrics and /health. Responses use the request's encoding;
 * failures carry a google.rpc.Status body as the OTLP/HTTP spec asks.
 */
import http from 'node:http';
import protobuf from 'protobufjs/minimal.js';
import { exportTraces, authorize, admit, type ExportDeps, type Encoding } from '../lib/ingest/export';
import { ExportError, statusFor } from '../lib/ingest/errors';
import { contentEncodingOf } from '../lib/ingest/inflate';
import { encodeExportResponseJson, encodeExportResponseProto } from '../lib/otlp/response';

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
    const tooLarge = () => new ExportError('too_large', `request body exceeds ${limit} bytes (SAGASCOPE_MAX_REQUEST_BYTES)`, 'bytes');
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(tooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
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
    let contentEncoding;
    try {
      contentEncoding = contentEncodingOf(req.headers['content-encoding']);
    } catch (err) {
      req.resume(); // as above: refused unread
      throw err;
    }
    const body = await readBody(req, opts.maxRequestBytes).catch((err: unknown) => {
      // Refused before the export core sees it, which counts the other budgets.
      if (err instanceof ExportError && err.budget) opts.metrics.countBudgetExceeded(err.budget);
      throw err;
    });
    // Unpacked by the decoder, within the bytes budget and off the main thread (lib/ingest/decode-pool.ts).
    const result = await exportTraces(body, encoding, opts, contentEncoding);
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
