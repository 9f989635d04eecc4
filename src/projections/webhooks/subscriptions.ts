// Queries over the webhook subscriptions: the management routes write them, the dispatcher reads the active ones
// and reports failures back. Rows come back as the domain's WebhookSubscription.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { SubscriptionFilter, SubscriptionStatus, WebhookSubscription } from '../../domain/webhooks/index.ts';
import type { WebhookSubscriptionsTable, WebhookSubscriptionsTables } from './subscriptions-schema.ts';

const subs = (db: Kysely<unknown>) => db as Kysely<WebhookSubscriptionsTables>;
const TABLE = 'threadline_webhook_subscriptions';

const toDate = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));

const toSubscription = (r: Selectable<WebhookSubscriptionsTable>): WebhookSubscription => ({
  id: r.id,
  url: r.url,
  events: r.events as WebhookSubscription['events'],
  // jsonb comes back parsed from pg; a text form only if a driver hands it over raw.
  filter: (typeof r.filter === 'string' ? JSON.parse(r.filter) : r.filter) as SubscriptionFilter,
  description: r.description,
  status: r.status,
  disabled_reason: r.disabled_reason,
  secret: r.secret,
  previous_secret: r.previous_secret,
  previous_secret_expires_at: toDate(r.previous_secret_expires_at),
  created_at: toDate(r.created_at) ?? new Date(0),
  updated_at: toDate(r.updated_at) ?? new Date(0),
  failing_since: toDate(r.failing_since),
});

/** Every subscription, oldest first (there are tens, not thousands). */
export const listSubscriptions = async (db: Kysely<unknown>): Promise<WebhookSubscription[]> =>
  (await subs(db).selectFrom(TABLE).selectAll().orderBy('created_at').orderBy('id').execute()).map(toSubscription);

export const findSubscription = async (db: Kysely<unknown>, id: string): Promise<WebhookSubscription | null> => {
  const row = await subs(db).selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toSubscription(row) : null;
};

/** The subscriptions the dispatcher sends to: paused and disabled ones wait. */
export const activeSubscriptions = async (db: Kysely<unknown>): Promise<WebhookSubscription[]> =>
  (await subs(db).selectFrom(TABLE).selectAll().where('status', '=', 'active').orderBy('created_at').orderBy('id').execute()).map(toSubscription);

export interface NewSubscription {
  id: string;
  url: string;
  events: string[];
  filter: SubscriptionFilter;
  description: string | null;
  secret: string;
  at: Date;
}

export const insertSubscription = async (db: Kysely<unknown>, s: NewSubscription): Promise<WebhookSubscription> => {
  const row = await subs(db)
    .insertInto(TABLE)
    .values({ id: s.id, url: s.url, events: s.events, filter: JSON.stringify(s.filter), description: s.description, status: 'active', disabled_reason: null, secret: s.secret, previous_secret: null, previous_secret_expires_at: null, created_at: s.at, updated_at: s.at, failing_since: null })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSubscription(row);
};

export interface SubscriptionChanges {
  url?: string;
  events?: string[];
  filter?: SubscriptionFilter;
  description?: string | null;
}

/** Null when there is no such subscription. */
export const updateSubscription = async (db: Kysely<unknown>, id: string, changes: SubscriptionChanges, at: Date): Promise<WebhookSubscription | null> => {
  const row = await subs(db)
    .updateTable(TABLE)
    .set({
      ...(changes.url === undefined ? {} : { url: changes.url }),
      ...(changes.events === undefined ? {} : { events: changes.events }),
      ...(changes.filter === undefined ? {} : { filter: JSON.stringify(changes.filter) }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      updated_at: at,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row ? toSubscription(row) : null;
};

/** Pause, or resume: a resume of a disabled endpoint re-enables it and forgets its failing streak. */
export const setSubscriptionStatus = async (db: Kysely<unknown>, id: string, status: Exclude<SubscriptionStatus, 'disabled'>, at: Date): Promise<WebhookSubscription | null> => {
  const row = await subs(db)
    .updateTable(TABLE)
    .set(status === 'active' ? { status, disabled_reason: null, failing_since: null, updated_at: at } : { status, updated_at: at })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row ? toSubscription(row) : null;
};

/** Replaces the secret; the old one keeps signing until `previousExpiresAt`. */
export const rotateSubscriptionSecret = async (db: Kysely<unknown>, id: string, secret: string, previousExpiresAt: Date, at: Date): Promise<WebhookSubscription | null> => {
  const row = await subs(db)
    .updateTable(TABLE)
    .set({ previous_secret: sql<string>`secret`, previous_secret_expires_at: previousExpiresAt, secret, updated_at: at })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row ? toSubscription(row) : null;
};

/** True when it existed. */
export const deleteSubscription = async (db: Kysely<unknown>, id: string): Promise<boolean> => {
  const res = await subs(db).deleteFrom(TABLE).where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
};

/** The dispatcher's verdict on an endpoint (a 410, or failing for days): it stops receiving until resumed. */
export const markDisabled = async (db: Kysely<unknown>, id: string, reason: string, at: Date): Promise<void> => {
  await subs(db).updateTable(TABLE).set({ status: 'disabled', disabled_reason: reason, updated_at: at }).where('id', '=', id).execute();
};

/**
 * Starts a failing streak at `since` (kept if one is already running, so the streak's start is its first failure),
 * or ends it with null after a success.
 */
export const markFailing = async (db: Kysely<unknown>, id: string, since: Date | null): Promise<void> => {
  await subs(db)
    .updateTable(TABLE)
    .set({ failing_since: since === null ? null : sql<Date>`COALESCE(failing_since, ${since})` })
    .where('id', '=', id)
    .execute();
};
