// Rebuild: drop every read model and replay the global log from position 0, atomically.
import { sql, type Kysely } from 'kysely';
import type { LogPosition } from '../eventstore/global-log.ts';
import type { OpenedStore } from '../eventstore/store.ts';
import { writeCheckpoint } from './checkpoints.ts';
import { projectJourneyEvents } from './journey-projection.ts';
import { recreateReadModels } from './migrations.ts';
import { applyIsolating, clearQuarantine } from './quarantine.ts';
import { inClientTransaction } from './read-model-db.ts';

/**
 * One transaction: readers keep seeing the old rows until the new ones commit, and a crash leaves the old
 * read models in place. The live projection runner skips its turns meanwhile (same advisory lock). An event the
 * projection cannot apply is quarantined, as live, instead of failing the rebuild.
 */
export const rebuildReadModels = async (
  store: OpenedStore,
  onProgress: (done: number, total: number) => void = () => {},
  name = 'journeys',
): Promise<number> => {
  const { rows } = await store.pool.query<{ n: bigint }>('SELECT count(*) AS n FROM emt_messages WHERE is_archived = FALSE');
  const total = Number(rows[0]?.n ?? 0);
  return inClientTransaction(store.pool, async (db, client) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`threadline:projection:${name}`}))`.execute(db);
    await recreateReadModels(db as unknown as Kysely<unknown>);
    // Every event is tried again: what still fails is quarantined again, what a fix made good is applied.
    await clearQuarantine(db, name);
    const log = store.logOn(client);
    let after: LogPosition | null = null;
    let done = 0;
    onProgress(0, total);
    for (;;) {
      const events = await log.read({ after, limit: 2000, stable: true });
      if (events.length === 0) break;
      await applyIsolating(db, name, events, projectJourneyEvents);
      after = events.at(-1)!.position;
      done += events.length;
      onProgress(done, Math.max(total, done));
    }
    if (after) await writeCheckpoint(db, name, { position: after, eventsProcessed: BigInt(done) });
    return done;
  });
};
