// Every registered projection's worker, as one: started and stopped together, woken by this process's appends.
import type { GlobalLog } from '../eventstore/index.ts';
import { createLogPageCache } from '../projections/runner/log-page-cache.ts';
import type { ProjectionDefinition } from '../projections/runner/projection.ts';
import { createProjectionWorker, type ProjectionStatus, type ProjectionWorker, type ProjectionWorkerDeps, type ProjectionWorkerOptions } from './projection-worker.ts';

export interface ProjectionWorkers {
  workers: readonly ProjectionWorker[];
  start(): void;
  stop(): Promise<void>;
  nudge(): void;
  /** Every projection has passed the stream's newest event (read-your-writes), or false after the timeout. */
  waitForStream(streamId: string, timeoutMs: number): Promise<boolean>;
  status(): ProjectionStatus[];
  /** Told after every batch the named projection applied in this process; returns the unsubscribe. */
  onApplied(projection: string, listener: () => void): () => void;
  /** Runs every projection's batches until each is caught up. */
  catchUp(onProgress?: (name: string, processed: number) => void): Promise<void>;
}

export const createProjectionWorkers = (
  projections: readonly ProjectionDefinition[],
  deps: ProjectionWorkerDeps & { log: GlobalLog },
  options: ProjectionWorkerOptions = {},
): ProjectionWorkers => {
  // One read of each stretch of the log for all of them (src/projections/runner/log-page-cache.ts).
  const shared = { ...deps, log: createLogPageCache(deps.log) };
  const workers = projections.map((p) => createProjectionWorker(p, shared, options));
  let unsubscribe: (() => void) | null = null;
  const nudge = () => workers.forEach((w) => w.nudge());
  return {
    workers,
    start() {
      if (unsubscribe) return;
      unsubscribe = deps.log.subscribe(nudge);
      workers.forEach((w) => w.start());
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = null;
      await Promise.all(workers.map((w) => w.stop()));
    },
    nudge,
    async waitForStream(streamId, timeoutMs) {
      const results = await Promise.all(workers.map((w) => w.waitForStream(streamId, timeoutMs)));
      return results.every(Boolean);
    },
    status: () => workers.map((w) => w.status()),
    onApplied(projection, listener) {
      const w = workers.find((x) => x.name === projection);
      return w ? w.onApplied(listener) : () => {};
    },
    async catchUp(onProgress) {
      for (const w of workers) await w.catchUp((n) => onProgress?.(w.name, n));
    },
  };
};
