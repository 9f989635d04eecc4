// PostgreSQL mode: the event store, the global log and the read models in one PostgreSQL database.
import pg from 'pg';
import type { OpenedStore } from '../store.ts';
import { createPostgresAtomicAppend } from './postgres-atomic-append.ts';
import { createPostgresEventStore } from './postgres-event-store.ts';
import { createPostgresGlobalLog } from './postgres-global-log.ts';
import { PreparingClient } from './preparing-client.ts';

export interface PostgresStoreOptions {
  connectionString: string;
  poolSize?: number;
}

export const openPostgresStore = async ({ connectionString, poolSize = 20 }: PostgresStoreOptions): Promise<OpenedStore> => {
  // A bounded wait for a connection: under overload a request fails fast with 503 instead of queueing forever.
  const pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 10_000, Client: PreparingClient });
  // An idle connection dropped by the server (restart, failover) is discarded by the pool; without a
  // listener the 'error' event would crash the process.
  pool.on('error', () => {});
  try {
    const eventStore = await createPostgresEventStore(pool, connectionString);
    return {
      kind: 'postgres',
      eventStore,
      appendAtomically: createPostgresAtomicAppend(pool),
      log: createPostgresGlobalLog(pool),
      logOn: createPostgresGlobalLog,
      pool,
      close: async () => {
        await eventStore.close();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end();
    throw new Error(`Cannot open the PostgreSQL event store: ${(error as Error).message}`, { cause: error });
  }
};
