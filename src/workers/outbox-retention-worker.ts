// The live outbox's retention: envelopes stored longer ago than THREADLINE_LIVE_RETENTION are deleted, a bounded
// batch at a time, so the outbox does not grow with the log. Consumers further behind than that (an SSE client
// resuming after a week, a replay of an older range) start at the oldest envelope kept.
import type { Kysely } from 'kysely';
import { pruneEnvelopes } from '../projections/live/index.ts';
import { intervalTask } from './interval-task.ts';

export interface OutboxRetentionWorker {
  /** Deletes what is past the retention now; returns how many envelopes went. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export const createOutboxRetentionWorker = (
  db: Kysely<unknown>,
  options: {
    retentionMs: number;
    /** The lowest cursor position of the durable consumers (webhook relay, publishers): nothing past it is deleted. */
    floor: () => Promise<bigint | null>;
    intervalMs?: number;
    clock?: () => Date;
    logger?: { error(obj: object, msg: string): void; info(obj: object, msg: string): void };
  },
): OutboxRetentionWorker => {
  const now = options.clock ?? (() => new Date());
  const runOnce = async () => {
    const before = new Date(now().getTime() - options.retentionMs);
    const floor = await options.floor();
    let total = 0;
    for (let n = await pruneEnvelopes(db, before, floor); n > 0; n = await pruneEnvelopes(db, before, floor)) total += n;
    if (total > 0) options.logger?.info({ deleted: total, before: before.toISOString() }, 'live outbox: envelopes past the retention deleted');
    return total;
  };
  const task = intervalTask(runOnce, options.intervalMs ?? 10 * 60_000, (error) => options.logger?.error({ err: error }, 'live outbox retention failed; retrying at the next interval'));
  return { runOnce, start: task.start, stop: task.stop };
};
