// A conversation's report facts, folded from its complete event list by event time: who held it in which state and
// when, human replies and the response clocks they stop, resolution cycles and reopens, hand-overs and the time they
// cost. The lifecycle itself is the journeys domain's timeline; this fold only reads it (docs/conversations.md).
import { compareFacts, conversation, explicitFact, foldTimeline, parseGuid, trackingFact, type ConversationCategories, type LifecycleFact, type TimelineEntry } from '../journeys/index.ts';
import { orderItems, type ConversationEvent, type ConversationItem, type ConversationOpening } from './conversation-input.ts';

const PENDING = 'PENDING_AGENT';
const HUMAN = 'HUMAN_ASSISTANCE';
/** Waiting for or with a human: where the human clocks run. */
const HUMAN_HANDS: ReadonlySet<string> = new Set([PENDING, HUMAN]);
const OUTCOME: Readonly<Record<string, Cycle['outcome']>> = { RESOLVED: 'resolved', EXPIRED: 'expired', CLOSED: 'closed' };

/** A stretch of time in one state with one team and (in HUMAN_ASSISTANCE only) one agent. */
export interface Stay { seq: number; state: string; team: string | null; agent: string | null; enteredAt: number; leftAt: number | null; next: string | null }
/** A human-authored reply; `responseSince` is when its response clock started (null: it answered no running clock). */
export interface Reply { seq: number; at: number; agent: string | null; team: string | null; state: string; responseSince: number | null }
/** From the start or a reopen to RESOLVED, EXPIRED or CLOSED. `agent` and `team` held it when it ended in human hands. */
export interface Cycle {
  seq: number;
  openedAt: number;
  humanAt: number | null;
  endedAt: number | null;
  outcome: 'resolved' | 'expired' | 'closed' | 'open';
  resolvedBy: string | null;
  agent: string | null;
  team: string | null;
  reopenedAt: number | null;
}
/** Time lost runs from `at` to `endedAt`: the next agent reply, the next hand-over, or leaving human hands. */
export interface Handover { seq: number; at: number; fromTeam: string | null; toTeam: string; fromAgent: string | null; assignedAt: number | null; endedAt: number | null; endedBy: 'reply' | 'handover' | 'left' | null }
export interface AgentAction { at: number; agent: string; team: string | null; action: 'assigned' | 'replied' | 'resolved' }

export interface ConversationFacts {
  guid: string;
  dealer: string | null;
  startedAt: number;
  platform: string | null;
  parentGuid: string | null;
  /** Current: the opening's, then each CATEGORIES_UPDATED by event time (absent fields keep their value). */
  categories: ConversationCategories;
  state: string;
  stateEnteredAt: number;
  team: string | null;
  agent: string | null;
  /** The first entry into PENDING_AGENT or HUMAN_ASSISTANCE. */
  neededHumanAt: number | null;
  /** The first human reply at or after neededHumanAt (`seq`: its place among the replies). */
  firstResponse: { seq: number; at: number; agent: string | null; team: string | null } | null;
  stays: Stay[];
  replies: Reply[];
  cycles: Cycle[];
  handovers: Handover[];
  messagesIn: number[];
  actions: AgentAction[];
  teams: string[];
  reopens: number;
  lastEventAt: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const CATEGORY_FIELDS = ['department', 'query_nature', 'language', 'priority'] as const;

/** The moves of the journey timeline, keyed by the fact that caused each (`e:` event id, `x:` explicit request id). */
const movesOf = (opening: ConversationOpening, items: readonly ConversationItem[]): Map<string, TimelineEntry> => {
  const facts: LifecycleFact[] = [];
  for (const item of items) {
    const f = item.kind === 'event' ? trackingFact(conversation, item.event) : explicitFact({ ...item.move, reason: null, metadata: null });
    if (f) facts.push(f);
  }
  facts.sort(compareFacts);
  const moves = new Map<string, TimelineEntry>();
  for (const t of foldTimeline({ definition: conversation, startIso: opening.startedAt }, facts)) moves.set(t.cause_event_id !== null ? `e:${t.cause_event_id}` : `x:${t.fact_id}`, t);
  return moves;
};

export const foldConversation = (opening: ConversationOpening, items: readonly ConversationItem[]): ConversationFacts => {
  const start = Date.parse(opening.startedAt);
  const moves = movesOf(opening, items);
  const f: ConversationFacts = {
    guid: opening.guid, dealer: parseGuid(opening.guid)?.dealer ?? null, startedAt: start, platform: opening.platform, parentGuid: opening.parentGuid,
    categories: { ...opening.categories }, state: conversation.initial, stateEnteredAt: start, team: null, agent: null, neededHumanAt: null, firstResponse: null,
    stays: [], replies: [], cycles: [], handovers: [], messagesIn: [], actions: [], teams: [], reopens: 0, lastEventAt: start,
  };
  let stay: Stay = { seq: 0, state: f.state, team: null, agent: null, enteredAt: start, leftAt: null, next: null };
  f.stays.push(stay);
  let cycle: Cycle = { seq: 0, openedAt: start, humanAt: null, endedAt: null, outcome: 'open', resolvedBy: null, agent: null, team: null, reopenedAt: null };
  f.cycles.push(cycle);
  /** The response clock: the first customer message not yet answered while an agent holds the conversation. */
  let pending: number | null = null;
  let openHandovers: Handover[] = [];

  const enter = (at: number, state: string, team: string | null, agent: string | null) => {
    const held = state === HUMAN ? agent : null;
    if (state === stay.state && team === stay.team && held === stay.agent) return;
    stay.leftAt = at;
    stay.next = state;
    stay = { seq: f.stays.length, state, team, agent: held, enteredAt: at, leftAt: null, next: null };
    f.stays.push(stay);
    Object.assign(f, { state, stateEnteredAt: state === f.state ? f.stateEnteredAt : at, team, agent: held });
  };
  const endHandovers = (at: number, by: NonNullable<Handover['endedBy']>) => {
    for (const h of openHandovers) Object.assign(h, { endedAt: at, endedBy: by });
    openHandovers = [];
  };
  const handover = (at: number, fromTeam: string | null, toTeam: string, fromAgent: string | null) => {
    endHandovers(at, 'handover');
    const h: Handover = { seq: f.handovers.length, at, fromTeam, toTeam, fromAgent, assignedAt: null, endedAt: null, endedBy: null };
    f.handovers.push(h);
    openHandovers.push(h);
  };

  const move = (at: number, to: string, e: ConversationEvent | null) => {
    const prev = { state: f.state, team: f.team, agent: f.agent };
    const d = e?.details ?? {};
    const type = e?.event_type;
    let team = f.team;
    let agent: string | null = null;
    if (to === PENDING && type === 'HANDOVER') {
      team = str(d['to_team']) ?? team;
      handover(at, str(d['from_team']) ?? prev.team, team ?? '', str(d['from_agent_id']) ?? prev.agent);
    } else if (to === PENDING && (type === 'ESCALATION_REQUESTED' || type === 'AGENT_UNASSIGNED')) team = str(d['team']) ?? team;
    if (to === HUMAN && type === 'AGENT_ASSIGNED') [agent, team] = [str(d['agent_id']), str(d['team']) ?? team];
    if (prev.state === HUMAN && to !== HUMAN) pending = null;
    if (to === HUMAN) for (const h of openHandovers) h.assignedAt ??= at;
    if (!HUMAN_HANDS.has(to)) endHandovers(at, 'left');
    if (HUMAN_HANDS.has(to)) {
      f.neededHumanAt ??= at;
      cycle.humanAt ??= at;
    }
    const outcome = OUTCOME[to];
    if (outcome && cycle.endedAt === null) {
      const byAgent = prev.state === HUMAN ? prev.agent : null;
      Object.assign(cycle, { endedAt: at, outcome, resolvedBy: type === 'CONVERSATION_RESOLVED' ? str(d['resolved_by']) : null, agent: byAgent, team: cycle.humanAt !== null ? prev.team : null });
      if (outcome === 'resolved' && byAgent) f.actions.push({ at, agent: byAgent, team: prev.team, action: 'resolved' });
    }
    if (to === conversation.initial && (prev.state === 'RESOLVED' || prev.state === 'EXPIRED')) {
      cycle.reopenedAt = at;
      f.reopens++;
      cycle = { seq: f.cycles.length, openedAt: at, humanAt: null, endedAt: null, outcome: 'open', resolvedBy: null, agent: null, team: null, reopenedAt: null };
      f.cycles.push(cycle);
    }
    enter(at, to, team, agent);
    if (to === HUMAN && agent) f.actions.push({ at, agent, team, action: 'assigned' });
  };

  /** An event that moved nothing may still change who holds the conversation. */
  const still = (at: number, e: ConversationEvent) => {
    const d = e.details;
    if (e.event_type === 'AGENT_ASSIGNED' && f.state === HUMAN) {
      const agent = str(d['agent_id']);
      const team = str(d['team']) ?? f.team;
      if (agent !== f.agent || team !== f.team) {
        enter(at, HUMAN, team, agent);
        if (agent) f.actions.push({ at, agent, team, action: 'assigned' });
      }
    } else if (f.state === PENDING && e.event_type === 'HANDOVER' && str(d['to_team']) && d['to_team'] !== f.team) {
      handover(at, str(d['from_team']) ?? f.team, String(d['to_team']), null);
      enter(at, PENDING, String(d['to_team']), null);
    } else if (f.state === PENDING && e.event_type === 'ESCALATION_REQUESTED' && str(d['team']) && d['team'] !== f.team) {
      enter(at, PENDING, String(d['team']), null);
    }
  };

  const effects = (at: number, e: ConversationEvent) => {
    const d = e.details;
    if (e.event_type === 'MESSAGE_RECEIVED') {
      f.messagesIn.push(at);
      if (f.state === HUMAN) pending ??= at;
    } else if (e.event_type === 'MESSAGE_SENT' && d['sender'] === 'agent') {
      const agent = (e.actor?.type === 'human' ? str(e.actor.id) : null) ?? str(d['agent_id']) ?? f.agent;
      const team = str(d['team']) ?? f.team;
      f.replies.push({ seq: f.replies.length, at, agent, team, state: f.state, responseSince: pending });
      pending = null;
      if (f.neededHumanAt !== null && f.firstResponse === null) f.firstResponse = { seq: f.replies.length - 1, at, agent, team };
      endHandovers(at, 'reply');
      if (agent) f.actions.push({ at, agent, team, action: 'replied' });
    } else if (e.event_type === 'CATEGORIES_UPDATED') {
      for (const c of CATEGORY_FIELDS) if (str(d[c])) Object.assign(f.categories, { [c]: d[c] });
    }
  };

  for (const o of orderItems(items)) {
    f.lastEventAt = Math.max(f.lastEventAt, o.at);
    if (o.item.kind === 'explicit') {
      const t = moves.get(`x:${o.id}`);
      if (t) move(o.at, t.to, null);
      continue;
    }
    const e = o.item.event;
    const t = moves.get(`e:${o.id}`);
    if (t) move(o.at, t.to, e);
    else still(o.at, e);
    effects(o.at, e);
  }
  const teams = [...f.stays.map((s) => s.team), ...f.replies.map((r) => r.team), ...f.handovers.flatMap((h) => [h.fromTeam, h.toTeam])];
  f.teams = [...new Set(teams.filter((t): t is string => t !== null && t !== ''))].sort();
  return f;
};
