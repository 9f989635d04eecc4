// The lifecycle by event time: a journey's clock starts at its own event, and arrival order never changes the facts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, evolve, initialState, type JourneyState } from '../../src/domain/journeys/journey-decider.ts';
import type { JourneyEvent, TimelineEntry } from '../../src/domain/journeys/journey-events.ts';
import { outreach } from '../../src/domain/journeys/journey-kinds.ts';
import { isOptOutText, journeyStopKeyword } from '../../src/domain/journeys/opt-out.ts';
import type { TrackingEvent } from '../../src/domain/journeys/tracking-event.ts';
import { demoJourney, seededRandom } from '../../src/cli/demo/demo-journeys.ts';
import { APPENDIX_EVENTS, APPENDIX_RISK_EVENT, APPENDIX_TRANSITIONS } from '../fixtures/prd-appendix-journey.ts';

const SEED = 20261201;
const GUID = 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2';
const T0 = Date.parse('2024-12-07T10:00:00Z');
const iso = (min: number) => new Date(T0 + min * 60_000).toISOString();

const created = (startedAt = iso(0)): JourneyEvent => ({
  type: 'JourneyCreated',
  data: { guid: GUID, kind: 'outreach', created_at: '2026-12-01T09:00:00.000Z', started_at: startedAt, dealer_code: 'DET001', vin: null, customer_id: null, risk_event: null, channel: null },
});

const event = (event_type: string, min: number, details: Record<string, unknown> = {}, event_id = `${event_type}-${min}`, channel: TrackingEvent['channel'] = 'EMAIL'): TrackingEvent => ({
  event_id,
  guid: GUID,
  event_type,
  channel,
  occurred_at: iso(min),
  received_at: '2026-12-01T09:00:00.000Z',
  actor: null,
  dealer_code: null,
  session_id: null,
  user_id: null,
  details,
});

const apply = (s: JourneyState, events: JourneyEvent[]) => events.reduce(evolve, s);

/** Logs the batches one after another, as a client would, and returns the journey afterwards. */
const logBatches = (batches: TrackingEvent[][], start: JourneyEvent = created()): JourneyState => {
  let s = apply(initialState(), [start]);
  for (const events of batches) {
    const d = decide({ type: 'LogEvents', data: { events } }, s);
    if (!d.ok) throw new Error(d.error.message);
    s = apply(s, d.events);
  }
  return s;
};

const moves = (s: JourneyState) => s.timeline.map((t) => `${t.from}->${t.to}@${t.at}`);

describe('the journey clock', () => {
  it('starts at the journey’s own event time: history logged with real timestamps moves it', () => {
    const appendix = APPENDIX_EVENTS.map((e): TrackingEvent => ({
      ...event(e.event_type, 0, e.details ?? {}, e.event_id, e.channel),
      occurred_at: new Date(e.occurred_at).toISOString(),
    }));
    const s = logBatches(appendix.map((e) => [e]), created(new Date(APPENDIX_RISK_EVENT.timestamp).toISOString()));
    expect(s.state).toBe('CLOSED');
    expect(s.timeline.map((t) => [t.from, t.to, t.at])).toEqual(APPENDIX_TRANSITIONS.slice(1));
  });

  it('never moves for an event dated before the journey started', () => {
    const s = logBatches([[event('EMAIL_SENT', -5)], [event('SCHEDULED', -1, { appointment_id: 'a' })]]);
    expect(s.state).toBe('CREATED');
    expect(s.seen.size).toBe(2);
  });
});

describe('arrival order', () => {
  it('puts a late event where it happened: the timeline is revised, the current state stands', () => {
    const s0 = logBatches([[event('EMAIL_SENT', 10)], [event('EMAIL_CLICKED', 20)]]);
    expect(moves(s0)).toEqual([`CREATED->CONTACTED@${iso(10)}`, `CONTACTED->ENGAGED@${iso(20)}`]);
    // An SMS the provider reports late, sent before the email: the journey was contacted at 5.
    const late = decide({ type: 'LogEvents', data: { events: [event('SMS_SENT', 5, {}, 'late-sms', 'SMS')] } }, s0);
    expect(late.ok && late.events.map((e) => e.type)).toEqual(['TrackingEventLogged', 'JourneyTimelineRevised']);
    const s1 = apply(s0, late.ok ? late.events : []);
    expect(moves(s1)).toEqual([`CREATED->CONTACTED@${iso(5)}`, `CONTACTED->ENGAGED@${iso(20)}`]);
    expect(s1.state).toBe('ENGAGED');
  });

  it('a late event that happened before the current state was entered never moves the journey back', () => {
    const s = logBatches([[event('PORTAL_SCHEDULE_APPOINTMENT', 30, { appointment_id: 'a' }, 'apt', 'PORTAL')], [event('EMAIL_SENT', 10)]]);
    expect(s.state).toBe('SCHEDULED');
    expect(moves(s)).toEqual([`CREATED->CONTACTED@${iso(10)}`, `CONTACTED->SCHEDULED@${iso(30)}`]);
  });

  it('a cancellation logged before its appointment still cancels it', () => {
    const inOrder = logBatches([[event('SCHEDULED', 10)], [event('APPOINTMENT_CANCELLED', 20)]]);
    const reversed = logBatches([[event('APPOINTMENT_CANCELLED', 20)], [event('SCHEDULED', 10)]]);
    expect(inOrder.state).toBe('ENGAGED');
    expect(moves(reversed)).toEqual(moves(inOrder));
  });

  it('orders events sent without distinct times by their place in the lifecycle', () => {
    const s = logBatches([[event('EMAIL_CLICKED', 1), event('EMAIL_SENT', 1)]]);
    expect(moves(s)).toEqual([`CREATED->CONTACTED@${iso(1)}`, `CONTACTED->ENGAGED@${iso(1)}`]);
  });

  it('checks an explicit transition against the state by event time, and places it after every fact', () => {
    let s = logBatches([[event('EMAIL_SENT', 10), event('EMAIL_CLICKED', 20)]]);
    const refused = decide({ type: 'RequestTransition', data: { guid: GUID, to: 'CONTACTED', at: iso(15), reason: null, metadata: null, fact_id: 'r1' } }, s);
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_transition', from: 'ENGAGED', to: 'CONTACTED' } });
    const closed = decide({ type: 'RequestTransition', data: { guid: GUID, to: 'CLOSED', at: iso(15), reason: 'sold', metadata: null, fact_id: 'r2' } }, s);
    expect(closed).toMatchObject({ ok: true, events: [{ type: 'JourneyTransitioned', data: { from: 'ENGAGED', to: 'CLOSED', at: iso(20), trigger: 'explicit' } }] });
    s = apply(s, closed.ok ? closed.events : []);
    // A fact from before the close that arrives afterwards is stored and lands before it.
    const late = decide({ type: 'LogEvents', data: { events: [event('SMS_SENT', 2, {}, 'sms', 'SMS')] } }, s);
    s = apply(s, late.ok ? late.events : []);
    expect(moves(s)).toEqual([`CREATED->CONTACTED@${iso(2)}`, `CONTACTED->ENGAGED@${iso(20)}`, `ENGAGED->CLOSED@${iso(20)}`]);
  });

  it('gives the same journey for demo journeys logged in any order and any batch split (property)', () => {
    const rnd = seededRandom(SEED);
    const journeys = Array.from({ length: 40 }, (_, i) => demoJourney(rnd, i, new Date('2024-11-01T00:00:00Z')));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: journeys.length - 1 }), fc.infiniteStream(fc.nat()), fc.infiniteStream(fc.integer({ min: 1, max: 4 })), (j, keys, splits) => {
        const demo = journeys[j]!;
        const start = created(new Date(demo.risk_event.timestamp).toISOString());
        const events = demo.events.map((e, k) => ({ ...event(e.event_type, 0, e.details, `e-${k}`, e.channel), occurred_at: e.occurred_at }));
        const shuffled = events.map((e) => ({ e, k: keys.next().value as number })).sort((a, b) => a.k - b.k).map((x) => x.e);
        const batches: TrackingEvent[][] = [];
        for (let i = 0; i < shuffled.length; ) {
          const n = splits.next().value as number;
          batches.push(shuffled.slice(i, i + n));
          i += n;
        }
        const expected = logBatches([events], start);
        const actual = logBatches(batches, start);
        const strip = (t: TimelineEntry[]) => t.map(({ fact_id: _f, ...rest }) => rest);
        expect(strip(actual.timeline)).toEqual(strip(expected.timeline));
        expect(actual.state).toBe(expected.state);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('opt-out replies', () => {
  it('recognise the STOP family and STOP-<first 8 of GUID>, trimmed and in any case', () => {
    for (const t of ['STOP', ' stop ', 'Stop.', 'STOPALL', 'unsubscribe', 'CANCEL', 'end', 'QUIT', 'REVOKE', 'OPTOUT', journeyStopKeyword(GUID), 'stop-ford-202']) {
      expect(isOptOutText(t), t).toBe(true);
    }
    for (const t of ['stop by at 10?', 'STOPPING', 'yes', 'please call me', 'the end of my warranty']) expect(isOptOutText(t), t).toBe(false);
    expect(journeyStopKeyword(GUID)).toBe('STOP-FORD-202');
  });

  it('do not engage a contacted journey and do not revive an abandoned one', () => {
    const stop = (min: number, details: Record<string, unknown>, id: string) => event('SMS_RECEIVED', min, details, id, 'SMS');
    expect(logBatches([[event('SMS_SENT', 1, {}, 's', 'SMS')], [stop(2, { keyword: 'STOP' }, 'r1')]]).state).toBe('CONTACTED');
    expect(logBatches([[event('SMS_SENT', 1, {}, 's', 'SMS')], [stop(2, { text: journeyStopKeyword(GUID) }, 'r1')]]).state).toBe('CONTACTED');
    expect(logBatches([[event('ABANDONED', 1, {}, 'a', 'SYSTEM')], [stop(2, { text: 'stop' }, 'r1')]]).state).toBe('ABANDONED');
    // A real answer still engages.
    expect(logBatches([[event('SMS_SENT', 1, {}, 's', 'SMS')], [stop(2, { text: 'Yes, Tuesday works' }, 'r1')]]).state).toBe('ENGAGED');
    expect(outreach.implied.filter((r) => r.unlessOptOut).map((r) => r.eventType)).toEqual(['SMS_RECEIVED', 'MESSAGE_RECEIVED']);
  });
});
