// The channels capability's tables that are state, not projections (never dropped by a rebuild): the secret, and
// what the channel integrations register as they go. Created at start, idempotently.
import type { Kysely } from 'kysely';
import { createSecretsSchema } from './channel-secret.ts';
import { createShortLinksSchema } from './short-links.ts';
import { createUnmatchedRepliesSchema } from './unmatched-replies.ts';
import { createPortalSessionIndexSchema } from './portal-session-index.ts';

export const prepareChannelTables = async (db: Kysely<unknown>): Promise<void> => {
  await createSecretsSchema(db);
  await createShortLinksSchema(db);
  await createUnmatchedRepliesSchema(db);
  await createPortalSessionIndexSchema(db);
};
