// The access capability's tables: state kept beside the read models but not projected from the log (keys, the
// audit chain), so a rebuild never drops them. Created at start, idempotently.
import type { Kysely } from 'kysely';
import { createApiKeysSchema } from './api-keys-schema.ts';
import { createAuditSchema } from './audit-schema.ts';

export const prepareAccessTables = async (db: Kysely<unknown>): Promise<void> => {
  await createApiKeysSchema(db);
  await createAuditSchema(db);
};
