// Embedded mode (the default): PGlite holds the event store and the read models in THREADLINE_DATA_DIR.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createPostgresAtomicAppend } from '../postgres/postgres-atomic-append.ts';
import { createPostgresEventStore } from '../postgres/postgres-event-store.ts';
import { createPostgresGlobalLog } from '../postgres/postgres-global-log.ts';
import { losslessJsonTypes } from '../lossless-json.ts';
import { PreparingClient } from '../postgres/preparing-client.ts';
import type { OpenedStore } from '../store.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { startEmbeddedServer } from './embedded-server.ts';

export interface PgliteStoreOptions {
  dataDir: string;
  /** What the lock file says holds the store (e.g. "threadline serve"). */
  command: string;
}

export const openPgliteStore = async ({ dataDir, command }: PgliteStoreOptions): Promise<OpenedStore> => {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const release = lockDataDir(dataDir, command);
  rmSync(join(dataDir, '.s.PGSQL.5432'), { force: true });
  let server;
  try {
    server = await startEmbeddedServer(join(dataDir, 'pg'), dataDir);
  } catch (error) {
    release();
    throw new Error(`Cannot open the embedded store in ${dataDir}: ${(error as Error).message}`, { cause: error });
  }
  // One connection, never closed when idle: PGlite is a single session.
  const pool = new pg.Pool({ connectionString: server.connectionString, max: 1, idleTimeoutMillis: 0, Client: PreparingClient, types: losslessJsonTypes });
  pool.on('error', () => {});
  const close = async () => {
    await pool.end();
    await server.stop();
    release();
  };
  try {
    const eventStore = await createPostgresEventStore(pool, server.connectionString);
    return { kind: 'pglite', eventStore, appendAtomically: createPostgresAtomicAppend(pool), log: createPostgresGlobalLog(pool), logOn: createPostgresGlobalLog, pool, close };
  } catch (error) {
    await close();
    throw error;
  }
};
