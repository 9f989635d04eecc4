// The audit trail's table: one row per record, append-only, each row chained to the one before it by its hash
// (src/projections/access/audit-chain.ts says how). Not a projection of the log, so a rebuild never drops it.
import { sql, type ColumnType, type Kysely } from 'kysely';

export interface AuditTable {
  /** 1, 2, 3, ... without gaps: a gap is a removed record. */
  seq: ColumnType<bigint | string | number, number, never>;
  at: ColumnType<Date, string, never>;
  source: string;
  action: string;
  request_id: string | null;
  /** The actor's four fields, all null when authentication failed. */
  actor_id: string | null;
  actor_label: string | null;
  actor_role: string | null;
  actor_via: string | null;
  ip: string | null;
  objects: string[];
  result: string;
  status: number | null;
  reason: string | null;
  prev_hash: string;
  hash: string;
}

// A type, not an interface: Kysely's withTables needs the index signature only type aliases have.
export type AuditTables = {
  threadline_audit: AuditTable;
};

export const AUDIT_TABLE = 'threadline_audit';

export const createAuditSchema = async (db: Kysely<unknown>): Promise<void> => {
  // Columns rather than one jsonb document, so that what is hashed is exactly what a reader sees (an index over a
  // copy could disagree with the hashed original) and auditors can query the table with plain SQL.
  await sql`
    CREATE TABLE IF NOT EXISTS threadline_audit (
      seq bigint PRIMARY KEY,
      at timestamptz NOT NULL,
      source text NOT NULL,
      action text NOT NULL,
      request_id text,
      actor_id text,
      actor_label text,
      actor_role text,
      actor_via text,
      ip text,
      objects text[] NOT NULL,
      result text NOT NULL,
      status integer,
      reason text,
      prev_hash text NOT NULL,
      hash text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS threadline_audit_at ON threadline_audit (at, seq);
    CREATE INDEX IF NOT EXISTS threadline_audit_actor ON threadline_audit (actor_id, seq);
    -- "Who touched this GUID": objects @> ARRAY[guid].
    CREATE INDEX IF NOT EXISTS threadline_audit_objects ON threadline_audit USING gin (objects);
  `.execute(db);
};
