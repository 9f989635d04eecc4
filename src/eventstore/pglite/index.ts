// Embedded mode (the default): PGlite holds the event store and the read models in THREADLINE_DATA_DIR. It speaks
// the PostgreSQL protocol (over a socket to its worker thread), so the PostgreSQL adapter's store, log and read
// models run on it unchanged; the conformance suites run against both.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { losslessJsonTypes } from '../lossless-json.ts';
import type { OpenedStore } from '../ports.ts';
import { PreparingClient, StorePool } from '../postgres/preparing-client.ts';
import { openStoreOnPool } from '../postgres/store-on-pool.ts';
import { StoreUnavailableError } from '../store-errors.ts';
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
    throw new StoreUnavailableError(`Cannot open the embedded store in ${dataDir}: ${(error as Error).message}`, { cause: error });
  }
  // One connection, never closed when idle: PGlite is a single session.
  const pool = new StorePool({ connectionString: server.connectionString, max: 1, idleTimeoutMillis: 0, Client: PreparingClient, types: losslessJsonTypes });
  pool.on('error', () => {});
  const close = async () => {
    await pool.end();
    await server.stop();
    release();
  };
  try {
    // PGlite runs no autovacuum: without maintenance the planner has no statistics and dead tuples stay.
    return await openStoreOnPool({ kind: 'pglite', pool, connectionString: server.connectionString, needsMaintenance: true, close });
  } catch (error) {
    await close();
    throw error;
  }
};
