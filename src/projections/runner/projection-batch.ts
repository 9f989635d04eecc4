// One batch of one projection: under its lock, from its checkpoint, the next events of the log applied and the
// checkpoint moved, in one transaction.
import { sql, type Kysely } from 'kysely';
import type { GlobalLog, LoggedEvent } from '../../eventstore/index.ts';
import { readCheckpoint, writeCheckpoint } from './checkpoints.ts';
import type { ProjectionDefinition } from './projection.ts';
import { applyIsolating } from './quarantine.ts';
import { projectionTransaction } from './read-model-db.ts';
import type { RunnerTables } from './runner-schema.ts';

export interface BatchDeps {
  readModels: Kysely<unknown>;
  log: GlobalLog;
  onQuarantine?: (projection: string, e: LoggedEvent, error: unknown) => void;
}

export const projectionLockKey = (name: string) => `threadline:projection:${name}`;

/** What processBatch answers when another instance holds the projection's lock: it passed nothing, and is not caught up. */
export const LOCK_HELD = -1;

/** Projects the next batch; returns how many events it passed (0 when caught up, LOCK_HELD when another instance holds the lock). */
export const processBatch = (p: ProjectionDefinition, deps: BatchDeps, batchSize: number): Promise<number> => {
  const handles = new Set(p.handles);
  return projectionTransaction(deps.readModels, async (trx) => {
    // One instance per projection: the others skip their turn instead of waiting. Read models are derived and
    // their checkpoint commits with them: a batch lost to a crash before its WAL reached disk is projected again
    // from the log. Not waiting for that flush (synchronous_commit off for this transaction) keeps the
    // projection's commits from queueing with the command side's, whose durability is the promise.
    // (An outbox, whose rows are acted on at once, waits for the flush: durableCommit.)
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(${projectionLockKey(p.name)})) AS locked, set_config('synchronous_commit', ${p.durableCommit ? 'on' : 'off'}, true)`.execute(trx);
    if (!rows[0]?.locked) return LOCK_HELD;
    const db = trx as Kysely<RunnerTables>;
    const checkpoint = await readCheckpoint(db, deps.log, p.name, true);
    const events = await deps.log.read({ after: checkpoint?.position ?? null, limit: batchSize, stable: true }, trx);
    const last = events.at(-1);
    if (!last) return 0;
    const handled = events.filter((e) => handles.has(e.type));
    await applyIsolating(trx, p.name, handled, p.apply, (e, error) => deps.onQuarantine?.(p.name, e, error));
    await writeCheckpoint(db, p.name, { position: last.position, eventsProcessed: (checkpoint?.eventsProcessed ?? 0n) + BigInt(events.length) });
    return events.length;
  });
};
