// Projection checkpoints: where in the global log a projection has reached, stored with the rows it produced.
import type { Kysely } from 'kysely';
import type { LogPosition } from '../eventstore/global-log.ts';
import type { ReadModels } from './schema.ts';

export interface Checkpoint {
  position: LogPosition;
  eventsProcessed: bigint;
}

export const readCheckpoint = async (db: Kysely<ReadModels>, name: string, forUpdate = false): Promise<Checkpoint | null> => {
  let q = db.selectFrom('projection_checkpoints').selectAll().where('name', '=', name);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row
    ? {
        position: {
          transactionId: BigInt(row.transaction_id),
          streamId: row.stream_id,
          streamPosition: BigInt(row.stream_position),
          globalPosition: BigInt(row.global_position),
        },
        eventsProcessed: BigInt(row.events_processed),
      }
    : null;
};

export const writeCheckpoint = async (db: Kysely<ReadModels>, name: string, cp: Checkpoint): Promise<void> => {
  const values = {
    name,
    transaction_id: cp.position.transactionId.toString(),
    stream_id: cp.position.streamId,
    stream_position: cp.position.streamPosition.toString(),
    global_position: cp.position.globalPosition.toString(),
    events_processed: cp.eventsProcessed.toString(),
  };
  await db
    .insertInto('projection_checkpoints')
    .values(values)
    .onConflict((oc) => oc.column('name').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
};
