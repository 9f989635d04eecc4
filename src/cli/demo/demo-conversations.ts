// Realistic synthetic conversations (seeded): bot, web views, queues, agents, hand-overs, expiry, reopening, closing.
import { DEFAULT_CONVERSATION_TTL_MS, TTL_ACTOR } from '../../domain/conversations/index.ts';
import type { ConversationCategories } from '../../domain/journeys/index.ts';
import type { DemoEvent } from './demo-journeys.ts';
import { draws, mixSeed, type Draws } from './demo-random.ts';
import { conversationBuilder, type ConversationBuilder } from './demo-conversation-builder.ts';
import { eligibleParent, type DemoContext } from './demo-context.ts';
import { demandTime, isOpen, loadAt, nextOpening } from './demo-demand.ts';
import * as cast from './demo-cast.ts';
import type { Agent, Platform, Team, Webview } from './demo-cast.ts';

export interface DemoConversation {
  index: number;
  opening: { channel: 'CHAT' | 'SMS'; dealer_code: string; customer_id: string; started_at: string; platform: Platform; parent_guid?: string; categories: ConversationCategories };
  events: DemoEvent[];
  /** The state after each event, and the one they leave the conversation in: what the lifecycle must conclude. */
  states: string[];
  state: string;
}

interface Conv {
  d: Draws;
  b: ConversationBuilder;
  ctx: DemoContext;
  /** The department's team: who answers first. */
  team: Team;
  nature: string;
  priority: string;
  reopened: boolean;
}

const HOUR = 3_600_000;
const BOT = { type: 'bot', id: cast.BOT_ID } as const;
const SYSTEM = { type: 'system' } as const;
const CUSTOMER = { type: 'customer' } as const;
const human = (a: Agent) => ({ type: 'human', id: a.id }) as const;

/** What the TTL worker writes (src/domain/conversations/idle-expiry.ts): the limit passed, counted from the last event. */
const expire = (c: Conv) => {
  const state = c.b.state;
  const ttl = DEFAULT_CONVERSATION_TTL_MS[state]! / 1000;
  c.b.wait(ttl * 1000);
  c.b.emit('SESSION_EXPIRED', 'SYSTEM', { ...TTL_ACTOR }, { idle_seconds: ttl, state, ttl_seconds: ttl }, 'EXPIRED');
};

const resolve = (c: Conv, by: 'bot' | 'agent' | 'customer', agent?: Agent) => {
  c.b.wait(by === 'agent' ? c.d.duration(60_000, 0.8) : c.d.int(2000, 20_000));
  c.b.emit('CONVERSATION_RESOLVED', 'CHAT', by === 'bot' ? BOT : by === 'agent' ? human(agent!) : CUSTOMER, { resolved_by: by, ...(by === 'agent' ? { agent_id: agent!.id } : {}) }, 'RESOLVED');
  // A resolved conversation may come back once (the reopen rate); otherwise the platform often closes it later.
  if (!c.reopened && c.d.chance(by === 'bot' ? 0.15 : 0.09)) {
    returnVisit(c, Math.max(20 * 60_000, c.d.duration(6 * HOUR, 1.2)));
  } else if (c.d.chance(0.5)) {
    c.b.wait(48 * HOUR + c.d.duration(4 * HOUR, 0.8));
    c.b.emit('CLOSED', 'SYSTEM', SYSTEM, {}, 'CLOSED');
  }
};

/** The customer writes again after a resolution or an expiry: back to the inbound queue and the bot. */
const returnVisit = (c: Conv, afterMs: number) => {
  c.reopened = true;
  c.b.customer(afterMs, 'INBOUND_QUEUE');
  c.b.wait(c.d.int(500, 2000));
  c.b.emit('BOT_SESSION_STARTED', 'CHAT', BOT, { bot_id: cast.BOT_ID, intent: c.nature }, 'BOT_SESSION');
  c.b.bot();
  if (c.d.chance(0.45)) {
    c.b.customer(c.d.duration(30_000, 0.8));
    c.b.bot();
    resolve(c, 'bot');
  } else escalate(c, 'customer_request', c.team, 1);
};

const escalate = (c: Conv, reason: string, team: Team, hops: number, webview?: { webview_id: string; step: string; note: string }) => {
  c.b.wait(c.d.int(1000, 6000));
  const details = { reason, team, ...(webview ?? {}) };
  c.b.emit('ESCALATION_REQUESTED', webview ? 'WEBVIEW' : 'CHAT', reason === 'customer_request' ? CUSTOMER : BOT, details, 'PENDING_AGENT');
  if (c.d.chance(0.7)) c.b.system();
  humanPhase(c, team, hops);
};

/** Waiting for an agent: until the team opens, then longer when busy, shorter for urgent conversations. */
const queueWait = (c: Conv, team: Team) => {
  const open = nextOpening(c.ctx.clock, team, c.b.t);
  const staffing = Math.sqrt(5 / cast.AGENTS[team].length);
  const urgency = c.priority === 'urgent' || c.priority === 'high' ? 0.6 : 1;
  return open - c.b.t + c.d.duration(100_000 * loadAt(c.ctx.clock, open) * staffing * urgency, 0.9);
};

const humanPhase = (c: Conv, team: Team, hops: number): void => {
  const { b, d } = c;
  const wait = queueWait(c, team);
  if (wait > DEFAULT_CONVERSATION_TTL_MS['PENDING_AGENT']!) {
    // Nobody came (a night-time escalation): the queue expires it; many write again once the team is in.
    expire(c);
    if (!c.reopened && d.chance(0.55)) returnVisit(c, nextOpening(c.ctx.clock, team, b.t) - b.t + d.duration(40 * 60_000, 0.7));
    return;
  }
  b.wait(wait);
  const agent = d.pick(cast.AGENTS[team]);
  b.emit('AGENT_ASSIGNED', 'CHAT', SYSTEM, { agent_id: agent.id, team, queue: team }, 'HUMAN_ASSISTANCE');
  b.agent(agent, d.duration(70_000 * agent.pace, 0.8));
  for (let i = d.int(1, 4); i > 0; i--) {
    b.customer(d.duration(50_000, 1.1));
    b.agent(agent, d.duration(55_000 * agent.pace * Math.max(0.7, Math.sqrt(loadAt(c.ctx.clock, b.t))), 0.9));
  }
  if (d.chance(0.08)) {
    b.wait(d.int(1000, 30_000));
    b.emit('CATEGORIES_UPDATED', 'CHAT', human(agent), d.chance(0.6) ? { priority: 'high' } : { query_nature: d.weighted(cast.QUERY_NATURES[team]) });
  }
  const to = d.weighted(cast.HANDOVERS[team]);
  // Agents hand over to a team that is in, or resolve what they can themselves.
  if (hops === 0 && d.chance(0.2) && isOpen(c.ctx.clock, to, b.t)) {
    b.wait(d.duration(40_000, 0.6));
    b.emit('HANDOVER', 'CHAT', human(agent), { to_team: to, from_team: team, from_agent_id: agent.id, reason: cast.HANDOVER_REASONS[to] }, 'PENDING_AGENT');
    return humanPhase(c, to, hops + 1);
  }
  if (hops === 0 && d.chance(0.06) && isOpen(c.ctx.clock, team, b.t)) {
    // The agent's shift ended with the conversation open: back to the queue for a colleague.
    b.wait(d.duration(5 * 60_000, 0.8));
    b.emit('AGENT_UNASSIGNED', 'CHAT', SYSTEM, { agent_id: agent.id, team }, 'PENDING_AGENT');
    return humanPhase(c, team, hops + 1);
  }
  if (d.chance(0.06 * agent.pace)) return expire(c);
  resolve(c, d.chance(0.1) ? 'customer' : 'agent', agent);
};

const webviewPhase = (c: Conv, wv: Webview) => {
  const { b, d } = c;
  b.bot();
  b.wait(d.duration(15_000, 0.8));
  b.emit('WEBVIEW_OPENED', 'WEBVIEW', CUSTOMER, { webview_id: wv.id, url: `https://dealers.example.com/${wv.id}`, intent: c.nature });
  for (const [i, step] of wv.steps.entries()) {
    b.wait(i === 0 ? d.int(800, 4000) : d.duration(wv.steps[i - 1]!.medianS * 1000, 0.6));
    b.emit('WEBVIEW_STEP', 'WEBVIEW', CUSTOMER, { webview_id: wv.id, step: step.name, step_index: i });
    const r = d.next();
    if (r < step.escalate) {
      b.wait(d.duration(step.medianS * 700, 0.6));
      return escalate(c, 'customer_request', c.team, 0, { webview_id: wv.id, step: step.name, note: step.note });
    }
    if (r < step.escalate + step.drop) {
      b.wait(d.duration(step.medianS * 1000, 0.8));
      b.emit('WEBVIEW_EXIT', 'WEBVIEW', CUSTOMER, { webview_id: wv.id, step: step.name, reason: d.weighted(step.exits) });
      const next = d.next();
      if (next < 0.45) return expire(c);
      b.customer(d.duration(60_000, 0.9));
      b.bot();
      return next < 0.8 ? escalate(c, d.chance(0.6) ? 'customer_request' : 'bot_fallback', c.team, 0) : resolve(c, 'bot');
    }
  }
  b.wait(d.duration(wv.steps.at(-1)!.medianS * 1000, 0.6));
  b.emit('WEBVIEW_COMPLETED', 'WEBVIEW', CUSTOMER, { webview_id: wv.id, result: wv.result });
  b.bot();
  if (d.chance(0.4)) b.customer(d.duration(20_000, 0.8));
  resolve(c, 'bot');
};

const botPhase = (c: Conv) => {
  const { b, d } = c;
  const offered = cast.WEBVIEW_FOR[c.nature];
  if (offered && d.chance(offered[1])) return webviewPhase(c, cast.WEBVIEWS[offered[0]]!);
  if (c.priority === 'urgent' || (c.nature === 'financing' && d.chance(0.5))) return escalate(c, 'policy', c.team, 0);
  const r = d.next();
  if (r < 0.36) {
    for (let i = d.int(0, 2); i > 0; i--) {
      b.customer(d.duration(35_000, 0.9));
      b.bot();
    }
    return resolve(c, d.chance(0.85) ? 'bot' : 'customer');
  }
  if (r < 0.45) return expire(c);
  if (!isOpen(c.ctx.clock, c.team, b.t) && d.chance(0.5)) {
    // The bot says the team is closed: many leave it there rather than wait for the morning.
    b.bot();
    return d.chance(0.6) ? expire(c) : resolve(c, 'customer');
  }
  escalate(c, d.weighted(cast.ESCALATION_REASONS), c.team, 0);
};

/** Conversation `index` of `seed`: the same pair always gives the same conversation. */
export const demoConversation = (seed: number, index: number, ctx: DemoContext): DemoConversation => {
  const d = draws(mixSeed(seed, index));
  const t0 = demandTime(d, ctx.clock, ctx.start, ctx.end);
  const parent = ctx.parents.length > 0 && d.chance(0.1) ? eligibleParent(d, ctx.parents, t0) : undefined;
  const team: Team = parent ? 'service' : d.weighted(cast.DEPARTMENTS);
  const nature = parent ? 'recall' : d.weighted(cast.QUERY_NATURES[team]);
  const platform: Platform = parent ? d.weighted([['sms', 0.6], ['whatsapp', 0.4]] as const) : d.weighted(cast.PLATFORMS);
  const priority = parent && d.chance(0.5) ? 'high' : d.weighted(cast.PRIORITIES);
  // Most entry points say what they are for; otherwise the bot's intent detection sets the query nature.
  const natureKnown = d.chance(0.6);
  const categories: ConversationCategories = { department: team, ...(natureKnown ? { query_nature: nature } : {}), language: d.weighted(cast.LANGUAGES), priority };
  const b = conversationBuilder(d, `dm-${seed}-${index}`, platform, t0 - 1000);
  const c: Conv = { d, b, ctx, team, nature, priority, reopened: false };
  b.customer(0);
  b.wait(d.int(500, 2000));
  b.emit('BOT_SESSION_STARTED', 'CHAT', BOT, { bot_id: cast.BOT_ID, intent: nature }, 'BOT_SESSION');
  b.bot();
  b.customer(d.duration(40_000, 0.8));
  if (!natureKnown) {
    b.wait(d.int(300, 1500));
    b.emit('CATEGORIES_UPDATED', 'CHAT', BOT, { query_nature: nature });
  }
  b.bot();
  botPhase(c);
  // What happens after `end` has not happened yet: the conversation is still open at `end`.
  const kept = b.events.findIndex((e) => Date.parse(e.occurred_at) >= ctx.end);
  const events = kept < 0 ? b.events : b.events.slice(0, kept);
  return {
    index,
    opening: {
      channel: platform === 'sms' ? 'SMS' : 'CHAT',
      dealer_code: parent?.dealer_code ?? d.pick(cast.DEMO_DEALERS),
      customer_id: `dc-${seed}-${index}`,
      started_at: new Date(t0).toISOString(),
      platform,
      ...(parent ? { parent_guid: parent.guid } : {}),
      categories,
    },
    events,
    states: b.states.slice(0, events.length),
    state: b.states[events.length - 1]!,
  };
};
