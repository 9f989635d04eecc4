// Projection checkpoints: where in the global log a projection has reached, stored with the rows it produced.
import type { Kysely } from 'kysely';
import type { GlobalLog, LogPosition } from '../../eventstore/index.ts';
import type { RunnerTables } from './runner-schema.ts';

export interface Checkpoint {
  position: LogPosition;
  eventsProcessed: bigint;
}

/** Where a projection stands, read outside its batch (a batch reads it with its lock: projection-batch.ts). */
export const readCheckpoint = async (db: Kysely<RunnerTables>, log: GlobalLog, name: string): Promise<Checkpoint | null> =>
  checkpointOf(log, await db.selectFrom('projection_checkpoints').selectAll().where('name', '=', name).executeTakeFirst());

/** A checkpoint row as the runner keeps it (null: the projection has not started). */
export const checkpointOf = (log: GlobalLog, row: { position: string; global_position: unknown; events_processed: unknown } | undefined | null): Checkpoint | null =>
  row ? { position: log.decode(row.position, BigInt(row.global_position as string)), eventsProcessed: BigInt(row.events_processed as string) } : null;

export const writeCheckpoint = async (db: Kysely<RunnerTables>, name: string, cp: Checkpoint): Promise<void> => {
  const values = {
    name,
    position: cp.position.token,
    global_position: cp.position.globalPosition.toString(),
    events_processed: cp.eventsProcessed.toString(),
  };
  await db
    .insertInto('projection_checkpoints')
    .values(values)
    .onConflict((oc) => oc.column('name').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
};

/** How far a projection is behind the log: the age of the oldest event it has not applied yet (0 when caught up). */
export interface ProjectionProgress {
  name: string;
  eventsProcessed: bigint;
  lagSeconds: number;
}

export const projectionProgress = async (db: Kysely<RunnerTables>, log: GlobalLog, names: readonly string[], now = new Date()): Promise<ProjectionProgress[]> => {
  const out: ProjectionProgress[] = [];
  for (const name of names) {
    const cp = await readCheckpoint(db, log, name);
    const [oldest] = await log.read({ after: cp?.position ?? null, limit: 1, stable: true });
    out.push({ name, eventsProcessed: cp?.eventsProcessed ?? 0n, lagSeconds: oldest ? Math.max(0, (now.getTime() - oldest.recordedAt.getTime()) / 1000) : 0 });
  }
  return out;
};
