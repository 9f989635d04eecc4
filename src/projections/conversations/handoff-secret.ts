// The key that signs hand-off tokens: configured (THREADLINE_HANDOFF_SECRET), or made once at the first start and
// kept beside the channel secret, so that a token made by one process is accepted by every other, and after restarts.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/** The configured secret, else the stored one, else a new one stored (the first of racing processes wins). */
export const resolveHandoffSecret = async (db: Kysely<unknown>, configured: string | null): Promise<Uint8Array> => {
  if (configured !== null) return new Uint8Array(Buffer.from(configured, 'utf8'));
  // threadline_secrets is created with the channels' tables (prepareChannelTables), before this runs.
  const fresh = randomBytes(32).toString('base64url');
  await sql`INSERT INTO threadline_secrets (name, value) VALUES ('handoff', ${fresh}) ON CONFLICT (name) DO NOTHING`.execute(db);
  const { rows } = await sql<{ value: string }>`SELECT value FROM threadline_secrets WHERE name = 'handoff'`.execute(db);
  return new Uint8Array(Buffer.from(rows[0]!.value, 'utf8'));
};
