// The idle rule (pure): which journeys are idle, since when, the one event that says so, and the decider's
// ExpireIdle judging it on the stream; the configuration that sets the limits.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import {
  DEFAULT_CONVERSATION_TTL_MS,
  EXPIRABLE_STATES,
  idleJudge,
  idleLimitOf,
  idleScanOf,
  judgeIdle,
  parseConversationTtl,
  type IdleLimits,
} from '../../src/domain/conversations/index.ts';
import {
  allStates,
  canTransition,
  conversation,
  decide,
  evolve,
  initialState,
  NO_ACTIVITY,
  type IdleView,
  type JourneyEvent,
  type JourneyState,
  type TrackingEvent,
} from '../../src/domain/journeys/index.ts';

const GUID = 'FORD-2024-12-07-CNV-CHT-DET001-A7B9C2';
const T0 = Date.parse('2024-12-07T10:00:00Z');
const MIN = 60_000;
const at = (min: number) => new Date(T0 + min * MIN);
const iso = (min: number) => at(min).toISOString();
const LIMITS: IdleLimits = { conversation: { BOT_SESSION: 30 * MIN, PENDING_AGENT: 120 * MIN }, outreachAbandonMs: 14 * 24 * 60 * MIN };

const ev = (event_type: string, min: number, more: Partial<TrackingEvent> = {}): TrackingEvent => ({
  event_id: `${event_type}-${min}`,
  guid: GUID,
  event_type,
  channel: 'CHAT',
  occurred_at: iso(min),
  received_at: iso(min),
  actor: null,
  dealer_code: 'DET001',
  session_id: null,
  user_id: null,
  details: {},
  ...more,
});

const created = (kind: 'conversation' | 'outreach'): JourneyEvent => ({
  type: 'JourneyCreated',
  data: { guid: GUID, kind, created_at: iso(0), started_at: iso(0), dealer_code: 'DET001', vin: null, customer_id: null, risk_event: null, channel: 'CHAT' },
});

/** The stream after logging `events` (decided and folded as the command handler does). */
const log = (s: JourneyState, events: TrackingEvent[]): JourneyState => {
  const d = decide({ type: 'LogEvents', data: { events } }, s);
  if (!d.ok) throw new Error(d.error.message);
  return d.events.reduce(evolve, s);
};
const journey = (kind: 'conversation' | 'outreach', events: TrackingEvent[]) => log(evolve(initialState(), created(kind)), events);

const expire = (s: JourneyState, now: Date, limits = LIMITS) => {
  const d = decide({ type: 'ExpireIdle', data: { guid: GUID, judge: idleJudge(limits, now, { dealerCode: 'DET001', receivedAt: now.toISOString() }) } }, s);
  if (!d.ok) throw new Error(d.error.message);
  return d.events;
};
const view = (over: Partial<IdleView>): IdleView => ({ guid: GUID, kind: 'conversation', state: 'BOT_SESSION', stateEnteredAt: iso(0), activity: NO_ACTIVITY, ...over });

describe('idle limits as configuration', () => {
  it('lists exactly the conversation states the lifecycle lets expire', () => {
    expect([...EXPIRABLE_STATES].sort()).toEqual(allStates(conversation).filter((s) => canTransition(conversation, s, 'EXPIRED')).sort());
  });

  it('reads STATE=duration pairs over the defaults, turns states off, and lists every mistake', () => {
    const ms = (v: string) => (/^\d+m$/.test(v) ? Number(v.slice(0, -1)) * MIN : v === '500ms' ? 500 : undefined);
    expect(parseConversationTtl('BOT_SESSION=10m', ms)).toEqual({ ok: true, value: { ...DEFAULT_CONVERSATION_TTL_MS, BOT_SESSION: 10 * MIN } });
    const { HUMAN_ASSISTANCE: _, ...rest } = DEFAULT_CONVERSATION_TTL_MS;
    expect(parseConversationTtl('human_assistance=off', ms)).toEqual({ ok: true, value: rest });
    expect(parseConversationTtl('off', ms)).toEqual({ ok: true, value: {} });
    const bad = parseConversationTtl('BOT_SESION=10m,PENDING_AGENT=soon,RESOLVED=5m,BOT_SESSION,INBOUND_QUEUE=500ms', ms);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reasons).toEqual([
      '"BOT_SESION" is not a conversation state that can expire (INBOUND_QUEUE, BOT_SESSION, PENDING_AGENT, HUMAN_ASSISTANCE)',
      'PENDING_AGENT=soon: not a duration such as 30m, 2h or 24h (or off)',
      '"RESOLVED" is not a conversation state that can expire (INBOUND_QUEUE, BOT_SESSION, PENDING_AGENT, HUMAN_ASSISTANCE)',
      '"BOT_SESSION": expected STATE=duration, e.g. BOT_SESSION=30m (or "off" alone for no limits)',
      'INBOUND_QUEUE=500ms: at least 1s (or off)',
    ]);
  });

  it('has the documented defaults, and refuses bad values at start-up naming the variable', () => {
    const c = loadConfig({});
    expect(c.idleLimits).toEqual({
      conversation: { INBOUND_QUEUE: 2 * 60 * MIN, BOT_SESSION: 30 * MIN, PENDING_AGENT: 2 * 60 * MIN, HUMAN_ASSISTANCE: 24 * 60 * MIN },
      outreachAbandonMs: 14 * 24 * 60 * MIN,
      intervalMs: MIN,
    });
    const set = loadConfig({ THREADLINE_CONVERSATION_TTL: 'BOT_SESSION=45m,INBOUND_QUEUE=off', THREADLINE_OUTREACH_ABANDON_DAYS: '0', THREADLINE_IDLE_CHECK_INTERVAL: '30s' });
    expect(set.idleLimits).toEqual({ conversation: { BOT_SESSION: 45 * MIN, PENDING_AGENT: 2 * 60 * MIN, HUMAN_ASSISTANCE: 24 * 60 * MIN }, outreachAbandonMs: null, intervalMs: 30_000 });
    expect(() => loadConfig({ THREADLINE_CONVERSATION_TTL: 'BOT_SESSION=later' })).toThrow(/THREADLINE_CONVERSATION_TTL: BOT_SESSION=later: not a duration/);
    expect(() => loadConfig({ THREADLINE_OUTREACH_ABANDON_DAYS: '-1' })).toThrow(/THREADLINE_OUTREACH_ABANDON_DAYS/);
    expect(() => loadConfig({ THREADLINE_IDLE_CHECK_INTERVAL: '0' })).toThrow(/THREADLINE_IDLE_CHECK_INTERVAL: at least 1s/);
  });
});

describe('the idle rule', () => {
  it('starts a conversation\u2019s clock at the later of its state\u2019s entry and its last event, and expires it when the limit passed', () => {
    const v = view({ stateEnteredAt: iso(0), activity: { lastEventAt: at(10).getTime(), lastContactAt: null, contactAttempts: 0 } });
    expect(judgeIdle(v, LIMITS, at(39))).toBeNull();
    expect(judgeIdle(v, LIMITS, at(40))).toEqual({ eventType: 'SESSION_EXPIRED', state: 'BOT_SESSION', idleSince: at(10).getTime(), limitMs: 30 * MIN, at: at(40).getTime() });
    expect(judgeIdle({ ...v, stateEnteredAt: iso(20) }, LIMITS, at(45))).toBeNull();
    // States without a limit never go idle: the ones not configured, and those that cannot expire.
    for (const state of ['HUMAN_ASSISTANCE', 'RESOLVED', 'EXPIRED', 'CLOSED']) expect(judgeIdle({ ...v, state }, LIMITS, at(100_000))).toBeNull();
  });

  it('abandons outreach only in CONTACTED, counting contact either way, not every event', () => {
    const v = view({ kind: 'outreach', state: 'CONTACTED', activity: { lastEventAt: at(20_000).getTime(), lastContactAt: at(60).getTime(), contactAttempts: 3 } });
    const limit = 14 * 24 * 60;
    expect(judgeIdle(v, LIMITS, at(60 + limit - 1))).toBeNull();
    expect(judgeIdle(v, LIMITS, at(60 + limit))).toMatchObject({ eventType: 'ABANDONED', idleSince: at(60).getTime() });
    for (const state of ['QUEUED', 'ENGAGED', 'ABANDONED']) expect(judgeIdle({ ...v, state }, LIMITS, at(10 * limit))).toBeNull();
    expect(idleLimitOf({ ...LIMITS, outreachAbandonMs: null }, 'outreach', 'CONTACTED')).toBeNull();
  });

  it('scans per configured state from the same clock', () => {
    expect(idleScanOf(LIMITS, at(200))).toEqual({
      conversation: [
        { state: 'BOT_SESSION', before: at(170) },
        { state: 'PENDING_AGENT', before: at(80) },
      ],
      outreach: { states: ['CONTACTED'], before: at(200 - 14 * 24 * 60) },
    });
  });
});

describe('ExpireIdle on the journey stream', () => {
  const botSession = () => journey('conversation', [ev('MESSAGE_RECEIVED', 1, { details: { source: 'webchat' } }), ev('BOT_SESSION_STARTED', 2), ev('MESSAGE_SENT', 5, { details: { source: 'webchat', sender: 'bot' } })]);

  it('logs SESSION_EXPIRED at the moment the limit passed and moves the journey to EXPIRED, once', () => {
    const s = botSession();
    const events = expire(s, at(300));
    expect(events).toEqual([
      {
        type: 'TrackingEventLogged',
        data: {
          event_id: `ttl:${GUID}:BOT_SESSION:${at(5).getTime()}`,
          guid: GUID,
          event_type: 'SESSION_EXPIRED',
          channel: 'SYSTEM',
          occurred_at: iso(35),
          received_at: iso(300),
          actor: { type: 'system', id: 'ttl-worker' },
          dealer_code: 'DET001',
          session_id: null,
          user_id: null,
          details: { idle_seconds: 1800, state: 'BOT_SESSION', ttl_seconds: 1800 },
        },
      },
      { type: 'JourneyTransitioned', data: expect.objectContaining({ from: 'BOT_SESSION', to: 'EXPIRED', at: iso(35), trigger: 'event' }) },
    ]);
    const after = events.reduce(evolve, s);
    expect(after.state).toBe('EXPIRED');
    // A second worker, a retry, a restart: nothing more.
    expect(expire(after, at(300))).toEqual([]);
    expect(expire(after, at(100_000))).toEqual([]);
  });

  it('does nothing while the limit has not passed since the stream\u2019s last event, whatever nominated it', () => {
    const s = log(botSession(), [ev('WEBVIEW_STEP', 290, { channel: 'WEBVIEW', details: { webview_id: 'w', step: 'a' } })]);
    expect(expire(s, at(300))).toEqual([]);
    // A late event (older than the last one) does not move the clock back.
    const late = log(s, [ev('MESSAGE_SENT', 50, { details: { source: 'webchat', sender: 'bot' } })]);
    expect(expire(late, at(319))).toEqual([]);
    expect(expire(late, at(320))[0]).toMatchObject({ data: { event_id: `ttl:${GUID}:BOT_SESSION:${at(290).getTime()}`, occurred_at: iso(320) } });
  });

  it('is reopened by a customer message after the expiry, and a second idle period expires it again with a new event', () => {
    const expired = expire(botSession(), at(300)).reduce(evolve, botSession());
    const reopened = log(expired, [ev('MESSAGE_RECEIVED', 400, { details: { source: 'webchat' } })]);
    expect(reopened.state).toBe('INBOUND_QUEUE');
    // INBOUND_QUEUE has no limit in LIMITS; with one it expires from there, at its own moment.
    expect(expire(reopened, at(10_000))).toEqual([]);
    const withQueue = { ...LIMITS, conversation: { ...LIMITS.conversation, INBOUND_QUEUE: 60 * MIN } };
    const again = expire(reopened, at(10_000), withQueue);
    expect(again[0]).toMatchObject({ data: { event_id: `ttl:${GUID}:INBOUND_QUEUE:${at(400).getTime()}`, occurred_at: iso(460), details: { state: 'INBOUND_QUEUE', ttl_seconds: 3600 } } });
    expect(again.reduce(evolve, reopened).state).toBe('EXPIRED');
  });

  it('abandons an unanswered outreach journey with its attempts, and a customer reply revives it', () => {
    const o = journey('outreach', [
      ev('SMS_SENT', 10, { channel: 'SMS' }),
      ev('SMS_DELIVERED', 11, { channel: 'SMS' }),
      ev('EMAIL_SENT', 60, { channel: 'EMAIL' }),
      // Bookkeeping, not contact: the clock stays at the email.
      ev('PORTAL_VIEW_LEAD', 3000, { channel: 'PORTAL' }),
    ]);
    expect(o.state).toBe('CONTACTED');
    const days14 = 14 * 24 * 60;
    expect(expire(o, at(60 + days14 - 1))).toEqual([]);
    const events = expire(o, at(60 + days14 + 5));
    expect(events[0]).toMatchObject({ data: { event_type: 'ABANDONED', occurred_at: iso(60 + days14), details: { idle_seconds: days14 * 60, attempts: 2, reason: 'no_response' } } });
    const abandoned = events.reduce(evolve, o);
    expect(abandoned.state).toBe('ABANDONED');
    expect(expire(abandoned, at(10 * days14))).toEqual([]);
    const revived = log(abandoned, [ev('SMS_RECEIVED', 60 + days14 + 100, { channel: 'SMS', actor: { type: 'customer' }, details: { text: 'yes please' } })]);
    expect(revived.state).toBe('ENGAGED');
  });

  it('answers unknown_guid for a journey that does not exist', () => {
    expect(decide({ type: 'ExpireIdle', data: { guid: GUID, judge: () => null } }, initialState())).toMatchObject({ ok: false, error: { code: 'unknown_guid' } });
  });
});
