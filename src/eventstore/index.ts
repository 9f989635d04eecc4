// Opens the event store the configuration names.
import { openPgliteStore } from './pglite/index.ts';
import { openPostgresStore } from './postgres/index.ts';
import type { OpenedStore } from './store.ts';

export type StoreConfig = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; connectionString: string; poolSize?: number };

export const openStore = (config: StoreConfig, command: string): Promise<OpenedStore> =>
  config.kind === 'pglite'
    ? openPgliteStore({ dataDir: config.dataDir, command })
    : openPostgresStore({ connectionString: config.connectionString, poolSize: config.poolSize });

export type { OpenedStore, StoreKind } from './store.ts';
export type { GlobalLogReader, LoggedEvent, LogPosition } from './global-log.ts';
export { comparePositions } from './global-log.ts';
export { DataDirLockedError } from './pglite/data-dir-lock.ts';
export { executeJourneyCommand, type CommandOutcome } from './journey-commands.ts';
