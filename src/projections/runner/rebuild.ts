// Rebuild: drop projections' tables and replay the global log from position 0 into them, atomically.
import { sql, type Kysely } from 'kysely';
import type { GlobalLog, LoggedEvent, LogPosition } from '../../eventstore/index.ts';
import { writeCheckpoint } from './checkpoints.ts';
import { projectionLockKey } from './projection-batch.ts';
import type { ProjectionDefinition } from './projection.ts';
import { applyIsolating } from './quarantine.ts';
import { projectionTransaction } from './read-model-db.ts';
import { recreateProjection, type RunnerTables } from './runner-schema.ts';

export interface RebuildDeps {
  readModels: Kysely<unknown>;
  log: GlobalLog;
}

const PAGE = 2000;
/**
 * Events applied at once. Larger than a live batch: in the one long transaction every rewrite of a journey's row
 * leaves a version that cannot be pruned until it commits, so a row rewritten once per 10,000 events instead of per
 * page of 2,000 is what keeps a rebuild as fast as live catch-up (bench/projection-bench.ts).
 */
const APPLY = 10_000;

export interface RebuildOptions {
  /** Events applied at once (APPLY), read in pages of at most that; a test sets it small so that journeys straddle the chunks. */
  applyEvents?: number;
}

/**
 * One transaction per projection: readers keep seeing the old rows until the new ones commit, and a crash leaves
 * the old read models in place. The live worker skips its turns meanwhile (same advisory lock). Every event is
 * tried again: an event the projection still cannot apply is quarantined again, as live, instead of failing the
 * rebuild; what a fix made good is applied. Returns the events replayed per projection.
 */
export const rebuildProjections = async (
  deps: RebuildDeps,
  projections: readonly ProjectionDefinition[],
  onProgress: (name: string, done: number, total: number) => void = () => {},
  options: RebuildOptions = {},
): Promise<Record<string, number>> => {
  const apply = options.applyEvents ?? APPLY;
  const total = await deps.log.count();
  const replayed: Record<string, number> = {};
  for (const p of projections) {
    const handles = new Set(p.handles);
    replayed[p.name] = await projectionTransaction(deps.readModels, async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${projectionLockKey(p.name)}))`.execute(trx);
      await recreateProjection(trx, p);
      let after: LogPosition | null = null;
      let done = 0;
      onProgress(p.name, 0, total);
      let pending: LoggedEvent[] = [];
      for (;;) {
        const events = await deps.log.read({ after, limit: Math.min(PAGE, apply), stable: true }, trx);
        for (const e of events) if (handles.has(e.type)) pending.push(e);
        if (pending.length >= apply || (events.length === 0 && pending.length > 0)) {
          await applyIsolating(trx, p.name, pending, p.apply);
          pending = [];
        }
        if (events.length === 0) break;
        after = events.at(-1)!.position;
        done += events.length;
        onProgress(p.name, done, Math.max(total, done));
      }
      if (after) await writeCheckpoint(trx as Kysely<RunnerTables>, p.name, { position: after, eventsProcessed: BigInt(done) });
      return done;
    });
  }
  return replayed;
};
