// Robustness of the core over real HTTP on both stores: whatever is acknowledged is projected and read back exactly,
// a failing event is quarantined instead of stalling everyone, batches tell the truth, GUID retries are idempotent,
// and journeys of any size can be read.
import { query } from '../helpers/sql.ts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../src/eventstore/lossless-json.ts';
import { rebuild } from '../helpers/rebuild.ts';
import { riskBody, startTestApp, type TestApp, TEST_ADMIN_SECRET } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const SEED = 20261201;

/**
 * JSON numbers are decimals: PostgreSQL's jsonb keeps the decimal a client wrote and may print it otherwise (1e20 as
 * 100000000000000000000, which reads back as an exact integer). Compared as normalised decimals (digits, exponent).
 */
const decimal = (n: number | bigint): string => {
  const text = typeof n === 'bigint' ? n.toString() : String(n);
  const [, sign, int, frac = '', exp = '0'] = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(text)!;
  let digits = (int! + frac).replace(/^0+/, '');
  let e = Number(exp) - frac.length;
  if (digits === '') return '0';
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    e++;
  }
  return `${sign}${digits}e${e}`;
};
const asDecimals = (v: unknown): unknown =>
  typeof v === 'number' || typeof v === 'bigint' ? { decimal: decimal(v) } : Array.isArray(v) ? v.map(asDecimals) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asDecimals(x)])) : v;

describe.each(storeTargets())('robustness on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target);
  });
  afterAll(async () => app?.close());

  /** Requests and answers as exact JSON text: integers beyond 2^53 survive both ways. */
  const send = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(app.url + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_SECRET}` }, body: body === undefined ? undefined : typeof body === 'string' ? body : stringifyJson(body) });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = parseJson(text);
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, text };
  };
  const open = async () => {
    const res = await app.post(`${T}/generate-guid`, riskBody());
    expect(res.status).toBe(201);
    return res.body.guid as string;
  };
  const stored = async () => Number((await query(app.rt.store, 'SELECT count(*) AS n FROM emt_messages')).rows[0].n);
  const journey = async (guid: string, query = '') => {
    const res = await send('GET', `${T}/journey/${guid}${query}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const audit = async (guid: string) => (await send('GET', `${T}/journey/${guid}/audit`)).text.trim().split('\n').map((l) => parseJson(l) as any);
  const sql = (text: string) => query(app.rt.store, text);

  describe('whatever is acknowledged can be projected and read back exactly', () => {
    const awkward = { message_id: '1234567890123456789', order_ref: '98765432109876543210', big: 123456789012345678901234n, negative: -9007199254740993n, nested: { deeper: ['12345678901234567890'] } };

    it('keeps long numeric strings and integers beyond 2^53 in details, metadata and batches, through the query, the audit and a rebuild', async () => {
      const guid = await open();
      expect((await send('POST', `${T}/log-event`, { guid, event_type: 'CHAT_MESSAGE', channel: 'CHAT', event_id: 'awkward-1', details: awkward })).status).toBe(201);
      const batch = await send('POST', `${T}/events`, {
        events: [
          { guid, event_type: 'EMAIL_SENT', channel: 'EMAIL', event_id: 'good-1' },
          { guid, event_type: 'CHAT_MESSAGE', channel: 'CHAT', event_id: 'awkward-2', details: awkward },
          { guid, event_type: 'EMAIL_OPENED', channel: 'EMAIL', event_id: 'good-2' },
        ],
      });
      expect(batch.body.results.map((r: any) => r.status)).toEqual([201, 201, 201]);
      expect((await send('POST', `${T}/journey/${guid}/transition`, { to_state: 'CLOSED', metadata: awkward })).status).toBe(200);
      const check = async () => {
        const j = await journey(guid);
        expect(j.events.filter((e: any) => e.event_id.startsWith('awkward')).map((e: any) => e.details)).toEqual([awkward, awkward]);
        expect(j.transitions.at(-1).metadata).toEqual(awkward);
        const lines = await audit(guid);
        expect(lines.filter((l) => l.data.event_id?.startsWith('awkward')).map((l) => l.data.details)).toEqual([awkward, awkward]);
      };
      await check();
      // Every journey written afterwards is still readable: nothing stalled the projection.
      const next = await open();
      await send('POST', `${T}/log-event`, { guid: next, event_type: 'EMAIL_SENT', channel: 'EMAIL' });
      expect((await journey(next)).summary.current_state).toBe('CONTACTED');
      await rebuild(app.rt);
      await check();
    });

    it('stores every 2xx event of arbitrary JSON details exactly, and a rebuild gives the same (property)', async () => {
      const guid = await open();
      const scalar = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.boolean(), fc.constant(null), fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 80n }));
      const value = fc.letrec((tie) => ({ v: fc.oneof({ depthSize: 'small', maxDepth: 4 }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 3 })) })).v;
      const details = fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 4 });
      const accepted = new Map<string, unknown>();
      const metadata: unknown[] = [];
      // The journey goes back and forth between ENGAGED and SCHEDULED: each move stores its metadata.
      await send('POST', `${T}/journey/${guid}/transition`, { to_state: 'ENGAGED' });
      let n = 0;
      await fc.assert(
        fc.asyncProperty(details, fc.constantFrom('single', 'batch', 'transition'), async (d, how) => {
          const event_id = `p-${n++}`;
          const event = { guid, event_type: 'PROPERTY_PROBE', channel: 'SYSTEM', event_id, details: d };
          const res =
            how === 'single'
              ? await send('POST', `${T}/log-event`, event)
              : how === 'batch'
                ? await send('POST', `${T}/events`, { events: [event] })
                : await send('POST', `${T}/journey/${guid}/transition`, { to_state: metadata.length % 2 ? 'ENGAGED' : 'SCHEDULED', metadata: d });
          const status = how === 'batch' ? res.body.results?.[0]?.status : res.status;
          // Only what the store cannot keep (a NUL, a lone surrogate) may be refused, and then with a 400.
          expect([200, 201, 400]).toContain(status);
          if (status === 400) return;
          if (how === 'transition') metadata.push(d);
          else accepted.set(event_id, d);
        }),
        { seed: SEED, numRuns: 90 },
      );
      const moves = (await journey(guid)).transitions.filter((t: any) => t.trigger === 'explicit').slice(1);
      expect(moves.map((t: any) => asDecimals(t.metadata))).toEqual(metadata.map(asDecimals));
      const detailsById = async () => new Map((await journey(guid, '?events_limit=1000')).events.map((e: any) => [e.event_id, e.details]));
      const before = await detailsById();
      for (const [id, d] of accepted) expect(asDecimals(before.get(id))).toEqual(asDecimals(d));
      const fromAudit = new Map((await audit(guid)).filter((l) => l.type === 'TrackingEventLogged').map((l) => [l.data.event_id, l.data.details]));
      for (const [id, d] of accepted) expect(asDecimals(fromAudit.get(id))).toEqual(asDecimals(d));
      expect(accepted.size).toBeGreaterThan(40);
      await rebuild(app.rt);
      expect(await detailsById()).toEqual(before);
    });

    it('refuses, with a 400 naming the field and storing nothing, what a read model cannot hold', async () => {
      const guid = await open();
      const before = await stored();
      const deep = (n: number): unknown => (n === 0 ? 1 : { d: deep(n - 1) });
      const cases: [Record<string, unknown>, string][] = [
        [{ event_type: 'SERVICED', channel: 'SYSTEM', details: { revenue: 1e20 } }, 'details.revenue'],
        [{ event_type: 'SERVICED', channel: 'SYSTEM', details: { revenue: 1e308 } }, 'details.revenue'],
        [{ event_type: 'EMAIL_SENT', channel: 'EMAIL', occurred_at: '0000-01-01T00:00:00Z' }, 'occurred_at'],
        [{ event_type: 'NOTE', channel: 'SYSTEM', details: deep(40) as Record<string, unknown> }, 'details'],
        [{ event_type: 'NOTE', channel: 'SYSTEM', details: { text: 'a\u0000b' } }, 'details.text'],
        [{ event_type: 'NOTE', channel: 'SYSTEM', details: { text: 'a\ud800b' } }, 'details.text'],
        [{ event_type: 'NOTE', channel: 'SYSTEM', session_id: 'x\u0000' }, 'session_id'],
      ];
      for (const [body, path] of cases) {
        const res = await send('POST', `${T}/log-event`, { guid, ...body });
        expect(res.status, path).toBe(400);
        expect(res.body.violations.map((v: any) => v.path), path).toContain(path);
      }
      // 1E400 parses as Infinity, which JSON writes as null: refused rather than stored as something else.
      const infinite = await send('POST', `${T}/log-event`, `{"guid":"${guid}","event_type":"NOTE","channel":"SYSTEM","details":{"x":1E400}}`);
      expect(infinite.status).toBe(400);
      expect(infinite.body.violations.map((v: any) => v.path)).toEqual(['details.x']);
      const tooDeep = await send('POST', `${T}/log-event`, `{"guid":"${guid}","event_type":"NOTE","channel":"SYSTEM","details":${'{"d":'.repeat(3000)}1${'}'.repeat(3000)}}`);
      expect(tooDeep.status).toBe(400);
      const deeper = await send('POST', `${T}/events`, `${'['.repeat(12_000)}${']'.repeat(12_000)}`);
      expect(deeper.status).toBe(400);
      expect(await stored()).toBe(before);
    });

    it('projects and reads a journey of 2,300 touches, attributing a bounded path', async () => {
      const guid = await open();
      const base = Date.parse('2024-12-07T11:00:00Z');
      for (let b = 0; b < 3; b++) {
        const events = Array.from({ length: b < 2 ? 1000 : 300 }, (_, i) => ({ guid, event_type: i % 2 ? 'EMAIL_OPENED' : 'SMS_SENT', channel: i % 2 ? 'EMAIL' : 'SMS', event_id: `t-${b}-${i}`, occurred_at: new Date(base + (b * 1000 + i) * 1000).toISOString() }));
        expect((await send('POST', `${T}/events`, { events })).body.accepted).toBe(events.length);
      }
      await send('POST', `${T}/log-event`, { guid, event_type: 'SCHEDULED', channel: 'PORTAL', occurred_at: '2024-12-08T12:00:00Z', details: { appointment_id: 'a' } });
      const j = await journey(guid);
      expect(j.summary).toMatchObject({ total_touches: 2300, total_events: 2301, current_state: 'SCHEDULED' });
      expect(j.events).toHaveLength(300);
      expect(j.events_page).toMatchObject({ limit: 300, total: 2301, next_cursor: expect.any(String) });
      const path = (await sql(`SELECT cardinality(path) AS n, json_array_length(touches::json) AS all FROM journey_paths WHERE guid = '${guid}'`)).rows[0];
      expect(path).toEqual({ n: 100, all: 2300 });
      expect((await send('GET', `${T}/attribution?start_date=2024-12-08&end_date=2024-12-09&model=linear`)).status).toBe(200);
      // Paging visits every event once, in either order.
      for (const order of ['asc', 'desc']) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: any = await journey(guid, `?events_limit=1000&events_order=${order}${cursor ? `&events_cursor=${cursor}` : ''}`);
          seen.push(...page.events.map((e: any) => e.event_id));
          cursor = page.events_page.next_cursor;
        } while (cursor);
        expect(new Set(seen).size).toBe(2301);
        expect(seen[0]).toBe(order === 'asc' ? 't-0-0' : seen.find((id) => !id.startsWith('t-')));
      }
      expect((await send('GET', `${T}/journey/${guid}?events_cursor=garbage`)).status).toBe(400);
      expect((await send('GET', `${T}/journey/${guid}?events_limit=5000`)).status).toBe(400);
    });
  });

  describe('a failing event never stalls everyone', () => {
    it('quarantines an event the projection cannot apply, reports it, goes on with the rest, and a rebuild after the fix applies it', async () => {
      const guid = await open();
      // A read model that refuses one row (as a bad migration or a constraint would) makes the projection fail on it.
      await sql(`CREATE OR REPLACE FUNCTION tl_test_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                   IF NEW.event_id = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$`);
      await sql('CREATE TRIGGER tl_test_poison BEFORE INSERT ON tracking_events FOR EACH ROW EXECUTE FUNCTION tl_test_poison()');
      expect((await send('POST', `${T}/events`, { events: [
        { guid, event_type: 'EMAIL_SENT', channel: 'EMAIL', event_id: 'before' },
        { guid, event_type: 'EMAIL_OPENED', channel: 'EMAIL', event_id: 'poison' },
        { guid, event_type: 'EMAIL_CLICKED', channel: 'EMAIL', event_id: 'after' },
      ] })).body.accepted).toBe(3);
      const j = await journey(guid);
      expect(j.degraded).toBe(true);
      expect(j.quarantined_events).toEqual([{ stream_position: expect.any(Number), event_type: 'TrackingEventLogged', error: expect.stringContaining('poisoned row') }]);
      expect(j.events.map((e: any) => e.event_id).sort()).toEqual(['after', 'before']);
      const other = await open();
      await send('POST', `${T}/log-event`, { guid: other, event_type: 'SMS_SENT', channel: 'SMS' });
      expect((await journey(other)).summary.current_state).toBe('CONTACTED');
      const health = await send('GET', '/healthz');
      expect(health.body.projections.journeys).toMatchObject({ state: 'running', quarantined: 1 });
      const listed = await send('GET', '/api/v2/admin/quarantine');
      expect(listed.body.quarantined).toEqual([expect.objectContaining({ projection: 'journeys', stream_id: `journey-${guid}`, event_type: 'TrackingEventLogged' })]);
      // The fix (the trigger goes), then a rebuild: the event is applied and nothing is quarantined any more.
      await sql('DROP TRIGGER IF EXISTS tl_test_poison ON tracking_events');
      await rebuild(app.rt);
      const fixed = await journey(guid);
      expect(fixed.degraded).toBe(false);
      expect(fixed.events.map((e: any) => e.event_id).sort()).toEqual(['after', 'before', 'poison']);
      expect((await send('GET', '/healthz')).body.projections.journeys.quarantined).toBe(0);
    });

    it('quarantines an event stored by another writer that no read model can hold', async () => {
      const guid = await open();
      const { currentStreamVersion } = await app.rt.store.eventStore.readStream(`journey-${guid}`);
      await app.rt.store.eventStore.appendToStream(`journey-${guid}`, [
        { type: 'TrackingEventLogged', data: { event_id: 'year-zero', guid, event_type: 'NOTE', channel: 'SYSTEM', occurred_at: '0000-01-01T00:00:00Z', received_at: '0000-01-01T00:00:00Z', actor: null, dealer_code: null, session_id: null, user_id: null, details: {} } },
      ], { expectedStreamVersion: currentStreamVersion });
      await send('POST', `${T}/log-event`, { guid, event_type: 'EMAIL_SENT', channel: 'EMAIL', event_id: 'fine' });
      const j = await journey(guid);
      expect(j.degraded).toBe(true);
      expect(j.events.map((e: any) => e.event_id)).toEqual(['fine']);
      expect(j.summary.current_state).toBe('CONTACTED');
    });
  });

  describe('batches are all-or-nothing and truthful', () => {
    it('stores nothing behind a 5xx, and a retry of the same batch converges on duplicates', async () => {
      const [g1, g2] = [await open(), await open()];
      await sql(`CREATE OR REPLACE FUNCTION tl_test_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                   IF NEW.message_data->>'event_id' = 'boom' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$`);
      await sql('CREATE TRIGGER tl_test_boom BEFORE INSERT ON emt_messages FOR EACH ROW EXECUTE FUNCTION tl_test_boom()');
      const events = [...Array.from({ length: 12 }, (_, i) => ({ guid: i % 2 ? g1 : g2, event_type: 'EMAIL_SENT', channel: 'EMAIL', event_id: `b-${i}` })), { guid: g1, event_type: 'EMAIL_SENT', channel: 'EMAIL', event_id: 'boom' }];
      const before = await stored();
      const failed = await send('POST', `${T}/events`, { events });
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(await stored()).toBe(before);
      await sql('DROP TRIGGER tl_test_boom ON emt_messages');
      const retried = await send('POST', `${T}/events`, { events });
      expect(retried.body.results.map((r: any) => r.status)).toEqual(events.map(() => 201));
      const again = await send('POST', `${T}/events`, { events });
      expect(again.body.results.map((r: any) => r.status)).toEqual(events.map(() => 200));
    });
  });

  describe('GUID retries are idempotent', () => {
    it('resolves the same risk event to the same journey whatever arrives in between', async () => {
      const first = riskBody();
      const other = { ...first, risk_event: { ...first.risk_event, risk_score: 12 } };
      const a = await app.post(`${T}/generate-guid`, first);
      expect(a.status).toBe(201);
      const b = await app.post(`${T}/generate-guid`, other);
      expect(b.status).toBe(409);
      expect(b.body).toMatchObject({ code: 'risk_event_conflict', guid: a.body.guid });
      const retry = await app.post(`${T}/generate-guid`, first);
      expect(retry).toMatchObject({ status: 200, body: { guid: a.body.guid } });
      const journeys = (await sql(`SELECT count(*) AS n FROM emt_messages WHERE message_type = 'JourneyCreated' AND message_data->>'vin' = '${first.vin}'`)).rows[0].n;
      expect(Number(journeys)).toBe(1);
    });
  });

  describe('reads are consistent', () => {
    it('reads summary, events and transitions in one snapshot while the journey is written', async () => {
      const guid = await open();
      const writes = Promise.all(Array.from({ length: 120 }, (_, i) => send('POST', `${T}/log-event`, { guid, event_type: i % 3 ? 'EMAIL_OPENED' : 'EMAIL_SENT', channel: 'EMAIL', event_id: `c-${i}` })));
      const reads: any[] = [];
      for (let i = 0; i < 25; i++) reads.push(await journey(guid));
      await writes;
      reads.push(await journey(guid));
      for (const j of reads) {
        expect(j.events.length).toBe(j.summary.total_events);
        expect(j.analytics.touchpoints).toBe(j.summary.total_touches);
        expect(j.transitions.at(-1).to).toBe(j.summary.current_state);
      }
      expect(reads.at(-1).summary.total_events).toBe(120);
    });
  });
});
