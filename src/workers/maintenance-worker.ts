// Table maintenance where nothing else does it (PGlite has no autovacuum; a PostgreSQL server may run with it off):
// without it the planner has no statistics and updated read-model rows leave dead tuples behind forever.
import type { Maintenance } from '../eventstore/index.ts';
import { intervalTask } from './interval-task.ts';

export interface MaintenanceWorker {
  /** VACUUM (ANALYZE) every table now (skipped while another process does it). */
  runOnce(): Promise<void>;
  /** ANALYZE every table now (seconds, not minutes: it samples). */
  analyze(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export const createMaintenanceWorker = (
  maintenance: Maintenance,
  options: { intervalMs?: number; logger?: { error(obj: object, msg: string): void; info(obj: object, msg: string): void } } = {},
): MaintenanceWorker => {
  const runOnce = async () => {
    const started = Date.now();
    if (await maintenance.vacuum()) options.logger?.info({ ms: Date.now() - started }, 'vacuum analyze done');
  };
  const task = intervalTask(runOnce, options.intervalMs ?? 10 * 60_000, (error) => options.logger?.error({ err: error }, 'maintenance failed; retrying at the next interval'));
  return { runOnce, analyze: () => maintenance.analyze(), start: task.start, stop: task.stop };
};
