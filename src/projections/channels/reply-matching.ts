// The journeys an inbound SMS reply may belong to, beyond the contact's open journey (contact-queries.ts): the one a
// `STOP-<code>` names by its first characters and, for an opt-out no open journey takes, each dealer's latest.
import type { Kysely } from 'kysely';
import type { ChannelContactsTables } from './contacts-schema.ts';

const contacts = (db: Kysely<unknown>) => db as Kysely<ChannelContactsTables>;

const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The journey a `STOP-<code>` names: the sender's most recent journey whose GUID starts with the code, else the one
 * journey the contacts table knows with that start. Only one: `STOP-FORD-202` fits every FORD GUID of the 2020s, and
 * a stranger's reply must not land on some customer's journey because its prefix happened to fit.
 */
export const journeyByPrefix = async (db: Kysely<unknown>, prefix: string, phoneHash: string): Promise<string | null> => {
  const base = contacts(db).selectFrom('channel_contacts').where('guid', 'like', likePrefix(prefix));
  const own = await base.select('guid').where('kind', '=', 'phone').where('hash', '=', phoneHash).orderBy('added_at', 'desc').orderBy('guid', 'desc').limit(1).executeTakeFirst();
  if (own) return own.guid;
  const any = await base.select('guid').distinct().limit(2).execute();
  return any.length === 1 ? any[0]!.guid : null;
};

/** Each dealer's most recent journey with this contact point, closed ones included. */
export const latestJourneyPerDealer = async (db: Kysely<unknown>, kind: 'email' | 'phone', hash: string): Promise<string[]> => {
  const rows = await contacts(db)
    .selectFrom('channel_contacts')
    .select(['guid', 'dealer_code'])
    .distinctOn('dealer_code')
    .where('kind', '=', kind)
    .where('hash', '=', hash)
    .orderBy('dealer_code')
    .orderBy('added_at', 'desc')
    .orderBy('guid', 'desc')
    .execute();
  return rows.map((r) => r.guid);
};
