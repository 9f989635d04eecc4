// The channel contacts read model: which journeys a hashed contact point belongs to (to match inbound traffic), and
// the per-dealer suppression list of each channel (opt-outs and opt-ins as events decided them).
import { sql, type ColumnType, type Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface ChannelContactsTable {
  guid: string;
  /** `email` or `phone`. */
  kind: string;
  hash: string;
  dealer_code: string;
  /** Event time the journey learnt the contact point (its start, or the prepare that named it). */
  added_at: Timestamp;
}

export interface ChannelSuppressionsTable {
  dealer_code: string;
  /** `EMAIL` or `SMS`. */
  channel: string;
  address_hash: string;
  /** False once an opt-in from the same address reversed it (kept: when and how it was lifted). */
  suppressed: boolean;
  /** Event time of the opt-out in force (or of the opt-in that lifted it). */
  since: Timestamp;
  /** The opt-out's origin: kind (keyword, link, provider, api), provider, raw text. */
  origin: unknown;
  guid: string;
  event_id: string;
}

export interface ChannelContactsTables {
  channel_contacts: ChannelContactsTable;
  channel_suppressions: ChannelSuppressionsTable;
}

export const CHANNEL_CONTACTS_TABLES = ['channel_contacts', 'channel_suppressions'] as const;

export const createChannelContactsSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS channel_contacts (
      guid text NOT NULL,
      kind text NOT NULL,
      hash text NOT NULL,
      dealer_code text NOT NULL,
      added_at timestamptz NOT NULL,
      PRIMARY KEY (hash, kind, guid)
    )
  `.execute(db);
  await sql`
    CREATE TABLE IF NOT EXISTS channel_suppressions (
      dealer_code text NOT NULL,
      channel text NOT NULL,
      address_hash text NOT NULL,
      suppressed boolean NOT NULL,
      since timestamptz NOT NULL,
      origin jsonb NOT NULL,
      guid text NOT NULL,
      event_id text NOT NULL,
      PRIMARY KEY (dealer_code, channel, address_hash)
    )
  `.execute(db);
};
