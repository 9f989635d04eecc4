// Rebuild: drop projections' tables and replay the global log from position 0 into them, atomically.
import { sql, type Kysely } from 'kysely';
import type { GlobalLog, LogPosition } from '../../eventstore/index.ts';
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

/**
 * Events read and applied at once. Larger than a live batch needs: in the one long transaction every rewrite of a
 * journey's row leaves a version that cannot be pruned until it commits, so a row rewritten once per 10,000 events
 * instead of per 2,000 is what makes a rebuild as fast as live catch-up (bench/projection-bench.ts).
 */
const PAGE = 10_000;

export interface RebuildOptions {
  /** Events read and applied at once (PAGE); a test sets it small so that journeys straddle the pages. */
  pageEvents?: number;
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
  const page = options.pageEvents ?? PAGE;
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
      for (;;) {
        const events = await deps.log.read({ after, limit: page, stable: true }, trx);
        if (events.length === 0) break;
        await applyIsolating(trx, p.name, events.filter((e) => handles.has(e.type)), p.apply);
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
