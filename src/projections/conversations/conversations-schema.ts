// The conversations projection's tables: its own compact log of each conversation's events (what it folds again when
// one arrives), and the facts of the fold, one table per kind of fact, each row carrying the columns reports filter by.
import { sql, type ColumnType, type Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;
/** Durations in milliseconds; drivers read int8 as a string or a BigInt. */
type Int8 = ColumnType<string | bigint, number | string, number | string>;

/** What every fact row carries for the filters: the GUID's dealer and the conversation's current categories. */
interface FilterColumns {
  guid: string;
  dealer: string | null;
  department: string | null;
  query_nature: string | null;
}

export interface ConversationLogTable {
  guid: string;
  /** 0: the opening (JourneyCreated), 1: a logged event, 2: an explicit transition. */
  kind: number;
  item_id: string;
  /** JSON of the compact opening, event or move. */
  body: string;
}

export interface ConversationsTable extends FilterColumns {
  platform: string | null;
  parent_guid: string | null;
  language: string | null;
  priority: string | null;
  teams: string[];
  started_at: Timestamp;
  current_state: string;
  state_entered_at: Timestamp;
  current_team: string | null;
  current_agent: string | null;
  needed_human_at: NullableTimestamp;
  first_response_at: NullableTimestamp;
  messages_in: number;
  replies: number;
  handovers: number;
  reopens: number;
  last_event_at: Timestamp;
}

/**
 * A stay in one state with one team: the stays agents held (HUMAN_ASSISTANCE, `conversation_holds`) and the waits
 * (PENDING_AGENT, `conversation_waits`, without an agent). The fold's other stays (inbound queue, bot, resolved) are
 * read by no report and are not kept; a table per kind keeps each report's scan to its own rows.
 */
export interface ConversationHoldsTable extends FilterColumns {
  seq: number;
  team: string | null;
  agent: string | null;
  entered_at: Timestamp;
  left_at: NullableTimestamp;
  next_state: string | null;
  /** Its length in milliseconds (int8: integer sorts are about twice as fast as float8 ones); null while it lasts. */
  ms: Int8 | null;
  /** The conversation has other holds: only such rows need de-duplicating to count conversations. */
  multi: boolean;
}

export type ConversationWaitsTable = Omit<ConversationHoldsTable, 'agent' | 'multi'>;

export interface ConversationRepliesTable extends FilterColumns {
  seq: number;
  at: Timestamp;
  agent: string | null;
  team: string | null;
  state: string;
  response_since: NullableTimestamp;
  response_ms: Int8 | null;
  /** On the conversation's first response only: from its first need of a human to this reply. */
  first_response_ms: Int8 | null;
}

export interface ConversationCyclesTable extends FilterColumns {
  seq: number;
  opened_at: Timestamp;
  human_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  outcome: string;
  resolved_by: string | null;
  agent: string | null;
  team: string | null;
  /** From human_at to a resolution; null when not resolved or never in human hands. */
  resolution_ms: Int8 | null;
  reopened_at: NullableTimestamp;
}

export interface ConversationHandoversTable extends FilterColumns {
  seq: number;
  at: Timestamp;
  from_team: string | null;
  to_team: string;
  from_agent: string | null;
  assigned_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  ended_by: string | null;
  lost_ms: Int8 | null;
  requeue_ms: Int8 | null;
}

/** Heatmap demand: per conversation and 15-minute UTC bucket (every real UTC offset is a multiple of 15 minutes). */
export interface ConversationDemandTable extends FilterColumns {
  bucket: Timestamp;
  started: number;
  messages_in: number;
  teams: string[];
}

/** Heatmap staffing: an agent acted (took, answered, resolved) on the conversation within the bucket. */
export interface ConversationStaffingTable extends FilterColumns {
  bucket: Timestamp;
  agent: string;
  team: string | null;
}

export interface ConversationsTables {
  conversation_log: ConversationLogTable;
  conversations: ConversationsTable;
  conversation_holds: ConversationHoldsTable;
  conversation_waits: ConversationWaitsTable;
  conversation_replies: ConversationRepliesTable;
  conversation_cycles: ConversationCyclesTable;
  conversation_handovers: ConversationHandoversTable;
  conversation_demand: ConversationDemandTable;
  conversation_staffing: ConversationStaffingTable;
}

/** The fact tables, written by one delete and one insert each per batch (the log only grows). */
export const CONVERSATION_FACT_TABLES = ['conversations', 'conversation_holds', 'conversation_waits', 'conversation_replies', 'conversation_cycles', 'conversation_handovers', 'conversation_demand', 'conversation_staffing'] as const;
export const CONVERSATIONS_TABLES = ['conversation_log', ...CONVERSATION_FACT_TABLES] as const;

const FILTERS = 'guid text NOT NULL, dealer text, department text, query_nature text';

export const createConversationsSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS conversation_log (guid text NOT NULL, kind smallint NOT NULL, item_id text NOT NULL, body text NOT NULL, PRIMARY KEY (guid, kind, item_id));
    CREATE TABLE IF NOT EXISTS conversations (
      ${sql.raw(FILTERS)}, platform text, parent_guid text, language text, priority text, teams text[] NOT NULL,
      started_at timestamptz NOT NULL, current_state text NOT NULL, state_entered_at timestamptz NOT NULL, current_team text, current_agent text,
      needed_human_at timestamptz, first_response_at timestamptz,
      messages_in integer NOT NULL, replies integer NOT NULL, handovers integer NOT NULL, reopens integer NOT NULL, last_event_at timestamptz NOT NULL,
      PRIMARY KEY (guid)
    );
    CREATE INDEX IF NOT EXISTS conversations_state ON conversations (current_state, started_at);
    CREATE INDEX IF NOT EXISTS conversations_started ON conversations (started_at);
    -- Holds overlapping a window (agents): ended in or after it, or still open.
    CREATE TABLE IF NOT EXISTS conversation_holds (
      ${sql.raw(FILTERS)}, seq integer NOT NULL, team text, agent text, entered_at timestamptz NOT NULL, left_at timestamptz,
      next_state text, ms bigint, multi boolean NOT NULL, PRIMARY KEY (guid, seq)
    );
    CREATE INDEX IF NOT EXISTS conversation_holds_left ON conversation_holds (left_at);
    CREATE INDEX IF NOT EXISTS conversation_holds_open ON conversation_holds (entered_at) WHERE left_at IS NULL;
    -- Waits ended in a window (queues), begun in one (heatmap), overlapping one (queue length).
    CREATE TABLE IF NOT EXISTS conversation_waits (
      ${sql.raw(FILTERS)}, seq integer NOT NULL, team text, entered_at timestamptz NOT NULL, left_at timestamptz,
      next_state text, ms bigint, PRIMARY KEY (guid, seq)
    );
    CREATE INDEX IF NOT EXISTS conversation_waits_left ON conversation_waits (left_at);
    CREATE INDEX IF NOT EXISTS conversation_waits_entered ON conversation_waits (entered_at);
    CREATE INDEX IF NOT EXISTS conversation_waits_open ON conversation_waits (entered_at) WHERE left_at IS NULL;
    CREATE TABLE IF NOT EXISTS conversation_replies (
      ${sql.raw(FILTERS)}, seq integer NOT NULL, at timestamptz NOT NULL, agent text, team text, state text NOT NULL,
      response_since timestamptz, response_ms bigint, first_response_ms bigint, PRIMARY KEY (guid, seq)
    );
    CREATE INDEX IF NOT EXISTS conversation_replies_at ON conversation_replies (at);
    CREATE TABLE IF NOT EXISTS conversation_cycles (
      ${sql.raw(FILTERS)}, seq integer NOT NULL, opened_at timestamptz NOT NULL, human_at timestamptz, ended_at timestamptz, outcome text NOT NULL,
      resolved_by text, agent text, team text, resolution_ms bigint, reopened_at timestamptz, PRIMARY KEY (guid, seq)
    );
    CREATE INDEX IF NOT EXISTS conversation_cycles_ended ON conversation_cycles (ended_at) WHERE ended_at IS NOT NULL;
    CREATE TABLE IF NOT EXISTS conversation_handovers (
      ${sql.raw(FILTERS)}, seq integer NOT NULL, at timestamptz NOT NULL, from_team text, to_team text NOT NULL, from_agent text,
      assigned_at timestamptz, ended_at timestamptz, ended_by text, lost_ms bigint, requeue_ms bigint, PRIMARY KEY (guid, seq)
    );
    CREATE INDEX IF NOT EXISTS conversation_handovers_at ON conversation_handovers (at);
    CREATE TABLE IF NOT EXISTS conversation_demand (
      ${sql.raw(FILTERS)}, bucket timestamptz NOT NULL, started integer NOT NULL, messages_in integer NOT NULL, teams text[] NOT NULL, PRIMARY KEY (guid, bucket)
    );
    CREATE INDEX IF NOT EXISTS conversation_demand_bucket ON conversation_demand (bucket) INCLUDE (started, messages_in);
    CREATE TABLE IF NOT EXISTS conversation_staffing (
      ${sql.raw(FILTERS)}, bucket timestamptz NOT NULL, agent text NOT NULL, team text, PRIMARY KEY (guid, bucket, agent)
    );
    CREATE INDEX IF NOT EXISTS conversation_staffing_bucket ON conversation_staffing (bucket) INCLUDE (agent);
  `.execute(db);
};
