import type { Endpoint } from '../participant/server';
import type { ServiceName } from './catalog';

/** A participant service: its own schema and tables, and its branch endpoints. */
export interface ServiceDefinition {
  name: ServiceName;
  /** Schema on a shared PostgreSQL server; with PGlite the service has a whole database anyway. */
  schema: string;
  /** Idempotent DDL, run at every start. */
  ddl: readonly string[];
  endpoints: readonly Endpoint[];
}
