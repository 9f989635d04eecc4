// The channel secret: signs tracking tokens and keys contact-point hashes. Configured (THREADLINE_CHANNEL_SECRET), or
// made once at the first start and kept in the database, so that every process behind a load balancer, and every
// restart, signs and hashes alike (links already sent keep working).
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

export interface SecretsTables {
  threadline_secrets: { name: string; value: string; created_at: Date };
}

export const createSecretsSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`CREATE TABLE IF NOT EXISTS threadline_secrets (name text PRIMARY KEY, value text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`.execute(db);
};

/** The configured secret, else the stored one, else a new one stored (the first of racing processes wins). */
export const resolveChannelSecret = async (db: Kysely<unknown>, configured: string | null): Promise<Buffer> => {
  if (configured !== null) return Buffer.from(configured, 'utf8');
  const fresh = randomBytes(32).toString('base64url');
  await sql`INSERT INTO threadline_secrets (name, value) VALUES ('channel', ${fresh}) ON CONFLICT (name) DO NOTHING`.execute(db);
  const { rows } = await sql<{ value: string }>`SELECT value FROM threadline_secrets WHERE name = 'channel'`.execute(db);
  return Buffer.from(rows[0]!.value, 'utf8');
};
