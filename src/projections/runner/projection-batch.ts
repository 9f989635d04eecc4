// One batch of one projection: under its lock, from its checkpoint, the next events of the log applied and the
// checkpoint moved, in one transaction of as few round trips as it can be (each costs the API's event loop too).
import { sql, type Kysely } from 'kysely';
import type { GlobalLog, LoggedEvent } from '../../eventstore/index.ts';
import { checkpointOf, writeCheckpoint } from './checkpoints.ts';
import type { ProjectionDefinition } from './projection.ts';
import { applyIsolating, isInfrastructureFailure } from './quarantine.ts';
import { PROJECTION_SETTINGS } from './read-model-db.ts';
import type { RunnerTables } from './runner-schema.ts';

export interface BatchDeps {
  readModels: Kysely<unknown>;
  log: GlobalLog;
  onQuarantine?: (projection: string, e: LoggedEvent, error: unknown) => void;
}

export const projectionLockKey = (name: string) => `threadline:projection:${name}`;

/** What processBatch answers when another instance holds the projection's lock: it passed nothing, and is not caught up. */
export const LOCK_HELD = -1;

/** The projection's own failure on these events (not the store's): the batch is run again, isolating the bad event. */
class EventsFailed extends Error {}

/**
 * Projects the next batch; returns how many events it passed (0 when caught up, LOCK_HELD when another instance
 * holds the lock). The batch is applied as it is first; only when it fails for a reason of its own is it run again
 * in a new transaction with savepoints (applyIsolating), so a healthy batch costs two round trips fewer.
 */
export const processBatch = async (p: ProjectionDefinition, deps: BatchDeps, batchSize: number): Promise<number> => {
  const handles = new Set(p.handles);
  try {
    return await runBatch(p, deps, batchSize, handles, false);
  } catch (error) {
    if (!(error instanceof EventsFailed)) throw error;
    return runBatch(p, deps, batchSize, handles, true);
  }
};

const runBatch = (p: ProjectionDefinition, deps: BatchDeps, batchSize: number, handles: Set<string>, isolate: boolean): Promise<number> =>
  deps.readModels.transaction().execute(async (trx) => {
    // One statement: the projection's lock (one instance per projection; the others skip their turn instead of
    // waiting), the planner settings of a projection batch, and the checkpoint. Read models are derived and
    // their checkpoint commits with them: a batch lost to a crash before its WAL reached disk is projected again
    // from the log. Not waiting for that flush (synchronous_commit off for this transaction) keeps the
    // projection's commits from queueing with the command side's, whose durability is the promise.
    // (An outbox, whose rows are acted on at once, waits for the flush: durableCommit.)
    const { rows } = await sql<{ locked: boolean; position: string | null; global_position: string | null; events_processed: string | null }>`
      WITH l AS (
        SELECT pg_try_advisory_xact_lock(hashtext(${projectionLockKey(p.name)})) AS locked,
               set_config('synchronous_commit', ${p.durableCommit ? 'on' : 'off'}, true), ${PROJECTION_SETTINGS})
      SELECT l.locked, c.position, c.global_position::text, c.events_processed::text
        FROM l LEFT JOIN LATERAL (SELECT * FROM projection_checkpoints WHERE name = ${p.name} AND l.locked FOR UPDATE) AS c ON true`.execute(trx);
    const row = rows[0];
    if (!row?.locked) return LOCK_HELD;
    const checkpoint = row.position === null ? null : checkpointOf(deps.log, { ...row, position: row.position });
    const events = await deps.log.read({ after: checkpoint?.position ?? null, limit: batchSize, stable: true }, trx);
    const last = events.at(-1);
    if (!last) return 0;
    const handled = events.filter((e) => handles.has(e.type));
    if (isolate) await applyIsolating(trx, p.name, handled, p.apply, (e, error) => deps.onQuarantine?.(p.name, e, error));
    else if (handled.length > 0) {
      try {
        await p.apply(trx, handled);
      } catch (error) {
        // The store failing is retried as it is; anything else is the events' fault, found one by one.
        throw isInfrastructureFailure(error) ? error : new EventsFailed(`projection ${p.name}: a batch failed`, { cause: error });
      }
    }
    await writeCheckpoint(trx as unknown as Kysely<RunnerTables>, p.name, { position: last.position, eventsProcessed: (checkpoint?.eventsProcessed ?? 0n) + BigInt(events.length) });
    return events.length;
  });
