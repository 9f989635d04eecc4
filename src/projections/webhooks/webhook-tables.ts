// The webhooks capability's tables that are state, not projections (a rebuild never drops them). Created at start,
// idempotently.
import type { Kysely } from 'kysely';
import { createWebhookSubscriptionsSchema } from './subscriptions-schema.ts';
import { createWebhookDeliveriesSchema } from './deliveries-schema.ts';

export const prepareWebhookTables = async (db: Kysely<unknown>): Promise<void> => {
  await createWebhookSubscriptionsSchema(db);
  await createWebhookDeliveriesSchema(db);
};
