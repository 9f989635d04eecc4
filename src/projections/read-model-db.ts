// Kysely over the store's pg pool, and a transaction pinned to one connection that other readers can share.
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { ReadModels } from './schema.ts';

export const createReadModelDb = (pool: pg.Pool): Kysely<ReadModels> => new Kysely<ReadModels>({ dialect: new PostgresDialect({ pool }) });

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
