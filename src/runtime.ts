// Composition of the store, the read models and their workers, shared by the CLI commands and tests (the HTTP app
// is composed on top of it by `serve`).
import type { Kysely } from 'kysely';
import pg from 'pg';
import type { Config } from './config.ts';
import { openStore, type OpenedStore, type StoreConfig } from './eventstore/index.ts';
import { prepareAccessTables } from './projections/access/index.ts';
import { prepareChannelTables, resolveChannelSecret } from './projections/channels/index.ts';
import { resolveHandoffSecret } from './projections/conversations/index.ts';
import { prepareLiveTables } from './projections/live/index.ts';
import { prepareWebhookTables } from './projections/webhooks/index.ts';
import { PROJECTIONS, type ReadModels } from './projections/registry.ts';
import type { ProjectionDefinition } from './projections/runner/projection.ts';
import { prepareProjections } from './projections/runner/runner-schema.ts';
import { createYieldingGate } from './workers/batch-gate.ts';
import { createMaintenanceWorker, type MaintenanceWorker } from './workers/maintenance-worker.ts';
import type { ProjectionWorkerOptions } from './workers/projection-worker.ts';
import { createProjectionWorkers, type ProjectionWorkers } from './workers/projection-workers.ts';

// int8 as bigint everywhere (Emmett sets the same); positions and counts are never silently rounded.
pg.types.setTypeParser(20, (v: string) => BigInt(v));

export interface Runtime {
  store: OpenedStore;
  db: Kysely<ReadModels>;
  projections: ProjectionWorkers;
  /** Only where the database does not maintain itself (PGlite, or PostgreSQL with autovacuum off). */
  maintenance: MaintenanceWorker | null;
  /** Signs tracking tokens and keys contact-point hashes (src/projections/channels/channel-secret.ts). */
  channelSecret: Buffer;
  /** Signs and verifies web-view hand-off tokens (src/projections/conversations/handoff-secret.ts). */
  handoffKey: Uint8Array;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: { error(obj: object, msg: string): void; info(obj: object, msg: string): void };
  projections?: ProjectionWorkerOptions;
  maintenanceIntervalMs?: number;
  /** Defaults to every registered projection. */
  registry?: readonly ProjectionDefinition[];
  /** THREADLINE_CHANNEL_SECRET; null: the one kept in the database (made at the first start). */
  channelSecret?: string | null;
  /** THREADLINE_HANDOFF_SECRET; null: the one kept in the database (made at the first start). */
  handoffSecret?: string | null;
}

/** The runtime's options as the configuration sets them. */
export const runtimeOptions = (config: Pick<Config, 'projections' | 'maintenanceIntervalMs' | 'channels' | 'collector'>, logger?: RuntimeOptions['logger']): RuntimeOptions => ({
  logger,
  channelSecret: config.channels.secret,
  handoffSecret: config.collector.handoffSecret,
  projections: config.projections,
  maintenanceIntervalMs: config.maintenanceIntervalMs,
});

export const openRuntime = async (config: StoreConfig, command: string, options: RuntimeOptions = {}): Promise<Runtime> => {
  const store = await openStore(config, command);
  try {
    const registry = options.registry ?? PROJECTIONS;
    await prepareProjections(store.readModels, registry);
    await prepareAccessTables(store.readModels);
    await prepareChannelTables(store.readModels);
    await prepareLiveTables(store.readModels);
    await prepareWebhookTables(store.readModels);
    const channelSecret = await resolveChannelSecret(store.readModels, options.channelSecret ?? null);
    const handoffKey = await resolveHandoffSecret(store.readModels, options.handoffSecret ?? null);
    const projections = createProjectionWorkers(
      registry,
      {
        readModels: store.readModels,
        log: store.log,
        batchGate: store.connectionBusy ? createYieldingGate(store.connectionBusy) : undefined,
        logger: options.logger,
        onQuarantine: (projection, e, error) =>
          options.logger?.error({ err: error, projection, stream_id: e.streamId, stream_position: e.streamPosition.toString(), type: e.type }, 'event quarantined: the projection cannot apply it'),
      },
      options.projections,
    );
    const maintenance = store.maintenance.needed ? createMaintenanceWorker(store.maintenance, { intervalMs: options.maintenanceIntervalMs, logger: options.logger }) : null;
    // Statistics from the start: nothing else gathers them.
    await maintenance?.analyze();
    return {
      store,
      db: store.readModels as Kysely<ReadModels>,
      projections,
      maintenance,
      channelSecret,
      handoffKey,
      close: async () => {
        await projections.stop();
        await maintenance?.stop();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
};
