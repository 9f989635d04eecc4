// A conversation's facts as rows of the fact tables, each row with the conversation's filter columns.
import type { Insertable } from 'kysely';
import type { ConversationFacts } from '../../domain/conversations/index.ts';
import type {
  ConversationCyclesTable,
  ConversationDemandTable,
  ConversationHandoversTable,
  ConversationRepliesTable,
  ConversationsTable,
  ConversationHoldsTable,
  ConversationStaffingTable,
  ConversationWaitsTable,
} from './conversations-schema.ts';

export interface FactRows {
  conversations: Insertable<ConversationsTable>[];
  conversation_holds: Insertable<ConversationHoldsTable>[];
  conversation_waits: Insertable<ConversationWaitsTable>[];
  conversation_replies: Insertable<ConversationRepliesTable>[];
  conversation_cycles: Insertable<ConversationCyclesTable>[];
  conversation_handovers: Insertable<ConversationHandoversTable>[];
  conversation_demand: Insertable<ConversationDemandTable>[];
  conversation_staffing: Insertable<ConversationStaffingTable>[];
}

export const emptyFactRows = (): FactRows => ({ conversations: [], conversation_holds: [], conversation_waits: [], conversation_replies: [], conversation_cycles: [], conversation_handovers: [], conversation_demand: [], conversation_staffing: [] });

const BUCKET_MS = 15 * 60_000;
/** The 15-minute UTC bucket of an instant: any zone's local hour is a whole number of them. */
export const bucketOf = (ms: number): number => Math.floor(ms / BUCKET_MS) * BUCKET_MS;

const date = (ms: number) => new Date(ms);
const maybeDate = (ms: number | null) => (ms === null ? null : new Date(ms));
const ms = (from: number | null, to: number | null) => (from === null || to === null ? null : to - from);

/** Appends the rows of one conversation's facts to `out`. */
export const addFactRows = (out: FactRows, f: ConversationFacts): void => {
  const filters = { guid: f.guid, dealer: f.dealer, department: f.categories.department ?? null, query_nature: f.categories.query_nature ?? null };
  out.conversations.push({
    ...filters,
    platform: f.platform,
    parent_guid: f.parentGuid,
    language: f.categories.language ?? null,
    priority: f.categories.priority ?? null,
    teams: f.teams,
    started_at: date(f.startedAt),
    current_state: f.state,
    state_entered_at: date(f.stateEnteredAt),
    current_team: f.team,
    current_agent: f.agent,
    needed_human_at: maybeDate(f.neededHumanAt),
    first_response_at: maybeDate(f.firstResponse?.at ?? null),
    messages_in: f.messagesIn.length,
    replies: f.replies.length,
    handovers: f.handovers.length,
    reopens: f.reopens,
    last_event_at: date(f.lastEventAt),
  });
  const multi = f.stays.filter((s) => s.state === 'HUMAN_ASSISTANCE').length > 1;
  for (const s of f.stays) {
    const stay = { ...filters, seq: s.seq, team: s.team, entered_at: date(s.enteredAt), left_at: maybeDate(s.leftAt), next_state: s.next, ms: ms(s.enteredAt, s.leftAt) };
    if (s.state === 'HUMAN_ASSISTANCE') out.conversation_holds.push({ ...stay, agent: s.agent, multi });
    else if (s.state === 'PENDING_AGENT') out.conversation_waits.push(stay);
  }
  for (const r of f.replies) {
    out.conversation_replies.push({
      ...filters,
      seq: r.seq,
      at: date(r.at),
      agent: r.agent,
      team: r.team,
      state: r.state,
      response_since: maybeDate(r.responseSince),
      response_ms: ms(r.responseSince, r.at),
      first_response_ms: f.firstResponse?.seq === r.seq ? ms(f.neededHumanAt, r.at) : null,
    });
  }
  for (const c of f.cycles) {
    out.conversation_cycles.push({
      ...filters,
      seq: c.seq,
      opened_at: date(c.openedAt),
      human_at: maybeDate(c.humanAt),
      ended_at: maybeDate(c.endedAt),
      outcome: c.outcome,
      resolved_by: c.resolvedBy,
      agent: c.agent,
      team: c.team,
      resolution_ms: c.outcome === 'resolved' ? ms(c.humanAt, c.endedAt) : null,
      reopened_at: maybeDate(c.reopenedAt),
    });
  }
  for (const h of f.handovers) {
    out.conversation_handovers.push({
      ...filters,
      seq: h.seq,
      at: date(h.at),
      from_team: h.fromTeam,
      to_team: h.toTeam,
      from_agent: h.fromAgent,
      assigned_at: maybeDate(h.assignedAt),
      ended_at: maybeDate(h.endedAt),
      ended_by: h.endedBy,
      lost_ms: ms(h.at, h.endedAt),
      requeue_ms: ms(h.at, h.assignedAt),
    });
  }
  const demand = new Map<number, { started: number; messages_in: number }>();
  const count = (ms: number, key: 'started' | 'messages_in') => {
    const b = bucketOf(ms);
    const d = demand.get(b) ?? { started: 0, messages_in: 0 };
    d[key]++;
    demand.set(b, d);
  };
  count(f.startedAt, 'started');
  for (const m of f.messagesIn) count(m, 'messages_in');
  for (const [b, d] of [...demand].sort((x, y) => x[0] - y[0])) out.conversation_demand.push({ ...filters, bucket: date(b), ...d, teams: f.teams });
  const staffing = new Map<string, Insertable<ConversationStaffingTable>>();
  for (const a of f.actions) {
    const b = bucketOf(a.at);
    const key = `${b}|${a.agent}`;
    if (!staffing.has(key)) staffing.set(key, { ...filters, bucket: date(b), agent: a.agent, team: a.team });
  }
  out.conversation_staffing.push(...staffing.values());
};
