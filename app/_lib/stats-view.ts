import { loadConfig } from '@/lib/config/env';

/** Where spans go, for the analyze pages' empty state. */
export function collectorHint(): string {
  const c = loadConfig();
  if (!c.SAGASCOPE_START_COLLECTOR) {
    return 'The collector runs as its own process here (`npm run collector`); check that it is up and that services export to it.';
  }
  return `The collector started with this UI listens for OTLP on ${c.SAGASCOPE_HOST}:${c.COLLECTOR_GRPC_PORT} (gRPC) and http://${c.SAGASCOPE_HOST}:${c.COLLECTOR_HTTP_PORT}/v1/traces (HTTP); sagas appear once services send spans with saga.* attributes there.`;
}
