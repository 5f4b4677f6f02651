/**
 * Database layouts beyond the default (ADR 0013, docs/scaling.md §2 and §4).
 *
 * `npm run db:partition-spans` — migrates the database at DATABASE_URL and turns
 *   `spans` into daily partitions (lib/db/span-partitions.ts): the same as starting
 *   with SAGASCOPE_SPAN_PARTITIONS=daily, as a step of its own (the conversion locks
 *   and copies the table: run it with the collectors stopped). Then run every
 *   process with SAGASCOPE_SPAN_PARTITIONS=daily, so the collectors create days ahead.
 * `npm run db:citus-sql` — prints the statements that distribute a migrated
 *   database on a Citus coordinator (lib/db/distribution.ts), for psql.
 * Exit status 0 = done, 2 = usage or configuration error.
 */
import { parseConfig, ConfigError } from '../lib/config/env';
import { openMigratedDb } from '../lib/db/setup';
import { spanLeaves } from '../lib/db/span-partitions';
import { PLACEMENTS, citusSql } from '../lib/db/distribution';

async function main(command: string | undefined): Promise<number> {
  if (command === 'citus-sql') {
    process.stdout.write('-- sagascope on Citus (ADR 0013). Run on the coordinator after `npm run db:migrate`\n');
    process.stdout.write('-- and CREATE EXTENSION citus / citus_add_node for the workers.\n');
    for (const p of PLACEMENTS) process.stdout.write(`-- ${p.table}: ${p.kind}${p.kind === 'distributed' ? ` by ${p.column}` : ''} (${p.why})\n`);
    for (const line of citusSql()) process.stdout.write(`${line}\n`);
    return 0;
  }
  if (command === 'partition-spans') {
    if (!process.env.DATABASE_URL) {
      process.stderr.write('DATABASE_URL is required (the embedded database converts on start with SAGASCOPE_SPAN_PARTITIONS=daily)\n');
      return 2;
    }
    const config = parseConfig({ ...process.env, SAGASCOPE_SPAN_PARTITIONS: 'daily' });
    const db = await openMigratedDb(config);
    try {
      const leaves = await spanLeaves(db);
      process.stdout.write(`spans: ${leaves.length} partitions (${leaves.map((l) => l.name).join(', ')})\n`);
    } finally {
      await db.close();
    }
    return 0;
  }
  process.stderr.write('usage: tsx cli/db-layout.ts citus-sql | partition-spans\n');
  return 2;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
