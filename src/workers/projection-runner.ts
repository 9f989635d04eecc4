// Catch-up subscription: reads the global log after the stored checkpoint and projects it into the read models.
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { comparePositions, type GlobalLogReader } from '../eventstore/global-log.ts';
import { readCheckpoint, writeCheckpoint } from '../projections/checkpoints.ts';
import { applyIsolating, type ProjectFn } from '../projections/quarantine.ts';
import { inClientTransaction } from '../projections/read-model-db.ts';
import type { ReadModels } from '../projections/schema.ts';

export type { ProjectFn };

export interface ProjectionRunnerDeps {
  pool: pg.Pool;
  db: Kysely<ReadModels>;
  log: GlobalLogReader;
  logOn: (client: pg.PoolClient) => GlobalLogReader;
  project: ProjectFn;
  logger?: { error(obj: object, msg: string): void; info(obj: object, msg: string): void; warn?(obj: object, msg: string): void };
}

export interface ProjectionRunnerOptions {
  name?: string;
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

export interface ProjectionRunner {
  status(): ProjectionStatus;
  /** Processes one batch; returns how many events it projected (0 when caught up or another instance holds the lock). */
  processBatch(): Promise<number>;
  /** Processes batches until the log is exhausted; returns the number of events projected. */
  catchUp(onProgress?: (processed: number) => void): Promise<number>;
  start(): void;
  stop(): Promise<void>;
  nudge(): void;
  /** Resolves true once every event of the stream is projected, false after the timeout. */
  waitForStream(streamId: string, timeoutMs: number): Promise<boolean>;
}

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 30_000;

export const createProjectionRunner = (deps: ProjectionRunnerDeps, options: ProjectionRunnerOptions = {}): ProjectionRunner => {
  const name = options.name ?? 'journeys';
  const batchSize = options.batchSize ?? 500;
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
  const lockKey = `threadline:projection:${name}`;
  let failing: ProjectionStatus['failing'] = null;

  const processBatch = () =>
    inClientTransaction(deps.pool, async (db, client) => {
      // One instance per projection: the others skip their turn instead of waiting.
      // Read models are derived and their checkpoint commits with them: a batch lost to a crash before its WAL
      // reached disk is projected again from the log. Not waiting for that flush (synchronous_commit off for
      // this transaction) keeps the projection's commits from queueing with the command side's, whose
      // durability is the promise.
      const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(${lockKey})) AS locked, set_config('synchronous_commit', 'off', true)`.execute(db);
      if (!rows[0]?.locked) return 0;
      const checkpoint = await readCheckpoint(db, name, true);
      const events = await deps.logOn(client).read({ after: checkpoint?.position ?? null, limit: batchSize, stable: true });
      const last = events.at(-1);
      if (!last) return 0;
      await applyIsolating(db, name, events, deps.project, (e, error) =>
        deps.logger?.error({ err: error, projection: name, stream_id: e.streamId, stream_position: e.position.streamPosition.toString(), type: e.type }, 'event quarantined: the projection cannot apply it'),
      );
      await writeCheckpoint(db, name, {
        position: last.position,
        eventsProcessed: (checkpoint?.eventsProcessed ?? 0n) + BigInt(events.length),
      });
      return events.length;
    });

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
    status: () => ({ name, failing }),
    processBatch,
    async catchUp(onProgress) {
      let total = 0;
      for (let n = await processBatch(); n > 0; n = await processBatch()) {
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
    nudge() {
      nudged = true;
      if (nudgeWakes) wake?.();
    },
    async waitForStream(streamId, timeoutMs) {
      const head = await deps.log.streamHead(streamId);
      if (!head) return true;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const cp = await readCheckpoint(deps.db, name);
        if (cp && comparePositions(cp.position, head) >= 0) return true;
        if (Date.now() >= deadline) return false;
        urgent = true;
        wake?.();
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
};
