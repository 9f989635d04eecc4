// The live outputs' tables that are state, not projections (never dropped by a rebuild). Created at start, idempotently.
import type { Kysely } from 'kysely';
import { createPublisherCursorSchema } from './publisher-cursor.ts';

export const prepareLiveTables = async (db: Kysely<unknown>): Promise<void> => {
  await createPublisherCursorSchema(db);
};
