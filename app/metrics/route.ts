/**
 * GET /metrics on the UI port (Prometheus text format). When the collector runs
 * in this process (`npm start`), its ingest metrics are included; a separately
 * run collector serves its own on :4318/metrics.
 */
import { processMetrics } from '@/lib/ingest/metrics';
import { renderLoginMetrics } from '@/lib/auth/login-metrics';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export function GET(): Response {
  const collector = processMetrics();
  const lines = [
    '# HELP sagascope_ui_up The UI server is serving requests.',
    '# TYPE sagascope_ui_up gauge',
    'sagascope_ui_up 1',
    '# HELP sagascope_collector_in_process 1 when the collector runs in this process.',
    '# TYPE sagascope_collector_in_process gauge',
    `sagascope_collector_in_process ${collector ? 1 : 0}`,
    ...renderLoginMetrics(),
  ];
  const body = lines.join('\n') + '\n' + (collector ? collector.render() : '');
  return new Response(body, { headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' } });
}
