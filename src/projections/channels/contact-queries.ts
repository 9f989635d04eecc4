// Reads of the channel contacts read model: the journey an inbound message from a contact point belongs to, and
// whether an address is suppressed.
import type { Kysely } from 'kysely';
import type { JourneysTables } from '../journeys/index.ts';
import type { ChannelContactsTables } from './contacts-schema.ts';

type Db = Kysely<ChannelContactsTables & JourneysTables>;

/** Journeys in these states take no more inbound traffic from a contact point (a new message starts afresh). */
const CLOSED_STATES = ['CLOSED'];

/**
 * The most recent open journey (by when it learnt the contact point) that has this contact point, or null. `dealers` narrows it to a
 * caller's dealers ('all' for any).
 */
export const openJourneyOfContact = async (db: Kysely<unknown>, kind: 'email' | 'phone', hash: string, dealers: readonly string[] | 'all' = 'all'): Promise<string | null> => {
  let q = (db as Db)
    .selectFrom('channel_contacts as c')
    // Left join: a journey the summaries have not caught up with yet is open.
    .leftJoin('journey_summary as s', 's.guid', 'c.guid')
    .select('c.guid')
    .where('c.hash', '=', hash)
    .where('c.kind', '=', kind)
    .where((eb) => eb.or([eb('s.current_state', 'is', null), eb('s.current_state', 'not in', CLOSED_STATES)]))
    .orderBy('c.added_at', 'desc')
    .orderBy('c.guid', 'desc')
    .limit(1);
  if (dealers !== 'all') q = q.where('c.dealer_code', 'in', dealers.length > 0 ? [...dealers] : ['']);
  const row = await q.executeTakeFirst();
  return row?.guid ?? null;
};

export interface SuppressionRow {
  dealer_code: string;
  suppressed: boolean;
  since: Date;
  origin: unknown;
  guid: string;
  event_id: string;
}

/** The suppression entries of an address on a channel, per dealer (only the dealers given, unless 'all'). */
export const suppressionsOf = async (db: Kysely<unknown>, channel: string, addressHash: string, dealers: readonly string[] | 'all' = 'all'): Promise<SuppressionRow[]> => {
  let q = (db as Db)
    .selectFrom('channel_suppressions')
    .select(['dealer_code', 'suppressed', 'since', 'origin', 'guid', 'event_id'])
    .where('channel', '=', channel)
    .where('address_hash', '=', addressHash)
    .orderBy('dealer_code');
  if (dealers !== 'all') q = q.where('dealer_code', 'in', dealers.length > 0 ? [...dealers] : ['']);
  return (await q.execute()) as SuppressionRow[];
};

/** Whether the address is opted out of the channel at this dealer. */
export const isSuppressed = async (db: Kysely<unknown>, dealer: string, channel: string, addressHash: string): Promise<boolean> =>
  (await suppressionsOf(db, channel, addressHash, [dealer])).some((r) => r.suppressed);
