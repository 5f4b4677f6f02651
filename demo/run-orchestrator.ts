/**
 * Entry of the orchestrator process: `node --import tsx demo/run-orchestrator.ts`.
 * Telemetry first (see run-participant.ts), then the rest.
 */
import { startTelemetry } from './telemetry/sdk';

process.env.SAGASCOPE_DEMO_SERVICE = 'orchestrator';
// Its own API is control traffic, not part of any saga: only its outgoing calls are traced.
const telemetry = startTelemetry('orchestrator', { endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, ignoreIncoming: () => true });

void import('./orchestrator/main').then((m) => m.main(telemetry));
