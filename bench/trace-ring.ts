/**
 * Routing by trace id the way the OTel Collector's `loadbalancing` exporter
 * does it (routing_key: traceID): a consistent-hash ring where each backend
 * holds 100 points (crc32 of "<endpoint><i>"), and a trace goes to the first
 * point at or after crc32 of its 16 id bytes. Adding a backend moves about 1/N
 * of the traces; all spans of one trace always reach the same collector.
 */
import { crc32 } from 'node:zlib';

const RING = 36_000;
const POINTS = 100;

export class TraceRing {
  private readonly points: { at: number; endpoint: string }[];

  constructor(readonly endpoints: readonly string[]) {
    if (endpoints.length === 0) throw new Error('TraceRing: no endpoints');
    this.points = endpoints
      .flatMap((endpoint) => Array.from({ length: POINTS }, (_, i) => ({ at: crc32(`${endpoint}${i}`) % RING, endpoint })))
      .sort((a, b) => a.at - b.at || (a.endpoint < b.endpoint ? -1 : 1));
  }

  endpointOf(traceIdHex: string): string {
    const at = crc32(Buffer.from(traceIdHex, 'hex')) % RING;
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.points[mid]!.at < at) lo = mid + 1;
      else hi = mid;
    }
    return this.points[lo === this.points.length ? 0 : lo]!.endpoint;
  }
}
