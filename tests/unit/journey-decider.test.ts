// The generic decider over both journey kinds: every allowed move, a sample of forbidden ones, implied moves.
import { describe, expect, it } from 'vitest';
import { allStates, canTransition, type JourneyDefinition } from '../../src/domain/journeys/journey-definition.ts';
import { decide, evolve, initialState, type JourneyState } from '../../src/domain/journeys/journey-decider.ts';
import type { JourneyEvent } from '../../src/domain/journeys/journey-events.ts';
import { conversation, outreach } from '../../src/domain/journeys/journey-kinds.ts';
import type { TrackingEvent } from '../../src/domain/journeys/tracking-event.ts';

const GUID = 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2';
const T0 = Date.parse('2024-12-07T10:00:00Z');
const iso = (min: number) => new Date(T0 + min * 60_000).toISOString();

const fold = (events: JourneyEvent[]): JourneyState => events.reduce(evolve, initialState());

/** A journey of `d`'s kind standing in `state` (reached by an explicit transition event). */
const journeyIn = (d: JourneyDefinition, state: string): JourneyState => {
  const created: JourneyEvent = {
    type: 'JourneyCreated',
    data: { guid: GUID, kind: d.kind, created_at: iso(0), dealer_code: 'DET001', vin: null, customer_id: null, risk_event: null, channel: null },
  };
  if (state === d.initial) return fold([created]);
  return fold([created, { type: 'JourneyTransitioned', data: { guid: GUID, from: d.initial, to: state, at: iso(1), cause_event_id: null, trigger: 'explicit', reason: null, metadata: null } }]);
};

const request = (to: string) => ({ type: 'RequestTransition' as const, data: { guid: GUID, to, at: iso(5), reason: null, metadata: null, fact_id: `request-${to}` } });

const event = (event_type: string, min: number, details: Record<string, unknown> = {}, event_id = `${event_type}-${min}`): TrackingEvent => ({
  event_id,
  guid: GUID,
  event_type,
  channel: 'EMAIL',
  occurred_at: iso(min),
  received_at: iso(min),
  actor: null,
  dealer_code: null,
  session_id: null,
  user_id: null,
  details,
});

const logged = (s: JourneyState, events: TrackingEvent[]) => {
  const d = decide({ type: 'LogEvents', data: { events } }, s);
  if (!d.ok) throw new Error(d.error.message);
  return d.events;
};

describe.each([outreach, conversation])('$kind lifecycle', (d) => {
  const states = allStates(d);
  const pairs = states.flatMap((from) => states.filter((to) => to !== from).map((to) => [from, to] as const));
  const allowed = pairs.filter(([f, t]) => canTransition(d, f, t));
  const forbidden = pairs.filter(([f, t]) => !canTransition(d, f, t));

  it.each(allowed)('allows %s -> %s', (from, to) => {
    const result = decide(request(to), journeyIn(d, from));
    expect(result).toMatchObject({ ok: true, events: [{ type: 'JourneyTransitioned', data: { from, to, trigger: 'explicit' } }] });
  });

  it.each(forbidden.filter((_, i) => i % 3 === 0))('forbids %s -> %s with "Cannot go from X to Y"', (from, to) => {
    const result = decide(request(to), journeyIn(d, from));
    expect(result).toEqual({ ok: false, error: { code: 'invalid_transition', message: `Cannot go from ${from} to ${to}`, from, to } });
  });

  it('has terminal states with no way out', () => {
    for (const t of d.terminal) for (const to of states) expect(canTransition(d, t, to)).toBe(false);
  });
});

describe('outreach rules', () => {
  it('never moves backward (except a cancelled appointment), and skipping forward is allowed', () => {
    const order = outreach.progress;
    for (let i = 0; i < order.length; i++)
      for (let j = 0; j < i; j++) {
        const backward = canTransition(outreach, order[i]!, order[j]!);
        expect(backward).toBe(order[i] === 'SCHEDULED' && order[j] === 'ENGAGED');
      }
    expect(canTransition(outreach, 'CREATED', 'SCHEDULED')).toBe(true);
  });

  it('implies CONTACTED on an outbound send and ENGAGED on a customer response', () => {
    let s = journeyIn(outreach, 'CREATED');
    const a = logged(s, [event('EMAIL_SENT', 2), event('EMAIL_CLICKED', 3)]);
    expect(a.filter((e) => e.type === 'JourneyTransitioned').map((e) => e.data)).toMatchObject([
      { from: 'CREATED', to: 'CONTACTED', cause_event_id: 'EMAIL_SENT-2', trigger: 'event' },
      { from: 'CONTACTED', to: 'ENGAGED', cause_event_id: 'EMAIL_CLICKED-3' },
    ]);
    s = a.reduce(evolve, s);
    expect(s.state).toBe('ENGAGED');
  });

  it('moves on lifecycle event types named like a state', () => {
    const out = logged(journeyIn(outreach, 'CREATED'), [event('QUEUED', 2), event('SCHEDULED', 3)]);
    expect(out.filter((e) => e.type === 'JourneyTransitioned').map((e) => e.data.to)).toEqual(['QUEUED', 'SCHEDULED']);
  });

  it('stores a late or backward-implying event without moving the current state', () => {
    const s = journeyIn(outreach, 'ENGAGED'); // entered at minute 1 by an explicit request
    // Late: it lands in the past (the timeline is revised), and the request made afterwards still holds.
    const late = logged(s, [event('SCHEDULED', 0)]);
    expect(late.map((e) => e.type)).toEqual(['TrackingEventLogged', 'JourneyTimelineRevised']);
    expect(late.reduce(evolve, s).state).toBe('ENGAGED');
    const backward = logged(s, [event('EMAIL_SENT', 10)]);
    expect(backward.map((e) => e.type)).toEqual(['TrackingEventLogged']);
  });

  it('returns to ENGAGED on a cancelled appointment, and revives ABANDONED on a response', () => {
    expect(logged(journeyIn(outreach, 'SCHEDULED'), [event('APPOINTMENT_CANCELLED', 5)])[1]).toMatchObject({ data: { from: 'SCHEDULED', to: 'ENGAGED' } });
    expect(logged(journeyIn(outreach, 'SCHEDULED'), [event('EMAIL_CLICKED', 5)])).toHaveLength(1);
    expect(logged(journeyIn(outreach, 'ABANDONED'), [event('SMS_RECEIVED', 5)])[1]).toMatchObject({ data: { from: 'ABANDONED', to: 'ENGAGED' } });
  });

  it('only implies ENGAGED for a connected call', () => {
    expect(logged(journeyIn(outreach, 'CONTACTED'), [event('CALL_COMPLETED', 5, { outcome: 'voicemail' })])).toHaveLength(1);
    expect(logged(journeyIn(outreach, 'CONTACTED'), [event('CALL_COMPLETED', 5, { outcome: 'connected' })])).toHaveLength(2);
  });

  it('stores an event_id once, within a batch and across commands', () => {
    const s = journeyIn(outreach, 'CREATED');
    const first = logged(s, [event('EMAIL_SENT', 2, {}, 'x'), event('EMAIL_SENT', 3, {}, 'x')]);
    expect(first.filter((e) => e.type === 'TrackingEventLogged')).toHaveLength(1);
    expect(logged(first.reduce(evolve, s), [event('EMAIL_SENT', 4, {}, 'x')])).toEqual([]);
  });

  it('refuses commands on a journey that does not exist, and a second creation', () => {
    expect(decide(request('QUEUED'), initialState())).toMatchObject({ ok: false, error: { code: 'unknown_guid' } });
    const s = journeyIn(outreach, 'CREATED');
    expect(decide({ type: 'CreateJourney', data: { guid: GUID, kind: 'outreach', created_at: iso(0), dealer_code: null, vin: null, customer_id: null, risk_event: null, channel: null } }, s)).toMatchObject({ ok: false, error: { code: 'journey_exists' } });
  });

  it('treats a request for the current state as a retry', () => {
    expect(decide(request('QUEUED'), journeyIn(outreach, 'QUEUED'))).toEqual({ ok: true, events: [] });
  });
});

describe('conversation rules', () => {
  it('goes bot -> pending agent -> human -> hand-over -> human -> resolved -> reopen', () => {
    let s = journeyIn(conversation, 'INBOUND_QUEUE');
    const steps: [string, Record<string, unknown>][] = [
      ['BOT_SESSION_STARTED', {}],
      ['ESCALATION_REQUESTED', { reason: 'customer_request' }],
      ['AGENT_ASSIGNED', { agent_id: 'a1' }],
      ['HANDOVER', { to_team: 'billing' }],
      ['AGENT_ASSIGNED', { agent_id: 'a2' }],
      ['CONVERSATION_RESOLVED', { resolved_by: 'agent' }],
      ['MESSAGE_RECEIVED', { source: 'whatsapp' }],
    ];
    const seen: string[] = [];
    steps.forEach(([type, details], i) => {
      const out = logged(s, [event(type, 2 + i, details)]);
      s = out.reduce(evolve, s);
      seen.push(s.state!);
    });
    expect(seen).toEqual(['BOT_SESSION', 'PENDING_AGENT', 'HUMAN_ASSISTANCE', 'PENDING_AGENT', 'HUMAN_ASSISTANCE', 'RESOLVED', 'INBOUND_QUEUE']);
  });

  it('lets a bot resolve and the TTL worker expire a session', () => {
    expect(logged(journeyIn(conversation, 'BOT_SESSION'), [event('CONVERSATION_RESOLVED', 5, { resolved_by: 'bot' })])[1]).toMatchObject({ data: { to: 'RESOLVED' } });
    expect(logged(journeyIn(conversation, 'PENDING_AGENT'), [event('SESSION_EXPIRED', 5)])[1]).toMatchObject({ data: { to: 'EXPIRED' } });
  });

  it('does not hand back on a late escalation', () => {
    expect(logged(journeyIn(conversation, 'HUMAN_ASSISTANCE'), [event('ESCALATION_REQUESTED', 9, { reason: 'policy' })])).toHaveLength(1);
  });
});
