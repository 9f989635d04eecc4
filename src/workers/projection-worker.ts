// One projection's catch-up subscription: reads the global log after its checkpoint and applies it, batch by batch,
// woken by this process's appends, lingering under a steady stream of writes, backing off while it fails.
import type { Kysely } from 'kysely';
import type { GlobalLog } from '../eventstore/index.ts';
import { readCheckpoint } from '../projections/runner/checkpoints.ts';
import { LOCK_HELD, processBatch as runBatch, type BatchDeps } from '../projections/runner/projection-batch.ts';
import type { ProjectionDefinition } from '../projections/runner/projection.ts';
import type { RunnerTables } from '../projections/runner/runner-schema.ts';
import type { BatchGate } from './batch-gate.ts';

export interface ProjectionWorkerDeps extends BatchDeps {
  logger?: { error(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** When a batch may run (the embedded store's one connection: batch-gate.ts); at once without it. */
  batchGate?: BatchGate;
}

export interface ProjectionWorkerOptions {
  batchSize?: number;
  pollIntervalMs?: number;
  /**
   * The shortest time between the starts of two batches while writes keep coming, so that a steady stream of
   * single-event writes is projected several events per transaction. A reader waiting for its write
   * (waitForStream) does not wait for it.
   */
  lingerMs?: number;
}

/** What /healthz says about a projection. */
export interface ProjectionStatus {
  name: string;
  /** The last batch failed (the database is away, or a broken projection): when, why, and when it is tried again. */
  failing: { since: string; error: string; retry_in_ms: number } | null;
}

export interface ProjectionWorker {
  name: string;
  status(): ProjectionStatus;
  /** Processes one batch; returns how many events it passed (0 when caught up or another instance holds the lock). */
  processBatch(): Promise<number>;
  /**
   * Processes batches until the log is exhausted; returns the number of events passed. While another instance (this
   * process's background loop, another process) holds the lock, it waits for that batch rather than returning early.
   */
  catchUp(onProgress?: (processed: number) => void): Promise<number>;
  start(): void;
  stop(): Promise<void>;
  nudge(): void;
  /** Resolves true once every event of the stream is projected, false after the timeout. */
  waitForStream(streamId: string, timeoutMs: number): Promise<boolean>;
  /** Told after every batch this process applied (the live outputs wake on it); returns the unsubscribe. */
  onApplied(listener: () => void): () => void;
}

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 30_000;

export const createProjectionWorker = (projection: ProjectionDefinition, deps: ProjectionWorkerDeps, options: ProjectionWorkerOptions = {}): ProjectionWorker => {
  const name = projection.name;
  // The smaller size, safe on either store; `threadline serve` passes the configured one (10,000 on PostgreSQL).
  const batchSize = options.batchSize ?? 2000;
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  const lingerMs = options.lingerMs ?? 20;

  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  /** Whether a write's nudge ends the current sleep (not while lingering). */
  let nudgeWakes = true;
  /** A write was nudged since the current batch started. */
  let nudged = false;
  /** A reader waits for its write: no lingering. */
  let urgent = false;
  let failing: ProjectionStatus['failing'] = null;
  const listeners = new Set<() => void>();
  const gate: BatchGate = deps.batchGate ?? ((run) => run());
  const batch = async () => {
    const n = await gate(() => runBatch(projection, deps, batchSize));
    if (n > 0) for (const l of listeners) l();
    return n;
  };
  const processBatch = async () => Math.max(0, await batch());
  const log: GlobalLog = deps.log;
  const db = deps.readModels as Kysely<RunnerTables>;

  const sleep = (ms: number, wakeOnNudge: boolean) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
      nudgeWakes = wakeOnNudge;
    });

  /**
   * Idle, a write is projected at once; under a steady stream of writes, batches start at most every lingerMs,
   * so that each carries several events instead of one transaction per write.
   */
  const run = async () => {
    while (running) {
      try {
        nudged = false;
        urgent = false;
        const started = Date.now();
        const n = await processBatch();
        failing = null;
        if (n >= batchSize || !running) continue;
        if (!nudged && !urgent) await sleep(pollIntervalMs, true);
        const wait = started + lingerMs - Date.now();
        if (wait > 0 && running && !urgent) await sleep(wait, false);
      } catch (error) {
        // Back off exponentially (100 ms to 30 s) and say so once per step, not once per attempt a second.
        const retryIn = Math.min(MAX_BACKOFF_MS, failing ? failing.retry_in_ms * 2 : FIRST_BACKOFF_MS);
        failing = { since: failing?.since ?? new Date().toISOString(), error: (error as Error)?.message ?? String(error), retry_in_ms: retryIn };
        deps.logger?.error({ err: error, projection: name, retry_in_ms: retryIn }, 'projection batch failed; retrying');
        if (running) await sleep(retryIn, false);
      }
    }
  };

  return {
    name,
    status: () => ({ name, failing }),
    processBatch,
    async catchUp(onProgress) {
      let total = 0;
      for (let n = await batch(); n !== 0; n = await batch()) {
        if (n === LOCK_HELD) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        total += n;
        onProgress?.(total);
      }
      return total;
    },
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = null;
    },
    onApplied(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    nudge() {
      nudged = true;
      if (nudgeWakes) wake?.();
    },
    async waitForStream(streamId, timeoutMs) {
      const head = await deps.log.streamHead(streamId);
      if (!head) return true;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const cp = await readCheckpoint(db, log, name);
        if (cp && log.compare(cp.position, head) >= 0) return true;
        if (Date.now() >= deadline) return false;
        urgent = true;
        wake?.();
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
};
