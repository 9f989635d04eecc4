// Inbound SMS replies no journey could be found for: state kept for an administrator to attach (not a projection;
// a rebuild never drops it). The sender is kept only as its keyed hash.
import { sql, type ColumnType, type Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface UnmatchedRepliesTable {
  id: string;
  /** Twilio's MessageSid: a redelivered webhook is kept once. */
  message_sid: string;
  from_hash: string;
  /** The number the customer wrote to (the dealer's, not the customer's). */
  to_number: string;
  /** At most 200 characters of the reply. */
  text: string;
  keyword: string;
  body_length: number;
  classification: string;
  received_at: Timestamp;
  attached_guid: string | null;
  attached_at: Timestamp | null;
}

export interface UnmatchedRepliesTables {
  sms_unmatched_replies: UnmatchedRepliesTable;
}

export type UnmatchedReply = Omit<UnmatchedRepliesTable, 'received_at' | 'attached_at'> & { received_at: Date; attached_at: Date | null };

export const createUnmatchedRepliesSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS sms_unmatched_replies (
      id text PRIMARY KEY,
      message_sid text NOT NULL UNIQUE,
      from_hash text NOT NULL,
      to_number text NOT NULL,
      text text NOT NULL,
      keyword text NOT NULL,
      body_length integer NOT NULL,
      classification text NOT NULL,
      received_at timestamptz NOT NULL,
      attached_guid text,
      attached_at timestamptz
    )
  `.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS sms_unmatched_replies_received ON sms_unmatched_replies (received_at DESC, id DESC)`.execute(db);
};

const replies = (db: Kysely<unknown>) => db as Kysely<UnmatchedRepliesTables>;

/** Keeps the reply once per MessageSid; false when it was kept before. */
export const insertUnmatchedReply = async (db: Kysely<unknown>, row: UnmatchedReply): Promise<boolean> => {
  const r = await replies(db).insertInto('sms_unmatched_replies').values(row).onConflict((oc) => oc.column('message_sid').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
};

export interface ReplyCursor {
  received_at: string;
  id: string;
}

/** Newest first, `limit` of them after the cursor (the last row of the page before). */
export const listUnmatchedReplies = async (db: Kysely<unknown>, limit: number, after: ReplyCursor | null): Promise<UnmatchedReply[]> => {
  let q = replies(db).selectFrom('sms_unmatched_replies').selectAll().orderBy('received_at', 'desc').orderBy('id', 'desc').limit(limit);
  if (after) q = q.where((eb) => eb.or([eb('received_at', '<', new Date(after.received_at)), eb.and([eb('received_at', '=', new Date(after.received_at)), eb('id', '<', after.id)])]));
  return (await q.execute()) as UnmatchedReply[];
};

export const unmatchedReplyById = async (db: Kysely<unknown>, id: string): Promise<UnmatchedReply | null> =>
  ((await replies(db).selectFrom('sms_unmatched_replies').selectAll().where('id', '=', id).executeTakeFirst()) as UnmatchedReply | undefined) ?? null;

export const unmatchedReplyBySid = async (db: Kysely<unknown>, messageSid: string): Promise<UnmatchedReply | null> =>
  ((await replies(db).selectFrom('sms_unmatched_replies').selectAll().where('message_sid', '=', messageSid).executeTakeFirst()) as UnmatchedReply | undefined) ?? null;

/** Claims the reply for the journey: true unless it is attached to another journey already. */
export const claimUnmatchedReply = async (db: Kysely<unknown>, id: string, guid: string, at: Date): Promise<boolean> => {
  const r = await replies(db)
    .updateTable('sms_unmatched_replies')
    .set({ attached_guid: guid, attached_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('attached_guid', 'is', null), eb('attached_guid', '=', guid)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
};

/** Gives up a claim whose events could not be recorded (the journey does not exist). */
export const releaseUnmatchedReply = async (db: Kysely<unknown>, id: string, guid: string): Promise<void> => {
  await replies(db).updateTable('sms_unmatched_replies').set({ attached_guid: null, attached_at: null }).where('id', '=', id).where('attached_guid', '=', guid).execute();
};
