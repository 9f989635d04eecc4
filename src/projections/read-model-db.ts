// Kysely over the store's pg pool, and a transaction pinned to one connection that other readers can share.
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import type { ReadModels } from './schema.ts';

export const createReadModelDb = (pool: pg.Pool): Kysely<ReadModels> => new Kysely<ReadModels>({ dialect: new PostgresDialect({ pool }) });

/**
 * Runs an analytic read (an aggregate over a window, a scan of every journey) with settings made for it:
 * memory to group in RAM; a plan made for this call's values, since a prepared statement's generic plan cannot
 * use a partial index on `converted = $1` nor tell a day's window from a year's (it turned the attribution API
 * over a million journeys from 0.3 s into 4.5 s); and no JIT, which cost more than it saved there.
 */
export const analyticRead = <T>(db: Kysely<ReadModels>, fn: (trx: Kysely<ReadModels>) => Promise<T>): Promise<T> =>
  db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('work_mem', '64MB', true), set_config('plan_cache_mode', 'force_custom_plan', true), set_config('jit', 'off', true)`.execute(trx);
    return fn(trx);
  });

/**
 * Runs `fn` in one transaction on one connection (for projections: reading the log and writing read models), handing it both a Kysely instance and the raw client, so that
 * the global-log reader and the read-model writes see the same transaction (and an embedded store with a
 * single connection cannot deadlock against itself).
 */
export const inClientTransaction = async <T>(
  pool: pg.Pool,
  fn: (db: Kysely<ReadModels>, client: pg.PoolClient) => Promise<T>,
): Promise<T> => {
  const client = await pool.connect();
  const db = new Kysely<ReadModels>({
    dialect: new PostgresDialect({
      pool: { connect: async () => ({ query: client.query.bind(client), release: () => {} }) as unknown as pg.PoolClient, end: async () => {} },
    }),
  });
  try {
    // The log is read in index order (LIMIT n after the checkpoint). When the planner's row estimate is off (the
    // log grew faster than ANALYZE ran, or never ran: PGlite has no autovacuum) it picks a scan plus a sort over
    // everything after the checkpoint, per batch, and a catch-up turns quadratic. These settings leave the
    // ordered index scan as the plan; every query of a projection batch is an index lookup anyway.
    // Those settings add a huge cost to any plan that sorts, which would pass JIT's threshold: compiling one
    // small query took 125 ms. JIT never pays off for index lookups.
    await client.query('BEGIN; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off; SET LOCAL jit = off');
    const result = await fn(db, client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    client.release(error instanceof Error ? error : true);
    throw error;
  }
};
