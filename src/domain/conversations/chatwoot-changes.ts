// What a Chatwoot conversation event changed, as conversation events: its creation, a status change (the bot's
// session, the hand-off to agents, resolution), an update (assignee, team, categories). Each event id is the
// conversation, what changed and Chatwoot's time of the change, so a redelivery is stored once.
import {
  agentId,
  assignedAgent,
  categoriesOf,
  categorySourceOf,
  chatwootMs,
  teamName,
  type CategorySource,
  type ChatwootConversationRef,
} from './chatwoot-conversation.ts';
import { messageEvents, type ChatwootTrackingEvent } from './chatwoot-messages.ts';
import { chatwootMessage, type ChatwootChange, type ChatwootConversation } from './chatwoot-payload.ts';

const CHATWOOT = { type: 'system', id: 'chatwoot' } as const;
const idText = (v: unknown): string | null => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' && /^\d{1,18}$/.test(v) ? v : null);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * At creation: its categories, a bot session when Chatwoot opened it `pending` (an inbox with an active agent bot),
 * its agent when it was created assigned, and the message inside the conversation object (its own message_created
 * carries the same id). All at the conversation's start.
 */
export const createdEvents = (ref: ChatwootConversationRef, c: ChatwootConversation): ChatwootTrackingEvent[] => {
  const at = ref.startedAt;
  const out: ChatwootTrackingEvent[] = [];
  const categories = categoriesOf(categorySourceOf(c));
  if (Object.keys(categories).length > 0) out.push({ event_id: `${ref.key}:opened:categories`, event_type: 'CATEGORIES_UPDATED', occurred_at: at, actor: CHATWOOT, details: categories });
  if (c.status === 'pending') out.push({ event_id: `${ref.key}:opened:bot`, event_type: 'BOT_SESSION_STARTED', occurred_at: at, actor: { type: 'bot' }, details: {} });
  const agent = assignedAgent(c);
  const team = c.meta?.team?.name;
  if (agent) out.push({ event_id: `${ref.key}:opened:assignee:${agent}`, event_type: 'AGENT_ASSIGNED', occurred_at: at, actor: CHATWOOT, details: { agent_id: agentId(agent), ...(team ? { team } : {}) } });
  for (const raw of c.messages ?? []) {
    const m = chatwootMessage.safeParse(raw);
    // The conversation's last message is a courtesy copy: one Threadline cannot read is left to its own event.
    const mapped = m.success ? messageEvents(ref, c, m.data) : null;
    if (mapped?.ok) out.push(...mapped.events);
  }
  return out;
};

/** When a change happened: the update's own `updated_at` when it says, else the conversation's. */
const changedAt = (c: ChatwootConversation, changes: ReadonlyMap<string, ChatwootChange>): number | null =>
  chatwootMs(changes.get('updated_at')?.current as string | undefined) ?? chatwootMs(c.updated_at) ?? chatwootMs(c.timestamp);

export type ChangeOutcome = { ok: true; events: ChatwootTrackingEvent[] } | { ok: false; path: string; message: string };
const noTime: ChangeOutcome = { ok: false, path: 'updated_at', message: 'no time for the change: neither updated_at nor timestamp is a time' };

/**
 * A status change: `pending` is Chatwoot's bot-handling state (BOT_SESSION_STARTED); `pending` to `open` is the bot
 * handing off (ESCALATION_REQUESTED, bot_fallback); `resolved` is CONVERSATION_RESOLVED, by the agent assigned, else
 * by the bot. Resolved to open is a reopen, which Threadline's lifecycle takes from the customer's message only;
 * snoozing is no state of Threadline's.
 */
export const statusEvents = (ref: ChatwootConversationRef, c: ChatwootConversation, changes: ReadonlyMap<string, ChatwootChange>): ChangeOutcome => {
  const change = changes.get('status');
  const previous = typeof change?.previous === 'string' ? change.previous : null;
  const current = typeof change?.current === 'string' ? change.current : (c.status ?? null);
  const at = chatwootMs(c.updated_at) ?? chatwootMs(c.timestamp);
  if (at === null) return noTime;
  const base = { event_id: `${ref.key}:status:${previous ?? 'unknown'}-${current}:${at}`, occurred_at: iso(at) };
  if (current === 'pending') return { ok: true, events: [{ ...base, event_type: 'BOT_SESSION_STARTED', actor: { type: 'bot' }, details: {} }] };
  if (current === 'open' && previous === 'pending') {
    const team = c.meta?.team?.name;
    return { ok: true, events: [{ ...base, event_type: 'ESCALATION_REQUESTED', actor: { type: 'bot' }, details: { reason: 'bot_fallback', ...(team ? { team } : {}) } }] };
  }
  if (current === 'resolved') {
    const agent = assignedAgent(c);
    const resolved: ChatwootTrackingEvent = agent
      ? { ...base, event_type: 'CONVERSATION_RESOLVED', actor: { type: 'human', id: agentId(agent) }, details: { resolved_by: 'agent', agent_id: agentId(agent) } }
      : { ...base, event_type: 'CONVERSATION_RESOLVED', actor: { type: 'bot' }, details: { resolved_by: 'bot' } };
    return { ok: true, events: [resolved] };
  }
  return { ok: true, events: [] };
};

/** The categories before and after an update: each source the update changed, taken from the change itself. */
const categoryChange = (c: ChatwootConversation, changes: ReadonlyMap<string, ChatwootChange>) => {
  const now = categorySourceOf(c);
  const side = (pick: (x: ChatwootChange) => unknown): CategorySource => {
    const record = (key: string, fallback: CategorySource['custom']) => {
      const ch = changes.get(key);
      const v = ch ? pick(ch) : fallback;
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    };
    const priority = changes.get('priority');
    return { custom: record('custom_attributes', now.custom), priority: priority ? pick(priority) : now.priority, additional: record('additional_attributes', now.additional) };
  };
  const before = categoriesOf(side((x) => x.previous));
  const after = categoriesOf(side((x) => x.current));
  return Object.fromEntries(Object.entries(after).filter(([k, v]) => before[k as keyof typeof before] !== v));
};

/**
 * An update: a team change of a conversation that had a team or an agent is a HANDOVER (then its agent, if it keeps
 * or gets one, is assigned again in the new team); otherwise an agent set is AGENT_ASSIGNED and an agent removed
 * AGENT_UNASSIGNED; categories that changed are CATEGORIES_UPDATED. Status changes are left to
 * conversation_status_changed, which Chatwoot sends for the same update.
 */
export const updateEvents = (ref: ChatwootConversationRef, c: ChatwootConversation, changes: ReadonlyMap<string, ChatwootChange>): ChangeOutcome => {
  const at = changedAt(c, changes);
  if (at === null) return noTime;
  const occurred_at = iso(at);
  const out: ChatwootTrackingEvent[] = [];
  const assignee = changes.get('assignee_id');
  const team = changes.get('team_id');
  const [prevAgent, agentNow] = assignee ? [idText(assignee.previous), idText(assignee.current)] : [assignedAgent(c), assignedAgent(c)];
  const [prevTeam, teamNow] = team ? [idText(team.previous), idText(team.current)] : [null, c.meta?.team?.id ?? null];
  const teamNameNow = teamNow ? teamName(c, teamNow) : undefined;
  const assign = (agent: string, from: string | null) =>
    out.push({ event_id: `${ref.key}:assignee:${from ?? 'none'}-${agent}:${at}`, event_type: 'AGENT_ASSIGNED', occurred_at, actor: CHATWOOT, details: { agent_id: agentId(agent), ...(teamNameNow ? { team: teamNameNow } : {}) } });
  if (team && teamNow && teamNow !== prevTeam && (prevTeam !== null || prevAgent !== null)) {
    out.push({
      event_id: `${ref.key}:handover:${prevTeam ?? 'none'}-${teamNow}:${at}`,
      event_type: 'HANDOVER',
      occurred_at,
      actor: CHATWOOT,
      details: { to_team: teamName(c, teamNow), ...(prevAgent ? { from_agent_id: agentId(prevAgent) } : {}) },
      ...(prevTeam !== null ? { fromTeamFromJourney: true as const } : {}),
    });
    if (agentNow) assign(agentNow, prevAgent);
  } else if (assignee && agentNow && agentNow !== prevAgent) {
    assign(agentNow, prevAgent);
  } else if (assignee && !agentNow && prevAgent) {
    const teamAt = c.meta?.team?.name;
    out.push({ event_id: `${ref.key}:assignee:${prevAgent}-none:${at}`, event_type: 'AGENT_UNASSIGNED', occurred_at, actor: CHATWOOT, details: { agent_id: agentId(prevAgent), ...(teamAt ? { team: teamAt } : {}) } });
  }
  const categories = categoryChange(c, changes);
  if (Object.keys(categories).length > 0) out.push({ event_id: `${ref.key}:categories:${at}`, event_type: 'CATEGORIES_UPDATED', occurred_at, actor: CHATWOOT, details: categories });
  return { ok: true, events: out };
};
