// Quarantine: an event a projection cannot apply is set aside with its error, so it never stalls every journey.
import { sql, type Kysely } from 'kysely';
import { isStoreFailure, type LoggedEvent } from '../../eventstore/index.ts';
import type { ProjectionDefinition } from './projection.ts';
import type { RunnerTables } from './runner-schema.ts';

export type ProjectFn = ProjectionDefinition['apply'];

/**
 * Failures that say nothing about the events (the store is unavailable, or refuses the SQL itself: a defect, not
 * bad data): the batch is retried as it is. Anything else is the events' fault and is isolated.
 */
export const isInfrastructureFailure = isStoreFailure;

const describeError = (error: unknown): string => {
  const e = error as { message?: string; code?: string };
  return `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`.slice(0, 2000);
};

export interface QuarantinedEvent {
  projection: string;
  stream_id: string;
  stream_position: number;
  global_position: number;
  event_type: string;
  error: string;
  quarantined_at: string;
}

const quarantine = (db: Kysely<RunnerTables>, projection: string, e: LoggedEvent, error: unknown) =>
  db
    .insertInto('projection_quarantine')
    .values({
      projection,
      stream_id: e.streamId,
      stream_position: e.streamPosition.toString(),
      global_position: e.position.globalPosition.toString(),
      event_type: e.type,
      error: describeError(error),
    })
    .onConflict((oc) => oc.columns(['projection', 'stream_id', 'stream_position']).doUpdateSet({ error: describeError(error), quarantined_at: new Date() }))
    .execute();

/**
 * Applies a batch inside the caller's transaction. When it fails for a reason of its own, the halves are applied
 * again (each inside a savepoint) until the one event that fails is found; that event is quarantined, the rest
 * applied. A batch of n events with one bad event costs about 2·log2(n) attempts, once. Returns the events set
 * aside.
 */
export const applyIsolating = async (db: Kysely<unknown>, projection: string, events: LoggedEvent[], project: ProjectFn, onQuarantine?: (e: LoggedEvent, error: unknown) => void): Promise<number> => {
  let set = 0;
  const attempt = async (slice: LoggedEvent[]): Promise<unknown> => {
    await sql`SAVEPOINT tl_apply`.execute(db);
    try {
      await project(db, slice);
      await sql`RELEASE SAVEPOINT tl_apply`.execute(db);
      return null;
    } catch (error) {
      if (isInfrastructureFailure(error)) throw error;
      await sql`ROLLBACK TO SAVEPOINT tl_apply`.execute(db);
      return error ?? new Error('unknown failure');
    }
  };
  const apply = async (slice: LoggedEvent[]): Promise<void> => {
    const error = await attempt(slice);
    if (error === null) return;
    if (slice.length === 1) {
      await quarantine(db as Kysely<RunnerTables>, projection, slice[0]!, error);
      onQuarantine?.(slice[0]!, error);
      set++;
      return;
    }
    const mid = slice.length >> 1;
    await apply(slice.slice(0, mid));
    await apply(slice.slice(mid));
  };
  if (events.length > 0) await apply(events);
  // Most of a large batch failing one by one is no bad event but a broken projection: nothing is set aside, the
  // batch is retried (and reported) until it is fixed.
  if (set > 25 && set > events.length / 2) throw new SystemicProjectionFailure(projection, set, events.length);
  return set;
};

export class SystemicProjectionFailure extends Error {
  constructor(projection: string, failed: number, of: number) {
    super(`projection ${projection}: ${failed} of ${of} events fail on their own; this looks like a broken projection, not bad events`);
  }
}

const toJson = (r: { projection: string; stream_id: string; stream_position: bigint | string; global_position: bigint | string; event_type: string; error: string; quarantined_at: Date }): QuarantinedEvent => ({
  projection: r.projection,
  stream_id: r.stream_id,
  stream_position: Number(r.stream_position),
  global_position: Number(r.global_position),
  event_type: r.event_type,
  error: r.error,
  quarantined_at: r.quarantined_at.toISOString(),
});

export const listQuarantine = async (db: Kysely<RunnerTables>, filter: { streamId?: string; limit?: number } = {}): Promise<QuarantinedEvent[]> => {
  let q = db.selectFrom('projection_quarantine').selectAll().orderBy('global_position').limit(filter.limit ?? 1000);
  if (filter.streamId) q = q.where('stream_id', '=', filter.streamId);
  return (await q.execute()).map(toJson);
};

export const countQuarantine = async (db: Kysely<RunnerTables>): Promise<Record<string, number>> => {
  const rows = await db.selectFrom('projection_quarantine').select(['projection', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('projection').execute();
  return Object.fromEntries(rows.map((r) => [r.projection, Number(r.n)]));
};

export const clearQuarantine = (db: Kysely<RunnerTables>, projection: string) => db.deleteFrom('projection_quarantine').where('projection', '=', projection).execute();
