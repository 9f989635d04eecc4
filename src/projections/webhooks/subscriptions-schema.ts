// Webhook subscriptions: state the management API writes, not a projection (a rebuild never drops it). The
// signing secret is kept as is because the sender needs it to sign; it is shown to the owner only on create/rotate.
import { sql, type ColumnType, type Kysely } from 'kysely';
import type { SubscriptionFilter, SubscriptionStatus } from '../../domain/webhooks/index.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  /** Live event names, or `['*']` for all of them. */
  events: string[];
  filter: ColumnType<SubscriptionFilter, string, string>;
  description: string | null;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  /** `whsec_` + base64. */
  secret: string;
  /** The secret a rotation replaced, still signed with until previous_secret_expires_at. */
  previous_secret: string | null;
  previous_secret_expires_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Since when every delivery has failed; null while the endpoint answers. */
  failing_since: Timestamp | null;
}

export interface WebhookSubscriptionsTables {
  threadline_webhook_subscriptions: WebhookSubscriptionsTable;
}

export const createWebhookSubscriptionsSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS threadline_webhook_subscriptions (
      id text PRIMARY KEY,
      url text NOT NULL,
      events text[] NOT NULL,
      filter jsonb NOT NULL DEFAULT '{}'::jsonb,
      description text,
      status text NOT NULL DEFAULT 'active',
      disabled_reason text,
      secret text NOT NULL,
      previous_secret text,
      previous_secret_expires_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      failing_since timestamptz
    )
  `.execute(db);
};
