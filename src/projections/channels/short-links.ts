// SMS short links (`/s/{code}`): state the prepare route registers, not a projection (a rebuild never drops it). A
// redirect looks its code up here; a code not in this table is never redirected anywhere.
import { sql, type ColumnType, type Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface ShortLinksTable {
  code: string;
  guid: string;
  message_id: string;
  url: string;
  /** The link's place among the message's distinct destinations, from 0. */
  link_index: number;
  /** How many distinct links the message has (the click rules compare it with the links clicked at once). */
  link_count: number;
  created_at: Timestamp;
}

export interface ShortLinksTables {
  channel_short_links: ShortLinksTable;
}

export type ShortLink = Omit<ShortLinksTable, 'created_at'> & { created_at: Date };

export const createShortLinksSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS channel_short_links (
      code text PRIMARY KEY,
      guid text NOT NULL,
      message_id text NOT NULL,
      url text NOT NULL,
      link_index integer NOT NULL,
      link_count integer NOT NULL,
      created_at timestamptz NOT NULL
    )
  `.execute(db);
  // One code per link of a message: a prepare repeated with the same message_id finds the codes it answered before.
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS channel_short_links_message ON channel_short_links (guid, message_id, link_index)`.execute(db);
};

const links = (db: Kysely<unknown>) => db as Kysely<ShortLinksTables>;

/** Registers links; a code or a (message, index) already taken is left as it is (the caller reads back what holds). */
export const insertShortLinks = async (db: Kysely<unknown>, rows: readonly ShortLink[]): Promise<void> => {
  if (rows.length === 0) return;
  await links(db).insertInto('channel_short_links').values([...rows]).onConflict((oc) => oc.doNothing()).execute();
};

export const shortLinkOf = async (db: Kysely<unknown>, code: string): Promise<ShortLink | null> =>
  ((await links(db).selectFrom('channel_short_links').selectAll().where('code', '=', code).executeTakeFirst()) as ShortLink | undefined) ?? null;

/** A message's links, by index. */
export const linksOfMessage = async (db: Kysely<unknown>, guid: string, messageId: string): Promise<ShortLink[]> =>
  (await links(db).selectFrom('channel_short_links').selectAll().where('guid', '=', guid).where('message_id', '=', messageId).orderBy('link_index').execute()) as ShortLink[];
