/**
 * The driver adapter the wasm schema engine talks to PostgreSQL through:
 * `PrismaPg`, plus what the engine needs and adapter-pg 7.10 gets wrong for it:
 * `"char"` columns, whole-script execution, a safe shadow database, `?schema=`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';

/** Postgres' internal single-byte `"char"` type (pg_constraint.contype, pg_class.relkind…). */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

interface FieldsCarrier {
  fields?: { dataTypeID: number }[];
}

function retypeCharColumns<T>(result: T): T {
  for (const one of Array.isArray(result) ? result : [result]) {
    for (const field of (one as FieldsCarrier | undefined)?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    }
  }
  return result;
}

/**
 * The engine's catalogue queries select `"char"` columns, and adapter-pg refuses
 * that type ("Unsupported column type char") before looking at any row, which
 * makes every schema diff fail. Its values already arrive as one-character
 * strings, so reporting the column as text is exact. Done in the pg client
 * because adapter-pg reads the type from the driver's field list.
 */
class CatalogFriendlyClient extends pg.Client {
  // Loose signature on purpose: pg.Client.query has a dozen overloads (promise,
  // callback, submittable) and this only post-processes whatever comes back.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const superQuery = super.query.bind(this) as (...a: unknown[]) => unknown;
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) =>
        last(error, error ? result : retypeCharColumns(result));
      return superQuery(...args);
    }
    const returned = superQuery(...args);
    return returned instanceof Promise ? returned.then(retypeCharColumns) : returned;
  }
}

export interface PgTarget {
  /** Connection settings for pg, with Prisma-only URL parameters removed. */
  poolConfig: pg.PoolConfig;
  /** Postgres schema the migrations live in (`?schema=` in Prisma URLs). */
  schema: string;
}

const SIMPLE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * Prisma URLs may carry `?schema=name`; Prisma's own engine then works in that
 * schema. pg would ignore the parameter, so we turn it into the search_path, or
 * the offline engine would migrate `public` while the online CLI migrates `name`.
 */
export function parseDatabaseUrl(databaseUrl: string, database?: string): PgTarget {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema') ?? 'public';
  if (!SIMPLE_IDENTIFIER.test(schema)) {
    throw new Error(`unsupported ?schema= value ${JSON.stringify(schema)} (use a plain identifier)`);
  }
  url.searchParams.delete('schema');
  if (database !== undefined) url.pathname = `/${encodeURIComponent(database)}`;
  return {
    schema,
    poolConfig: {
      connectionString: url.toString(),
      options: `-c search_path=${schema}`,
      Client: CatalogFriendlyClient,
      // The engine takes a session-level advisory lock on one pooled connection;
      // the default 10 s idle timeout could close it (and drop the lock) mid-run.
      idleTimeoutMillis: 0,
    },
  };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function runAdminStatement(target: PgTarget, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: target.poolConfig.connectionString });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function toDriverAdapterError(error: unknown): unknown {
  if (!(error instanceof pg.DatabaseError)) return error;
  return new DriverAdapterError({
    kind: 'postgres',
    code: error.code ?? 'N/A',
    severity: error.severity ?? 'N/A',
    message: error.message,
    detail: error.detail,
    column: error.column,
    hint: error.hint,
  });
}

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>;

/**
 * adapter-pg's executeScript splits the script on every `;` and runs the pieces
 * one by one: a semicolon inside a string or a function body breaks it, and a
 * failure leaves the migration half applied. Prisma's native engine sends the
 * whole script as one simple-protocol query, which Postgres runs as a single
 * implicit transaction; do the same so both engines apply migrations alike.
 */
function withWholeScriptExecution(adapter: PgAdapter, onDispose?: () => Promise<void>): SqlDriverAdapter {
  const pool = adapter.underlyingDriver();
  const closePool = adapter.dispose.bind(adapter);
  let disposed = false;
  return Object.assign(adapter, {
    async executeScript(script: string): Promise<void> {
      try {
        await pool.query(script);
      } catch (error) {
        throw toDriverAdapterError(error);
      }
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      try {
        await closePool();
      } finally {
        await onDispose?.();
      }
    },
  });
}

export interface MigrationAdapterFactory extends SqlMigrationAwareDriverAdapterFactory {
  /**
   * Closes connections and drops shadow databases the engine did not release
   * itself (it may not, after a panic or an error). Safe to call twice.
   */
  closeAll(): Promise<void>;
}

/**
 * `PrismaPg.connectToShadowDb()` is unusable here: with a connection string its
 * pool connects to the main database (the URL wins over the `database` field),
 * so the engine would reset and replay migrations on the real data. We create a
 * throwaway database ourselves and drop it WITH (FORCE) once the engine lets go.
 */
export function createMigrationAdapterFactory(databaseUrl: string): MigrationAdapterFactory {
  const main = parseDatabaseUrl(databaseUrl);
  const mainFactory = new PrismaPg(main.poolConfig, { schema: main.schema });
  const open = new Set<SqlDriverAdapter>();

  function track(adapter: SqlDriverAdapter): SqlDriverAdapter {
    open.add(adapter);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      open.delete(adapter);
      await dispose();
    };
    return adapter;
  }

  return {
    provider: mainFactory.provider,
    adapterName: mainFactory.adapterName,
    async connect() {
      return track(withWholeScriptExecution(await mainFactory.connect()));
    },
    async connectToShadowDb() {
      const name = `sagascope_shadow_${randomBytes(6).toString('hex')}`;
      await runAdminStatement(main, `CREATE DATABASE ${quoteIdent(name)}`);
      const dropShadow = () => runAdminStatement(main, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      try {
        const shadow = parseDatabaseUrl(databaseUrl, name);
        const adapter = await new PrismaPg(shadow.poolConfig, { schema: shadow.schema }).connect();
        return track(withWholeScriptExecution(adapter, dropShadow));
      } catch (error) {
        await dropShadow();
        throw error;
      }
    },
    async closeAll() {
      await Promise.all([...open].map((adapter) => adapter.dispose()));
    },
  };
}
