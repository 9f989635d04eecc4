// Opens the event store the configuration names; the ports the rest of Threadline uses.
import { openPgliteStore } from './pglite/index.ts';
import { openPostgresStore } from './postgres/index.ts';
import type { OpenedStore } from './ports.ts';

export type StoreConfig = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; connectionString: string; poolSize?: number; connectionTimeoutMs?: number };

export const openStore = (config: StoreConfig, command: string): Promise<OpenedStore> =>
  config.kind === 'pglite'
    ? openPgliteStore({ dataDir: config.dataDir, command })
    : openPostgresStore({ connectionString: config.connectionString, poolSize: config.poolSize, connectionTimeoutMs: config.connectionTimeoutMs });

export * from './ports.ts';
export { isStoreFailure, StoreSchemaError, StoreUnavailableError } from './store-errors.ts';
export { DataDirLockedError } from './pglite/data-dir-lock.ts';
export { parseJson, stringifyJson } from './lossless-json.ts';
