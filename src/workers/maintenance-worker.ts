// Table maintenance for the embedded store: PGlite runs no autovacuum, so without this the planner has no
// statistics and updated read-model rows leave dead tuples behind forever.
import type pg from 'pg';

export interface MaintenanceWorker {
  /** VACUUM (ANALYZE) every table now. */
  runOnce(): Promise<void>;
  /** ANALYZE every table now (seconds, not minutes: it samples). */
  analyze(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export const createMaintenanceWorker = (
  pool: pg.Pool,
  options: { intervalMs?: number; logger?: { error(obj: object, msg: string): void; info(obj: object, msg: string): void } } = {},
): MaintenanceWorker => {
  const intervalMs = options.intervalMs ?? 10 * 60_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const runOnce = async () => {
    const started = Date.now();
    // Database-wide VACUUM cannot run inside a transaction block; the pool runs it on its own.
    await pool.query('VACUUM (ANALYZE)');
    options.logger?.info({ ms: Date.now() - started }, 'vacuum analyze done');
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
    analyze: async () => {
      await pool.query('ANALYZE');
    },
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
