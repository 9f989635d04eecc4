// Writes one demo conversation's events in time order, checking each against the lifecycle it is meant to drive.
import { DEFAULT_CONVERSATION_TTL_MS } from '../../domain/conversations/index.ts';
import { conversation, impliedTarget } from '../../domain/journeys/index.ts';
import type { Channel } from '../../domain/shared/channels.ts';
import type { DemoEvent } from './demo-journeys.ts';
import type { Draws } from './demo-random.ts';
import { BOT_ID, type Agent, type Platform } from './demo-cast.ts';

export interface ConversationBuilder {
  readonly events: DemoEvent[];
  /** The state after each event (what the decider should conclude from the events up to it). */
  readonly states: string[];
  readonly t: number;
  readonly state: string;
  /** Lets time pass; every event is at least a second after the one before, so no two share a time. */
  wait(ms: number): void;
  /** Time passes until `ms` (never backwards). */
  waitUntil(ms: number): void;
  /**
   * Records an event at the current time. `to` is the state it is meant to move the conversation to; the lifecycle
   * must agree (and an event without `to` must move nothing), or the generator has a bug.
   */
  emit(type: string, channel: Channel, actor: DemoEvent['actor'], details: Record<string, unknown>, to?: string): void;
  customer(afterMs: number, to?: string): void;
  bot(): void;
  system(): void;
  agent(agent: Agent, afterMs: number): void;
}

export const conversationBuilder = (d: Draws, ref: string, platform: Platform, startMs: number): ConversationBuilder => {
  const events: DemoEvent[] = [];
  const states: string[] = [];
  let t = startMs;
  let state = conversation.initial;
  let messages = 0;
  const messageId = () => `${ref}-${++messages}`;
  const emit: ConversationBuilder['emit'] = (event_type, channel, actor, details, to) => {
    const implied = impliedTarget(conversation, state, { eventType: event_type, details, optOut: false });
    if (implied !== to) throw new Error(`demo conversation ${ref}: ${event_type} in ${state} moves to ${implied ?? 'nothing'}, meant ${to ?? 'nothing'}`);
    state = to ?? state;
    events.push({ event_type, channel, occurred_at: new Date(t).toISOString(), actor, details });
    states.push(state);
  };
  const wait = (ms: number) => {
    t += Math.max(1000, Math.round(ms));
  };
  // A reply comes before the state's idle limit passes (a long tail is drawn now and then): past it the TTL worker
  // would have expired the conversation first.
  const reply = (ms: number) => {
    const limit = DEFAULT_CONVERSATION_TTL_MS[state];
    wait(limit === undefined ? ms : Math.min(ms, limit - 60_000));
  };
  return {
    events,
    states,
    get t() {
      return t;
    },
    get state() {
      return state;
    },
    wait,
    waitUntil: (ms) => wait(ms - t),
    emit,
    customer(afterMs, to) {
      reply(afterMs);
      emit('MESSAGE_RECEIVED', 'CHAT', { type: 'customer' }, { source: platform, message_id: messageId(), length: d.int(4, 240) }, to);
    },
    bot() {
      wait(d.int(700, 3500));
      emit('MESSAGE_SENT', 'CHAT', { type: 'bot', id: BOT_ID }, { source: platform, sender: 'bot', message_id: messageId(), length: d.int(40, 320) });
    },
    system() {
      wait(d.int(500, 1500));
      emit('MESSAGE_SENT', 'CHAT', { type: 'system' }, { source: platform, sender: 'system', message_id: messageId(), length: d.int(40, 120) });
    },
    agent(agent, afterMs) {
      reply(afterMs);
      const details = { source: platform, sender: 'agent', agent_id: agent.id, team: agent.team, message_id: messageId(), length: d.int(15, 420) };
      emit('MESSAGE_SENT', 'CHAT', { type: 'human', id: agent.id }, details);
    },
  };
};
