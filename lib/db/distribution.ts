/**
 * How every table would be placed on a distributed PostgreSQL (Citus), ADR 0013,
 * docs/scaling.md §4. One list, so the SQL that distributes a database
 * (`npm run db:citus-sql`) and the test that checks the schema keeps allowing it
 * (test/integration/distribution.test.ts: every table placed, every unique key
 * containing its table's distribution column, foreign keys only where Citus takes
 * them) cannot drift apart. A table added without a placement fails that test.
 *
 * - distributed: tables that grow with traffic, hashed on `column`; tables in one
 *   `colocateWith` group keep rows of equal keys on one node, so a saga's summary,
 *   spans and keys are one shard and its phase-2 row lock (ADR 0012) is local.
 * - reference: small, rarely written, read everywhere: a copy on every node.
 * - local: the audit chain: one serial order of appends, so one node.
 */

export type Placement =
  | { table: string; kind: 'distributed'; column: string; colocateWith: string | null; why: string }
  | { table: string; kind: 'reference'; why: string }
  | { table: string; kind: 'local'; why: string };

export const PLACEMENTS: readonly Placement[] = [
  { table: 'sagas', kind: 'distributed', column: 'id', colocateWith: null, why: 'one row per saga; the phase-2 lock is its row' },
  {
    table: 'spans', kind: 'distributed', column: 'shard_key', colocateWith: 'sagas',
    why: 'own saga id (with its summary) or trace:<trace_id> (spans without a saga of their own), fixed at first store',
  },
  { table: 'saga_keys', kind: 'distributed', column: 'saga_id', colocateWith: 'sagas', why: 'written with the summary, deleted with it' },
  // Rollups: every key contains saga_name, and compaction folds a delta into the
  // table of the same key, so the whole group is co-located and compaction runs on
  // each shard. A very hot saga name makes a hot shard: at that point, local tables.
  { table: 'rollup_counts', kind: 'distributed', column: 'saga_name', colocateWith: null, why: 'per-minute aggregates' },
  { table: 'rollup_latency', kind: 'distributed', column: 'saga_name', colocateWith: 'rollup_counts', why: 'per-minute histograms' },
  { table: 'rollup_counts_hourly', kind: 'distributed', column: 'saga_name', colocateWith: 'rollup_counts', why: 'per-hour aggregates' },
  { table: 'rollup_latency_hourly', kind: 'distributed', column: 'saga_name', colocateWith: 'rollup_counts', why: 'per-hour histograms' },
  { table: 'rollup_counts_delta', kind: 'distributed', column: 'saga_name', colocateWith: 'rollup_counts', why: 'appended by ingest, folded by compaction' },
  { table: 'rollup_latency_delta', kind: 'distributed', column: 'saga_name', colocateWith: 'rollup_counts', why: 'appended by ingest, folded by compaction' },
  { table: 'resources', kind: 'reference', why: 'one row per distinct SDK resource, joined to spans by exports and trace reads' },
  { table: 'users', kind: 'reference', why: 'identity' },
  { table: 'sessions', kind: 'reference', why: 'identity (foreign key to users)' },
  { table: 'api_tokens', kind: 'reference', why: 'identity' },
  { table: 'login_throttle', kind: 'reference', why: 'identity' },
  { table: 'settings', kind: 'reference', why: 'configuration' },
  { table: 'alert_rules', kind: 'reference', why: 'configuration' },
  { table: 'alert_deliveries', kind: 'reference', why: 'one row per alert sent (foreign key to alert_rules, bigserial key without a saga)' },
  { table: 'audit_log', kind: 'local', why: 'hash chain: appends in one serial order' },
  { table: 'audit_chain_head', kind: 'local', why: 'the chain head, one row' },
  { table: 'audit_checkpoints', kind: 'local', why: 'signed checkpoints of the chain' },
  { table: '_prisma_migrations', kind: 'local', why: 'migration history (the schema engine runs on the coordinator)' },
];

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * The statements that distribute a migrated sagascope database on a Citus
 * coordinator (citus extension created, workers added), in an order Citus takes:
 * reference tables before the tables whose keys point at them, a co-location
 * group's first table before the others. Reference and local tables first, so
 * foreign keys between them are accepted.
 */
export function citusSql(): string[] {
  const out: string[] = [];
  for (const p of PLACEMENTS) {
    if (p.kind === 'local' && p.table !== '_prisma_migrations') out.push(`SELECT citus_add_local_table_to_metadata(${lit(p.table)});`);
  }
  for (const p of PLACEMENTS) if (p.kind === 'reference') out.push(`SELECT create_reference_table(${lit(p.table)});`);
  for (const p of PLACEMENTS) {
    if (p.kind !== 'distributed') continue;
    const colocate = p.colocateWith === null ? `colocate_with => 'none'` : `colocate_with => ${lit(p.colocateWith)}`;
    out.push(`SELECT create_distributed_table(${lit(p.table)}, ${lit(p.column)}, ${colocate});`);
  }
  return out;
}
