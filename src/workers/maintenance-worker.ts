// Table maintenance where nothing else does it (PGlite has no autovacuum; a PostgreSQL server may run with it off):
// without it the planner has no statistics and updated read-model rows leave dead tuples behind forever.
import type { Maintenance } from '../eventstore/index.ts';

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
  const intervalMs = options.intervalMs ?? 10 * 60_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const runOnce = async () => {
    const started = Date.now();
    if (await maintenance.vacuum()) options.logger?.info({ ms: Date.now() - started }, 'vacuum analyze done');
  };
  const tick = () => {
    running = runOnce()
      .catch((error: unknown) => options.logger?.error({ err: error }, 'maintenance failed; retrying at the next interval'))
      .finally(() => {
        running = null;
      });
  };
  return {
    runOnce,
    analyze: () => maintenance.analyze(),
    start() {
      if (!timer) timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
};
