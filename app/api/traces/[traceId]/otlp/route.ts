import { traceIdSchema } from '@/lib/api/query';
import { getDb } from '@/lib/db';
import { traceOtlpResponse } from '@/lib/trace/otlp-download';
import { route } from '../../../_lib/api-route';
import { notFound } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → the trace as an OTLP/JSON file (Content-Disposition: attachment); lib/trace/otlp-download.ts. */
export const GET = route('GET /api/traces/[traceId]/otlp', { params: { traceId: traceIdSchema } }, async ({ params }) => {
  return (await traceOtlpResponse(await getDb(), params.traceId)) ?? notFound('trace not found');
});
