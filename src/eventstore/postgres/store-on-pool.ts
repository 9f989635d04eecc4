// The three ports over one PostgreSQL-protocol pool (a PostgreSQL server, or embedded PGlite over its socket).
import type { EventStore } from '@event-driven-io/emmett';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { AppendAtomically, Maintenance, OpenedStore, StoreKind } from '../ports.ts';
import { createPostgresAtomicAppend } from './postgres-atomic-append.ts';
import { createPostgresEventStore } from './postgres-event-store.ts';
import { createPostgresGlobalLog } from './postgres-global-log.ts';
import type { StorePool } from './preparing-client.ts';

/** An Emmett store whose appends tell `appended` (the log's subscribers) that this process wrote. */
const notifying = (eventStore: EventStore, appended: () => void): EventStore =>
  new Proxy(eventStore, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'appendToStream' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        appended();
        return result;
      };
    },
  });

const maintenanceOn = (pool: StorePool, needed: boolean): Maintenance => ({
  needed,
  analyze: async () => {
    await pool.query('ANALYZE');
  },
  async vacuum() {
    const client = await pool.connect();
    try {
      // One process at a time when several share a database; VACUUM cannot run inside a transaction block.
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext('threadline:maintenance')) AS locked");
      if (!rows[0]?.locked) return false;
      try {
        await client.query('VACUUM (ANALYZE)');
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext('threadline:maintenance'))");
      }
      return true;
    } finally {
      client.release();
    }
  },
});

/**
 * Opens every connection the pool may hold (they stay open), so that the first burst of traffic after a start
 * does not wait for new server processes. With 50 reads and 50 writes/s on a freshly started PostgreSQL-mode
 * server, GET journey p99 over the first 30 s was 364-370 ms without it and 168-242 ms with it; what is left is
 * the new server processes' caches. Best effort: a server that refuses some (max_connections) leaves the rest to
 * open on demand, as before.
 */
const warmUp = async (pool: StorePool): Promise<number> => {
  const opened = await Promise.allSettled(Array.from({ length: pool.options.max }, () => pool.connect()));
  for (const r of opened) if (r.status === 'fulfilled') r.value.release();
  return opened.filter((r) => r.status === 'fulfilled').length;
};

const pools = new WeakMap<OpenedStore, StorePool>();

/** The pool under a store this adapter opened: for this adapter's own tests and benchmarks, never for product code. */
export const poolOf = (store: OpenedStore): StorePool => {
  const pool = pools.get(store);
  if (!pool) throw new Error('not a store of the PostgreSQL adapter');
  return pool;
};

export interface StoreOnPoolOptions {
  kind: StoreKind;
  pool: StorePool;
  connectionString: string;
  /** Whether the database runs no maintenance of its own (PGlite; PostgreSQL with autovacuum off is found out here). */
  needsMaintenance?: boolean;
  close(): Promise<void>;
}

export const openStoreOnPool = async (o: StoreOnPoolOptions): Promise<OpenedStore> => {
  const readModels = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: o.pool }) });
  const log = createPostgresGlobalLog(readModels);
  const eventStore = await createPostgresEventStore(o.pool, o.connectionString);
  const atomic = createPostgresAtomicAppend(o.pool);
  const appendAtomically: AppendAtomically = async (appends) => {
    const ok = await atomic(appends);
    if (ok) log.appended();
    return ok;
  };
  const needed = o.needsMaintenance ?? (await sql<{ autovacuum: string }>`SHOW autovacuum`.execute(readModels)).rows[0]?.autovacuum !== 'on';
  const store: OpenedStore = {
    kind: o.kind,
    eventStore: notifying(eventStore, log.appended),
    appendAtomically,
    log,
    readModels,
    maintenance: maintenanceOn(o.pool, needed),
    warmUp: () => warmUp(o.pool),
    ...(o.pool.options.max === 1 ? { connectionBusy: () => o.pool.waitingCount > 0 || (o.pool.totalCount > 0 && o.pool.idleCount === 0) } : {}),
    close: async () => {
      await eventStore.close();
      // Ending the pool ends Kysely's connections too (Kysely's destroy would end the same pool a second time).
      await o.close();
    },
  };
  pools.set(store, o.pool);
  return store;
};
