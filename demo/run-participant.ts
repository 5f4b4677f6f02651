/**
 * Entry of one participant process: `node --import tsx demo/run-participant.ts <service>`.
 *
 * Telemetry starts before anything loads `node:http`; the service itself is
 * imported afterwards, which is why the rest lives in participant/main.ts.
 */
import { startTelemetry } from './telemetry/sdk';
import { SERVICES, type ServiceName } from './services/catalog';

const service = process.argv[2] as ServiceName;
if (!SERVICES.includes(service)) {
  console.error(`usage: run-participant.ts <${SERVICES.join('|')}>`);
  process.exit(2);
}
process.env.SAGASCOPE_DEMO_SERVICE = service;
const telemetry = startTelemetry(service, { endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT });

void import('./participant/main').then((m) => m.main(service, telemetry));
