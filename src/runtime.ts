// Composition of the store, the read models and the projection runner, shared by the CLI commands and tests.
import type { Kysely } from 'kysely';
import pg from 'pg';
import { openStore, type StoreConfig } from './eventstore/index.ts';
import type { OpenedStore } from './eventstore/store.ts';
import { projectJourneyEvents } from './projections/journey-projection.ts';
import { migrateReadModels } from './projections/migrations.ts';
import { createReadModelDb } from './projections/read-model-db.ts';
import type { ReadModels } from './projections/schema.ts';
import { createMaintenanceWorker, type MaintenanceWorker } from './workers/maintenance-worker.ts';
import { createProjectionRunner, type ProjectionRunner } from './workers/projection-runner.ts';

// int8 as bigint everywhere (Emmett sets the same); positions and counts are never silently rounded.
pg.types.setTypeParser(20, (v: string) => BigInt(v));

export interface Runtime {
  store: OpenedStore;
  db: Kysely<ReadModels>;
  runner: ProjectionRunner;
  /** Only where the database does not maintain itself (PGlite, or PostgreSQL with autovacuum off). */
  maintenance: MaintenanceWorker | null;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: { error(obj: object, msg: string): void; info(obj: object, msg: string): void };
  batchSize?: number;
}

/**
 * Opens every connection the pool may hold (they stay open), so that the first burst of traffic after a start
 * does not wait for new server processes. With 50 reads and 50 writes/s on a freshly started PostgreSQL-mode
 * server, GET journey p99 over the first 30 s was 364-370 ms without it and 168-242 ms with it; what is left is
 * the new server processes' caches.
 */
export const openPoolConnections = async (pool: pg.Pool): Promise<number> => {
  // Best effort: a server that refuses some (max_connections) leaves the rest to open on demand, as before.
  const opened = await Promise.allSettled(Array.from({ length: pool.options.max }, () => pool.connect()));
  for (const r of opened) if (r.status === 'fulfilled') r.value.release();
  return opened.filter((r) => r.status === 'fulfilled').length;
};

/** PGlite runs no autovacuum; a PostgreSQL server may have it switched off. */
const needsMaintenance = async (store: OpenedStore): Promise<boolean> => {
  if (store.kind === 'pglite') return true;
  const { rows } = await store.pool.query<{ autovacuum: string }>('SHOW autovacuum');
  return rows[0]?.autovacuum !== 'on';
};

export const openRuntime = async (config: StoreConfig, command: string, options: RuntimeOptions = {}): Promise<Runtime> => {
  const store = await openStore(config, command);
  try {
    const db = createReadModelDb(store.pool);
    await migrateReadModels(db as Kysely<unknown>);
    const runner = createProjectionRunner(
      { pool: store.pool, db, log: store.log, logOn: store.logOn, project: projectJourneyEvents, logger: options.logger },
      { batchSize: options.batchSize },
    );
    const maintenance = (await needsMaintenance(store)) ? createMaintenanceWorker(store.pool, { logger: options.logger }) : null;
    // Statistics from the start: nothing else gathers them.
    await maintenance?.analyze();
    return {
      store,
      db,
      runner,
      maintenance,
      close: async () => {
        await runner.stop();
        await maintenance?.stop();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
};
