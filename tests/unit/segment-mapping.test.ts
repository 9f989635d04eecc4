// Segment messages onto tracking events: every mapped field, the sentAt correction and its cap, event-name
// normalisation (a fixed-seed property: always a valid type, and a valid type maps to itself), the GUID and channel
// lookups with their fallbacks, and Segment's size limits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_PATTERN } from '../../src/domain/journeys/index.ts';
import {
  batchEnvelope,
  CLOCK_CORRECTION,
  correctClock,
  DEFAULT_CHANNEL_PATHS,
  DEFAULT_GUID_PATHS,
  eventTypeOf,
  jsonBytes,
  parsePathList,
  SEGMENT_LIMITS,
  segmentToTrackingEvent,
  type MessageSource,
  type SegmentMappingOptions,
  type SegmentOutcome,
} from '../../src/domain/segment/index.ts';

const SEED = 20261201;
const GUID = 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2';
const OTHER = 'FORD-2024-12-07-BAT-CRT-DET002-0000AA';
const RECEIVED = new Date('2024-12-08T12:00:00.000Z');
const H = 3_600_000;
const at = (offsetMs: number) => new Date(RECEIVED.getTime() + offsetMs).toISOString();

const options = (over: Partial<SegmentMappingOptions> = {}): SegmentMappingOptions => ({
  receivedAt: RECEIVED,
  maxFutureSkewMs: 5 * 60_000,
  guidPaths: DEFAULT_GUID_PATHS,
  channelPaths: DEFAULT_CHANNEL_PATHS,
  eventId: () => 'drawn-id',
  ...over,
});

const map = (message: unknown, src: MessageSource = {}, over: Partial<SegmentMappingOptions> = {}) => segmentToTrackingEvent(message, options(over), src);
const ok = (o: SegmentOutcome) => {
  if (!o.ok) throw new Error(`expected a mapping, got ${JSON.stringify(o)}`);
  return o.event;
};
const violations = (o: SegmentOutcome) => {
  if (o.ok || o.code !== 'validation_failed') throw new Error(`expected violations, got ${JSON.stringify(o)}`);
  return o.violations;
};

/** What analytics-node 3.1.0 sends for analytics.track(...) (read from its source: event factory + node plugin). */
const nodeTrack = (over: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Order Completed',
  properties: { guid: GUID, order_id: 'o-1', total: 129.5 },
  userId: 'cust-42',
  anonymousId: 'anon-7',
  timestamp: at(-60_000),
  messageId: 'node-next-1733659200000-5b3c0d2e-6a2f-4f7e-9d1a-0c8e2b7a9f10',
  context: { library: { name: '@segment/analytics-node', version: '3.1.0' } },
  integrations: {},
  _metadata: { nodeVersion: 'v20.19.0', jsRuntime: 'node' },
  ...over,
});

describe('segmentToTrackingEvent: a track call', () => {
  it('maps every field: messageId, timestamp, event name, channel, user ids, actor, details', () => {
    const e = ok(map(nodeTrack()));
    expect(e).toEqual({
      event_id: 'node-next-1733659200000-5b3c0d2e-6a2f-4f7e-9d1a-0c8e2b7a9f10',
      guid: GUID,
      event_type: 'ORDER_COMPLETED',
      channel: 'WEBVIEW',
      occurred_at: at(-60_000),
      received_at: RECEIVED.toISOString(),
      actor: { type: 'customer', id: 'cust-42' },
      dealer_code: null,
      session_id: 'anon-7',
      user_id: 'cust-42',
      details: {
        order_id: 'o-1',
        total: 129.5,
        _segment: { type: 'track', event: 'Order Completed', timestamp: at(-60_000), context: { library: { name: '@segment/analytics-node', version: '3.1.0' } } },
      },
    });
  });

  it('keeps neither the write key, integrations nor the library metadata in details', () => {
    const e = ok(map(nodeTrack({ writeKey: 'tl_live_secret', integrations: { All: false } })));
    const text = JSON.stringify(e);
    for (const absent of ['tl_live_secret', 'integrations', 'nodeVersion', '_metadata']) expect(text).not.toContain(absent);
  });

  it('draws an event_id for a message without a messageId, and refuses one Threadline cannot keep as an event_id', () => {
    expect(ok(map(nodeTrack({ messageId: undefined }))).event_id).toBe('drawn-id');
    expect(violations(map(nodeTrack({ messageId: 'has spaces/and slashes' })))).toEqual([{ path: 'messageId', message: expect.stringMatching(/letters, digits/) }]);
  });

  it('takes numeric user ids as text, an empty one as none, and refuses one longer than 200 characters', () => {
    const e = ok(map(nodeTrack({ userId: 42, anonymousId: '' })));
    expect([e.user_id, e.session_id, e.actor]).toEqual(['42', null, { type: 'customer', id: '42' }]);
    expect(ok(map(nodeTrack({ userId: 12345678901234567890n }))).user_id).toBe('12345678901234567890');
    expect(ok(map(nodeTrack({ userId: null }))).actor).toEqual({ type: 'customer' });
    expect(violations(map(nodeTrack({ userId: 'u'.repeat(201) })))[0]!.path).toBe('userId');
  });

  it('keeps a known type\'s meaning: the catalogue\'s rules apply to its properties', () => {
    const opened = ok(map(nodeTrack({ event: 'Email Opened', properties: { guid: GUID, message_id: 'm-1' } })));
    expect([opened.event_type, opened.details['message_id']]).toEqual(['EMAIL_OPENED', 'm-1']);
    expect(violations(map(nodeTrack({ event: 'Email Clicked', properties: { guid: GUID, url: 'not a url' } })))).toEqual([{ path: 'properties.url', message: expect.any(String) }]);
    expect(violations(map(nodeTrack({ event: 'email_bounced', properties: { guid: GUID } }), { at: ['batch', 4] }))[0]!.path).toBe('batch.4.properties.bounce_type');
  });

  it('refuses an event name with nothing to make a type of, and lists every violation at once', () => {
    const v = violations(map(nodeTrack({ event: '¡¿?!', properties: { order_id: 1 }, userId: 'u'.repeat(300) })));
    expect(v.map((x) => x.path).sort()).toEqual(['event', 'properties.guid', 'userId']);
  });

  it('refuses properties nested deeper than details may be', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 32; i++) deep = { deep };
    expect(violations(map(nodeTrack({ properties: { guid: GUID, deep } })))[0]!.path).toBe('properties');
  });

  it('reserves _segment in properties for the call\'s own fields', () => {
    expect(violations(map(nodeTrack({ properties: { guid: GUID, _segment: 1 } })))[0]!.path).toBe('properties._segment');
  });
});

describe('segmentToTrackingEvent: identify, page and screen', () => {
  it('identify: traits.guid, USER_IDENTIFIED on SYSTEM (a profile, not a touch), traits as details', () => {
    const e = ok(map({ type: 'identify', userId: 'cust-42', traits: { guid: GUID, email: 'a@example.com' }, messageId: 'id-1', timestamp: at(-1000) }));
    expect(e).toMatchObject({ event_type: 'USER_IDENTIFIED', channel: 'SYSTEM', user_id: 'cust-42', event_id: 'id-1', details: { email: 'a@example.com', _segment: { type: 'identify' } } });
    expect(e.details).not.toHaveProperty('guid');
  });

  it('page: PAGE_VIEWED on WEBVIEW, its name and category kept, its properties as details', () => {
    const e = ok(map({ type: 'page', name: 'Booking', category: 'Service', properties: { guid: GUID, url: 'https://dealer.example/book', path: '/book' }, anonymousId: 'a-1', messageId: 'p-1' }, { type: 'page' }));
    expect(e).toMatchObject({ event_type: 'PAGE_VIEWED', channel: 'WEBVIEW', session_id: 'a-1', user_id: null, actor: { type: 'customer' } });
    expect(e.details).toEqual({ url: 'https://dealer.example/book', path: '/book', _segment: { type: 'page', name: 'Booking', category: 'Service' } });
  });

  it('screen: SCREEN_VIEWED', () => {
    expect(ok(map({ type: 'screen', name: 'Home', properties: { guid: GUID } })).event_type).toBe('SCREEN_VIEWED');
  });

  it('refuses a type the endpoint does not take, an unknown or missing type, and group and alias calls', () => {
    expect(violations(map({ ...nodeTrack(), type: 'identify' }, { type: 'track' }))).toEqual([{ path: 'type', message: 'this endpoint takes track messages' }]);
    expect(ok(map({ ...nodeTrack(), type: undefined }, { type: 'track' })).event_type).toBe('ORDER_COMPLETED');
    expect(violations(map({ ...nodeTrack(), type: undefined }, { at: ['batch', 0] }))[0]).toEqual({ path: 'batch.0.type', message: expect.stringMatching(/^required/) });
    for (const type of ['group', 'alias', 'bogus']) expect(violations(map({ ...nodeTrack(), type }))[0]!.message).toMatch(/is not taken/);
    expect(violations(map('a string'))[0]).toEqual({ path: '(message)', message: 'a message is a JSON object' });
    expect(violations(map({ type: 'track', properties: { guid: GUID } }))[0]!.path).toBe('event');
  });
});

describe('the journey GUID: configured paths, first with a value wins', () => {
  it('falls back from properties.guid to context.traits.guid, the message\'s own context before the batch\'s', () => {
    const none = { properties: { order_id: 'o-1' } };
    expect(ok(map(nodeTrack({ ...none, context: { traits: { guid: GUID } } }))).guid).toBe(GUID);
    expect(ok(map(nodeTrack({ ...none, context: {} }), { envelope: { context: { traits: { guid: GUID } } } })).guid).toBe(GUID);
    expect(ok(map(nodeTrack({ ...none, context: { traits: { guid: OTHER } } }), { envelope: { context: { traits: { guid: GUID } } } })).guid).toBe(OTHER);
    expect(ok(map(nodeTrack({ properties: { guid: GUID }, context: { traits: { guid: OTHER } } }))).guid).toBe(GUID);
    // null is no value: the next path is looked at.
    expect(ok(map(nodeTrack({ properties: { guid: null }, context: { traits: { guid: GUID } } }))).guid).toBe(GUID);
  });

  it('keeps the GUID out of details when it came from the properties, and leaves context and the message as sent', () => {
    const e = ok(map(nodeTrack({ properties: { x: 1 }, context: { traits: { guid: GUID } } })));
    expect(e.details).toEqual({ x: 1, _segment: expect.objectContaining({ context: { traits: { guid: GUID } } }) });
    const message = nodeTrack({ properties: { guid: GUID, journey: { guid: GUID, step: 1 } } });
    const { _segment, ...rest } = ok(map(message, {}, { guidPaths: ['properties.journey.guid'] })).details;
    expect(rest).toEqual({ guid: GUID, journey: { step: 1 } });
    expect(message.properties).toEqual({ guid: GUID, journey: { guid: GUID, step: 1 } });
  });

  it('follows the configured paths only', () => {
    const custom = { guidPaths: ['properties.journey.id'] };
    expect(ok(map(nodeTrack({ properties: { journey: { id: GUID, step: 2 } } }), {}, custom)).details).toMatchObject({ journey: { step: 2 } });
    expect(violations(map(nodeTrack(), {}, custom))).toEqual([{ path: 'properties.journey.id', message: 'a journey GUID is required (looked at properties.journey.id)' }]);
  });

  it('refuses a message without a GUID, naming the paths it looked at, and a value that is no GUID where it was found', () => {
    expect(violations(map(nodeTrack({ properties: {} }), { at: ['batch', 2] }))).toEqual([{ path: 'batch.2.properties.guid', message: 'a journey GUID is required (looked at properties.guid, traits.guid, context.traits.guid)' }]);
    expect(violations(map({ type: 'identify', traits: {} }))[0]!.path).toBe('traits.guid');
    expect(violations(map(nodeTrack({ properties: { guid: 'ford-not-a-guid' } })))[0]!.path).toBe('properties.guid');
    expect(violations(map(nodeTrack({ properties: {}, context: { traits: { guid: 7 } } })))[0]!.path).toBe('context.traits.guid');
  });

  it('walks own properties only', () => {
    expect(violations(map(nodeTrack({ properties: {} }), {}, { guidPaths: ['properties.constructor.name'] }))[0]!.message).toMatch(/required/);
  });
});

describe('the channel', () => {
  it('is the configured property when there is one (any case), the GUID\'s neighbour kept out of details', () => {
    const e = ok(map(nodeTrack({ properties: { guid: GUID, channel: 'portal', x: 1 } })));
    expect([e.channel, e.actor, e.details['channel'], e.details['x']]).toEqual(['PORTAL', { type: 'human', id: 'cust-42' }, undefined, 1]);
    expect(ok(map(nodeTrack({ context: { traits: { channel: 'SMS' } } }))).channel).toBe('SMS');
  });

  it('refuses a channel Threadline does not have', () => {
    expect(violations(map(nodeTrack({ properties: { guid: GUID, channel: 'fax' } })))).toEqual([{ path: 'properties.channel', message: expect.stringMatching(/^one of PHONE, EMAIL/) }]);
  });
});

describe('sentAt: the client clock corrected onto the server\'s', () => {
  it('keeps the timestamp as sent when sentAt is missing or within the tolerance (time in flight)', () => {
    expect(ok(map(nodeTrack({ timestamp: at(-5000) }))).occurred_at).toBe(at(-5000));
    const near = ok(map(nodeTrack({ timestamp: at(-5000), sentAt: at(-CLOCK_CORRECTION.toleranceMs) })));
    expect(near.occurred_at).toBe(at(-5000));
    expect(near.details['_segment']).not.toHaveProperty('clock_correction_ms');
  });

  it('moves a slow client clock forward and a fast one back: occurred_at = timestamp + (receivedAt - sentAt)', () => {
    // The client clock is 2 h behind: it sent at "10:00" what happened at "09:59"; the server received it at 12:00.
    const slow = ok(map(nodeTrack({ timestamp: at(-2 * H - 60_000), sentAt: at(-2 * H) })));
    expect(slow.occurred_at).toBe(at(-60_000));
    expect(slow.details['_segment']).toMatchObject({ timestamp: at(-2 * H - 60_000), sent_at: at(-2 * H), clock_correction_ms: 2 * H });
    // 1 h ahead: without the correction the event would lie in the future and be refused.
    expect(violations(map(nodeTrack({ timestamp: at(H - 1000) }))).map((v) => v.path)).toEqual(['timestamp']);
    expect(ok(map(nodeTrack({ timestamp: at(H - 1000), sentAt: at(H) }))).occurred_at).toBe(at(-1000));
  });

  it('uses the batch\'s sentAt for messages without their own, a message\'s own first', () => {
    expect(ok(map(nodeTrack({ timestamp: at(-H - 1000) }), { envelope: { sentAt: at(-H) } })).occurred_at).toBe(at(-1000));
    expect(ok(map(nodeTrack({ timestamp: at(-H - 1000), sentAt: at(-H - 1000) }), { envelope: { sentAt: at(-H) } })).occurred_at).toBe(at(0));
  });

  it('caps the correction: beyond 24 h neither client time is trusted and the event is placed at receivedAt', () => {
    const capped = ok(map(nodeTrack({ timestamp: at(-CLOCK_CORRECTION.maxMs - 1000), sentAt: at(-CLOCK_CORRECTION.maxMs) })));
    expect(capped.occurred_at).toBe(at(-1000));
    const broken = ok(map(nodeTrack({ timestamp: '2019-03-01T08:00:00Z', sentAt: '2019-03-01T08:00:05Z' })));
    expect(broken.occurred_at).toBe(RECEIVED.toISOString());
    expect(broken.details['_segment']).toMatchObject({ timestamp: '2019-03-01T08:00:00Z', clock_distrusted: true });
  });

  it('places a message without a timestamp at receivedAt, and still refuses a corrected time out of bounds', () => {
    expect(ok(map(nodeTrack({ timestamp: undefined, sentAt: at(-3 * H) }))).occurred_at).toBe(RECEIVED.toISOString());
    expect(violations(map(nodeTrack({ timestamp: at(10 * H), sentAt: at(-H) })))[0]).toEqual({ path: 'timestamp', message: expect.stringMatching(/ahead of the server's clock/) });
    expect(violations(map(nodeTrack({ timestamp: '1970-01-01T00:00:00Z', sentAt: '1970-01-01T06:00:00Z' }), {}, { receivedAt: new Date('1970-01-01T01:00:00Z') }))[0]!.path).toBe('timestamp');
    expect(violations(map(nodeTrack({ timestamp: 'yesterday' })))[0]!.path).toBe('timestamp');
  });

  it('correctClock at the edges', () => {
    const t = new Date(RECEIVED.getTime() - 1000);
    expect(correctClock(t, new Date(RECEIVED.getTime() - CLOCK_CORRECTION.toleranceMs - 1), RECEIVED).correctionMs).toBe(CLOCK_CORRECTION.toleranceMs + 1);
    expect(correctClock(t, new Date(RECEIVED.getTime() + CLOCK_CORRECTION.maxMs), RECEIVED)).toEqual({ occurredAt: new Date(t.getTime() - CLOCK_CORRECTION.maxMs), correctionMs: -CLOCK_CORRECTION.maxMs, distrusted: false });
    expect(correctClock(t, new Date(RECEIVED.getTime() + CLOCK_CORRECTION.maxMs + 1), RECEIVED)).toEqual({ occurredAt: RECEIVED, correctionMs: 0, distrusted: true });
  });
});

describe('event names as event types', () => {
  it('normalises Segment\'s naming styles to UPPER_SNAKE', () => {
    const cases: [string, string | null][] = [
      ['Order Completed', 'ORDER_COMPLETED'],
      ['order_completed', 'ORDER_COMPLETED'],
      ['orderCompleted', 'ORDER_COMPLETED'],
      ['order-completed', 'ORDER_COMPLETED'],
      ['  Email   Opened!! ', 'EMAIL_OPENED'],
      ['EMAIL_OPENED', 'EMAIL_OPENED'],
      ['HTMLPage Viewed', 'HTML_PAGE_VIEWED'],
      ['mp4Played', 'MP4_PLAYED'],
      ['checkoutStep2Viewed', 'CHECKOUT_STEP2_VIEWED'],
      ['Café Visité', 'CAFE_VISITE'],
      ['Straße Gewählt', 'STRASSE_GEWAHLT'],
      ['404 Seen', 'EVENT_404_SEEN'],
      ['!!!', null],
      ['预约完成', null],
      ['x'.repeat(65), null],
    ];
    for (const [name, type] of cases) {
      const t = eventTypeOf(name);
      expect(t.ok ? t.type : null, name).toBe(type);
    }
  });

  it('always gives a valid event type, and a valid type maps to itself (seed printed on failure)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _-]{0,70}$/)), (name) => {
        const t = eventTypeOf(name);
        if (!t.ok) return;
        expect(t.type).toMatch(EVENT_TYPE_PATTERN);
        expect(t.type.length).toBeLessThanOrEqual(64);
        expect(eventTypeOf(t.type)).toEqual(t);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('limits', () => {
  it('refuses a message over 32 KB (as compact JSON, UTF-8) and takes one at the limit', () => {
    const base = nodeTrack({ properties: { guid: GUID, pad: '' } });
    const pad = 'é'.repeat(Math.floor((SEGMENT_LIMITS.messageBytes - jsonBytes(base)) / 2));
    const atLimit = nodeTrack({ properties: { guid: GUID, pad: pad + 'x'.repeat(SEGMENT_LIMITS.messageBytes - jsonBytes(base) - 2 * pad.length) } });
    expect(jsonBytes(atLimit)).toBe(SEGMENT_LIMITS.messageBytes);
    expect(map(atLimit).ok).toBe(true);
    const over = nodeTrack({ properties: { guid: GUID, pad: pad + 'x'.repeat(SEGMENT_LIMITS.messageBytes - jsonBytes(base) - 2 * pad.length + 1) } });
    const o = map(over, { at: ['batch', 1] });
    expect(o).toEqual({ ok: false, code: 'payload_too_large', message: `batch.1: ${SEGMENT_LIMITS.messageBytes + 1} bytes; a message may have at most ${SEGMENT_LIMITS.messageBytes} (Segment's limit)`, messageId: over.messageId });
  });

  it('counts bytes as UTF-8 (a surrogate pair is 4), and exact integers by their digits', () => {
    expect(jsonBytes({ a: '€😀' })).toBe('{"a":""}'.length + 3 + 4);
    expect(jsonBytes({ n: 12345678901234567890n })).toBe('{"n":"12345678901234567890"}'.length);
  });

  it('takes at most 2,500 messages in a batch', () => {
    expect(batchEnvelope.safeParse({ batch: new Array(SEGMENT_LIMITS.batchMessages).fill({}) }).success).toBe(true);
    expect(batchEnvelope.safeParse({ batch: new Array(SEGMENT_LIMITS.batchMessages + 1).fill({}) }).success).toBe(false);
  });
});

describe('path lists (THREADLINE_SEGMENT_GUID_PATH, THREADLINE_SEGMENT_CHANNEL_PATH)', () => {
  it('reads comma-separated dot paths and refuses what is not one', () => {
    expect(parsePathList(' properties.guid , context.traits.guid ')).toEqual({ ok: true, paths: ['properties.guid', 'context.traits.guid'] });
    for (const bad of ['', ',', 'a..b', 'properties.__proto__', 'a b', Array(9).fill('a').join('.')]) expect(parsePathList(bad).ok, bad).toBe(false);
  });
});
