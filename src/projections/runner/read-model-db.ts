// How the read models are read and written: analytic reads with settings made for them, and the projection's
// transaction (one connection, the log read through it, planner settings for index lookups).
import { sql, type Kysely } from 'kysely';

/** A half-open window of time, [start, end). */
export interface Window {
  start: Date;
  end: Date;
}

/**
 * Runs an analytic read (an aggregate over a window, a scan of every journey) with settings made for it:
 * memory to group in RAM; a plan made for this call's values, since a prepared statement's generic plan cannot
 * use a partial index on `converted = $1` nor tell a day's window from a year's (it turned the attribution API
 * over a million journeys from 0.3 s into 4.5 s); and no JIT, which cost more than it saved there.
 */
export const analyticRead = <DB, T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> =>
  db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('work_mem', '64MB', true), set_config('plan_cache_mode', 'force_custom_plan', true), set_config('jit', 'off', true)`.execute(trx);
    return fn(trx);
  });

/**
 * The settings of a transaction on one connection for a projection batch: the global log is read through it (one snapshot with
 * the read models; an embedded store with a single connection cannot deadlock against itself).
 *
 * The log is read in index order (LIMIT n after the checkpoint). When the planner's row estimate is off (the log
 * grew faster than ANALYZE ran, or never ran: PGlite has no autovacuum) it picks a scan plus a sort over
 * everything after the checkpoint, per batch, and a catch-up turns quadratic. These settings leave the ordered
 * index scan as the plan; every query of a projection batch is an index lookup anyway. They add a huge cost to any
 * plan that sorts, which would pass JIT's threshold: compiling one small query took 125 ms; JIT never pays off for
 * index lookups.
 */
export const PROJECTION_SETTINGS = sql`set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true), set_config('jit', 'off', true)`;

/** A transaction with PROJECTION_SETTINGS (a live batch sets them in its first statement instead: projection-batch.ts). */
export const projectionTransaction = <T>(db: Kysely<unknown>, fn: (trx: Kysely<unknown>) => Promise<T>): Promise<T> =>
  db.transaction().execute(async (trx) => {
    await sql`SELECT ${PROJECTION_SETTINGS}`.execute(trx);
    return fn(trx);
  });

/** A read of several tables in one snapshot (a repeatable-read transaction). */
export const snapshotRead = <DB, T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> =>
  db.transaction().setIsolationLevel('repeatable read').execute(fn);

/**
 * The same database seen through another set of tables: a capability's queries take only its own tables, and
 * Kysely's types are invariant in the table map, so a caller holding every table hands them over with this.
 */
export const narrow = <To>(db: Kysely<never> | object): Kysely<To> => db as Kysely<To>;
