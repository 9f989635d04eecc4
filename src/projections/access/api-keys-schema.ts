// API keys: only a SHA-256 hash and a display prefix are kept; the key itself is shown once, when it is made.
import { sql, type ColumnType, type Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface ApiKeysTable {
  id: string;
  name: string;
  /** `tl_live_AbC1`: enough to recognise a key in a list, too little to use it. */
  display_prefix: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
  role: string;
  /** The dealer codes the key may see; null for all. */
  dealers: string[] | null;
  environment: string;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  /** From when the key is dead: a revocation (now) or a roll's grace end. */
  revoked_at: Timestamp | null;
  revoke_reason: string | null;
  /** The key a roll made in this one's place. */
  replaced_by: string | null;
  last_used_at: Timestamp | null;
}

export interface ApiKeysTables {
  threadline_api_keys: ApiKeysTable;
}

export const createApiKeysSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS threadline_api_keys (
      id text PRIMARY KEY,
      name text NOT NULL,
      display_prefix text NOT NULL,
      hash text NOT NULL UNIQUE,
      role text NOT NULL,
      dealers text[],
      environment text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz,
      revoked_at timestamptz,
      revoke_reason text,
      replaced_by text,
      last_used_at timestamptz
    )
  `.execute(db);
};
