/** Starts one participant service: its database, its tables, its HTTP endpoints. */
import path from 'node:path';
import { openSql } from '../db/sql';
import { announceReady, fatal, onStop, parseChildEnv } from '../process/child';
import type { ServiceName } from '../services/catalog';
import type { ServiceDefinition } from '../services/definition';
import type { Telemetry } from '../telemetry/sdk';
import { BRANCH_REQUESTS_DDL, startParticipant } from './server';

async function definitionOf(service: ServiceName): Promise<ServiceDefinition> {
  switch (service) {
    case 'order': return (await import('../services/order')).orderService;
    case 'inventory': return (await import('../services/inventory')).inventoryService;
    case 'payment': return (await import('../services/payment')).paymentService;
    case 'shipping': return (await import('../services/shipping')).shippingService;
  }
}

export async function main(service: ServiceName, telemetry: Telemetry): Promise<void> {
  try {
    const env = parseChildEnv();
    const def = await definitionOf(service);
    const sql = await openSql({
      databaseUrl: env.DATABASE_URL,
      schema: def.schema,
      pgliteDataDir: env.SAGASCOPE_DEMO_PGLITE_DIR ? path.join(env.SAGASCOPE_DEMO_PGLITE_DIR, service) : undefined,
    });
    for (const statement of [...def.ddl, BRANCH_REQUESTS_DDL]) await sql.query(statement);
    const server = await startParticipant({ service, sql, endpoints: def.endpoints, host: env.SAGASCOPE_DEMO_HOST, port: env.SAGASCOPE_DEMO_PORT });
    onStop(service, async () => {
      await server.close();
      // After the last request: its server span must be in the final export.
      await telemetry.shutdown();
      await sql.close();
    });
    announceReady(service, server.url);
  } catch (err) {
    fatal(service, err);
  }
}
