// Fuzzing the HTTP API over real HTTP on both stores: whatever a client sends, the answer is a 2xx or a 4xx
// problem+json with a stable code, never a 5xx, and only what a 2xx acknowledged is stored.
import { query } from '../helpers/sql.ts';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { riskBody, startTestApp, type TestApp, TEST_ADMIN_SECRET } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const A = '/api/v2/analytics';
const SEED = 20261201;
/**
 * Cases per endpoint. Measured on the 2-core VM: 1,000 an endpoint took 40-52 s on PGlite and 24-27 s on PostgreSQL,
 * 84 s for the file on a quiet machine and 100 s beside another benchmark. PostgreSQL gets 500 (12 s; 64 s for the
 * file): PGlite is the same engine (the NUL and timestamp-range 5xx below show on both), so that leg adds the pg
 * driver and a pool, not new validation paths.
 */
const RUNS_BY_STORE = { pglite: 1000, postgres: 500 } as const;
/**
 * Requests in flight at once: the server's work overlaps the database's (PGlite: 52 s with 8, 62 s one at a time).
 * The seed fixes the requests; how the answers of one wave interleave may differ from run to run.
 */
const WAVE = 8;

interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}
interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks. Bodies are generated as JSON *text*, so that raw number tokens (1e400, 30-digit integers),
// duplicate keys and own "__proto__" keys reach the server exactly as written.
// ---------------------------------------------------------------------------------------------------------------
const PROTO_NAMES = ['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'prototype'];
const char16 = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const HUGE = 'x'.repeat(100_000);
const weirdString = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(...PROTO_NAMES, '', ' ', 'NaN', 'Infinity', '-0', 'null', 'undefined', 'true', '%00', '../..', '💥', '\u202e',
      '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud800y', '\udfff\ud800', 'x'.repeat(300), 'Y'.repeat(5000)),
  },
  { weight: 4, arbitrary: fc.string({ unit: char16, maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
);
const weirdKey = fc.oneof(fc.constantFrom(...PROTO_NAMES, '', '\u0000', 'k\u0000', '\ud800', '\udfff', 'extra'), fc.string({ unit: char16, maxLength: 8 }));
const NUMBER_TOKENS = ['1e308', '-1e308', '1e20', '1E400', '-1e400', '123456789012345678901234567890', '-123456789012345678901234567890', '9007199254740993', '-0', '0', '0.0', '1e-400', '-1', '1.5', '999999999999.99', '1000000000000000', '1e15'];
const rawNumber = fc.oneof(
  fc.constantFrom(...NUMBER_TOKENS),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }).map(String),
);
const str = (a: fc.Arbitrary<string>) => a.map((s) => JSON.stringify(s));
const jsonObject = (entries: [string, string][]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
const jsonValueText = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null');
const hostileValue: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    { weight: 4, arbitrary: str(weirdString) },
    // Only here, where it breaks a field: a huge string that is stored would make every later read slow.
    { weight: 1, arbitrary: fc.constant(JSON.stringify(HUGE)) },
    { weight: 3, arbitrary: rawNumber },
    { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', '[]', '{}', '[[[[[]]]]]') },
    { weight: 1, arbitrary: jsonValueText },
    { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 3 }).map((xs) => `[${xs.join(',')}]`) },
    { weight: 1, arbitrary: fc.array(fc.tuple(weirdKey, tie('v')), { maxLength: 3 }).map(jsonObject) },
  ),
})).v;

const HOSTILE_TIMES = [
  '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '275760-09-13T00:00:00Z',
  '-005000-01-01T00:00:00Z', '-004714-11-23T00:00:00Z', '-004713-11-24T00:00:00Z', '1969-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-12-07T24:00:00Z', '2024-12-07T10:00:00+24:00', '2024-12-07T10:00:00',
  '2024-12-07', '2100-01-01T00:00:00Z', '2024-12-07T10:00:00.123456789Z', 'NaN', 'Invalid Date', 'now', '1e308', '', ' 2024-12-07T10:00:00Z',
];
/** Plausible event times: before the server's clock (no future skew), in a few notations. */
const validTime = fc
  .tuple(fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2025-12-31T00:00:00Z') }), fc.constantFrom('Z', 'ms', '+05:30', '-08:00'))
  .map(([t, form]) => {
    const iso = new Date(t).toISOString();
    if (form === 'ms') return iso;
    if (form === 'Z') return `${iso.slice(0, 19)}Z`;
    const sign = form.startsWith('-') ? -1 : 1;
    const [h, m] = form.slice(1).split(':').map(Number) as [number, number];
    return `${new Date(t + sign * (h * 60 + m) * 60_000).toISOString().slice(0, 19)}${form}`;
  });
/** `valid` four times in five, else one of `edgy`: most cases should pass validation (to reach the store and the read models); mutations break the rest. */
const mostly = <T>(valid: fc.Arbitrary<T>, ...edgy: fc.Arbitrary<T>[]) => fc.oneof({ weight: 4 * edgy.length, arbitrary: valid }, ...edgy.map((arbitrary) => ({ weight: 1, arbitrary })));
/** Any instant a JS Date holds (years -271821 to 275760), written as toISOString writes it. */
const anyInstant = fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString());
const anyTime = mostly(validTime, fc.constantFrom(...HOSTILE_TIMES), anyInstant, weirdString);
const anyDate = mostly(fc.oneof(validTime.map((t) => t.slice(0, 10)), validTime), fc.constantFrom('0000-01-01', '0001-01-01', '9999-12-31', '1000-01-01', '2024-13-01', '2024-02-30', '24-12-07', ...HOSTILE_TIMES), weirdString);

/** A field's valid-looking value as JSON text, or sometimes a hostile one. */
type Spec = Record<string, fc.Arbitrary<string>>;
const fieldsOf = (spec: Spec, optional: readonly string[] = []) =>
  fc.record(Object.fromEntries(Object.entries(spec).map(([k, a]) => [k, optional.includes(k) ? fc.option(a, { nil: undefined, freq: 2 }) : a]))).map((r) =>
    Object.entries(r).filter((e): e is [string, string] => e[1] !== undefined),
  );
/** Up to three fields replaced by a hostile value, removed, or added under an unknown or prototype key. */
const mutated = (valid: fc.Arbitrary<[string, string][]>, names: string[]) =>
  fc.tuple(valid, fc.array(fc.tuple(fc.oneof(fc.constantFrom(...names), weirdKey), fc.option(hostileValue, { nil: undefined, freq: 4 }), fc.boolean()), { minLength: 1, maxLength: 3 })).map(([entries, muts]) => {
    let out = entries;
    // `dup` keeps the old entry too: a duplicate key, of which JSON.parse keeps the last.
    for (const [k, v, dup] of muts) out = [...(dup ? out : out.filter(([x]) => x !== k)), ...(v === undefined ? [] : ([[k, v]] as [string, string][]))];
    return out;
  });
/** A body: valid, one-to-three fields broken, chaos under the right keys, or any JSON value at all. */
const bodyOf = (spec: Spec, optional: readonly string[] = []) => {
  const names = Object.keys(spec);
  const valid = fieldsOf(spec, optional);
  return fc.oneof(
    { weight: 5, arbitrary: valid.map(jsonObject) },
    { weight: 4, arbitrary: mutated(valid, names).map(jsonObject) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom(...names), hostileValue), { maxLength: names.length }).map(jsonObject) },
    { weight: 1, arbitrary: hostileValue },
  );
};
/** A nested object: mostly valid, sometimes broken. */
const nested = (spec: Spec, optional: readonly string[] = []) =>
  fc.oneof({ weight: 4, arbitrary: fieldsOf(spec, optional).map(jsonObject) }, { weight: 1, arbitrary: mutated(fieldsOf(spec, optional), Object.keys(spec)).map(jsonObject) });
/** A nested object whose every field is optional. */
const optionalFields = (spec: Spec) => nested(spec, Object.keys(spec));

/** Percent-encodes as a client would (a lone surrogate becomes U+FFFD first: encodeURIComponent refuses it). */
const pct = (s: string) => encodeURIComponent(s.replace(/\p{Surrogate}/gu, '\ufffd'));
const MALFORMED_ESCAPES = ['%', '%zz', '%E0%A4%A', '%00', 'a%00b', '%ED%A0%80', '%C0%80', '%FF', '%2', '+', '%2B', '%26', '%3D', '..', '.', '%2e%2e', '%2F'];
/** What fits in a URL: Node refuses a request head over 16 KiB (see the 431 case), and UTF-8 escapes are 9 chars a char. */
const urlString = weirdString.filter((s) => s.length <= 1000);
const pathSegment = fc.oneof(
  { weight: 3, arbitrary: urlString.map(pct) },
  { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_ESCAPES) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8000 }).map((n) => 'A'.repeat(n)) },
);
const GUID_SHAPE = /^FORD-20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])-[A-Z0-9]{3}-[A-Z]{3}-[A-Z0-9]{1,16}-[0-9A-F]{6}$/;
const NEAR_GUIDS = [
  'FORD-2024-02-30-BAT-CRT-DET001-A7B9C2', 'FORD-2024-12-07-BAT-CRT-DET001-a7b9c2', 'ford-2024-12-07-BAT-CRT-DET001-A7B9C2', 'FORD-2024-12-07-BAT-CRT-DET-001-A7B9C2',
  'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2-', '-2024-12-07-BAT-CRT-DET001-A7B9C2', 'FORD-0000-00-00-BAT-CRT-DET001-000000',
];

/** Query string: the endpoint's parameters (each maybe absent, a required one rarely), sometimes repeated, unknown or malformed ones. */
const queryOf = (spec: Spec, required: readonly string[] = []) => {
  const names = Object.keys(spec);
  const value = (a: fc.Arbitrary<string>) => mostly(a.map(pct), urlString.map(pct), fc.constantFrom(...MALFORMED_ESCAPES, ''));
  const known = fc.record(Object.fromEntries(names.map((k) => [k, fc.option(value(spec[k]!), { nil: undefined, freq: required.includes(k) ? 10 : 2 })])));
  const extra = fc.oneof(
    { weight: 6, arbitrary: fc.constant([] as [string, string][]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...names), fc.constantFrom(...PROTO_NAMES), weirdKey.map(pct), fc.constantFrom(...MALFORMED_ESCAPES)), value(urlString)), { minLength: 1, maxLength: 3 }) },
  );
  return fc.tuple(known, extra).map(([k, x]) => {
    const pairs = [...Object.entries(k).filter((e): e is [string, string] => e[1] !== undefined), ...x];
    return pairs.length === 0 ? '' : `?${pairs.map(([key, v]) => `${key}=${v}`).join('&')}`;
  });
};
const limitText = mostly(fc.integer({ min: 1, max: 500 }).map(String), fc.integer({ min: -3, max: 1100 }).map(String), fc.constantFrom(...NUMBER_TOKENS, '1e3', '0x10', ' 5', '5 ', 'Infinity', 'NaN', '', '00001', '1_0'));
const base64url = fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64url'));
/** Cursors: random base64url, or base64url JSON with forged or wrongly typed fields. */
const cursorOf = (timeKey: string, idKey: string, real: () => string[]) => {
  const forged = fieldsOf({ [timeKey]: str(anyTime), [idKey]: str(mostly(shortId, weirdString.filter((s) => s.length < 400), fc.constant('x'.repeat(201)))) });
  return fc.oneof(
    { weight: 2, arbitrary: base64url },
    { weight: 4, arbitrary: fc.oneof(forged, mutated(forged, [timeKey, idKey])).map((e) => Buffer.from(jsonObject(e)).toString('base64url')) },
    { weight: 1, arbitrary: hostileValue.map((v) => Buffer.from(v).toString('base64url')) },
    { weight: 1, arbitrary: fc.nat().map((i) => real()[i % real().length] ?? '') },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(501), '=', '====', '!!', 'eyJ') },
  );
};

const OUTREACH_STATES = ['CREATED', 'QUEUED', 'CONTACTED', 'ENGAGED', 'SCHEDULED', 'ARRIVED', 'SERVICED', 'CLOSED', 'ABANDONED'];
const CONVERSATION_STATES = ['INBOUND_QUEUE', 'BOT_SESSION', 'PENDING_AGENT', 'HUMAN_ASSISTANCE', 'RESOLVED', 'CLOSED', 'EXPIRED'];
const stateName = mostly(fc.constantFrom(...OUTREACH_STATES, ...CONVERSATION_STATES), fc.constantFrom(...PROTO_NAMES, 'engaged', ' QUEUED'), weirdString);
const CHANNELS = ['PHONE', 'EMAIL', 'SMS', 'PORTAL', 'CHAT', 'WEBVIEW', 'SYSTEM'];
const EVENT_TYPES = [
  'EMAIL_SENT', 'EMAIL_OPENED', 'EMAIL_CLICKED', 'EMAIL_BOUNCED', 'SMS_SENT', 'SMS_RECEIVED', 'CALL_INITIATED', 'CALL_COMPLETED', 'PORTAL_SCHEDULE_APPOINTMENT',
  'APPOINTMENT_CANCELLED', 'SERVICED', 'MESSAGE_RECEIVED', 'MESSAGE_SENT', 'AGENT_ASSIGNED', 'WEBVIEW_STEP', 'CONVERSATION_RESOLVED', 'SESSION_EXPIRED',
  ...OUTREACH_STATES, ...CONVERSATION_STATES, 'CONSTRUCTOR', 'TO_STRING', '__PROTO__', 'PROTOTYPE', 'HAS_OWN_PROPERTY',
];
const dealerCode = fc.oneof(fc.constantFrom('DET001', 'det002', 'A', 'ABCDEFGHIJKLMNOP'), fc.stringMatching(/^[A-Za-z0-9]{1,16}$/));
const shortId = fc.stringMatching(/^[A-Za-z0-9._:@-]{1,40}$/);
/** Catalogue-shaped details (outcome, revenue, appointment_id, …) with raw numbers, or anything at all. */
const detailsText = fc.oneof(
  {
    weight: 8,
    arbitrary: optionalFields({
      outcome: str(mostly(fc.constantFrom('connected', 'busy', 'appointment_scheduled'), fc.constant('maybe'))),
      revenue: mostly(fc.integer({ min: 0, max: 10_000 }).map(String), rawNumber),
      duration_seconds: mostly(fc.nat().map(String), rawNumber),
      segments: mostly(fc.integer({ min: 1, max: 9 }).map(String), rawNumber),
      appointment_id: str(shortId),
      source: str(mostly(fc.constantFrom('sms', 'webchat'), fc.constant('fax'))),
      sender: str(fc.constantFrom('bot', 'agent')),
      agent_id: str(shortId),
      webview_id: str(shortId),
      step: str(shortId),
      resolved_by: str(fc.constantFrom('bot', 'agent')),
      reason: str(fc.constantFrom('customer_request', 'policy')),
      bounce_type: str(fc.constantFrom('hard', 'soft')),
      url: str(mostly(fc.constant('https://example.com/x'), fc.constantFrom('not a url', 'javascript:alert(1)'))),
      text: str(mostly(fc.string({ maxLength: 40 }), weirdString)),
      keyword: str(fc.constantFrom('STOP', 'YES', 'stop')),
      scheduled_for: str(anyTime),
    }),
  },
  { weight: 1, arbitrary: hostileValue },
  { weight: 1, arbitrary: jsonValueText },
);

// Raw bodies: not JSON, too deep, too big, wrongly typed, encoded or in a charset, to every command.
const RAW_BODIES: (string | Buffer)[] = [
  '', ' ', '\n\t', 'null', 'true', '"a string"', '123456789012345678901234567890', '1e400', '[]', '{}', '[{}]', '{"events":[]}', '{', '}', '{"a":', '{"a":1,,}',
  "{'a':1}", '{"a":1} trailing', '{"a":NaN}', '{"a":Infinity}', '{"a":undefined}', '{"a":0x10}', '{"a":"\\u12"}', '{"a":"\\ud800"}', '{"\\u0000":1}', '"\\u0000"',
  '\ufeff{"a":1}', '/* c */ {}', '[1,2,3', '{"a":[}', '[', ']'.repeat(100), '['.repeat(65) + ']'.repeat(65), '['.repeat(12_000), '{"a":'.repeat(12_000),
  '['.repeat(100_000) + ']'.repeat(100_000), `{"a":"${'\\\\'.repeat(1000)}`, Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d]), Buffer.from([0x00, 0x00, 0x00]),
];
const OVERSIZE = JSON.stringify({ guid: 'x', event_type: 'A', channel: 'EMAIL', details: { blob: 'x'.repeat(1_100_000) } });
const GZIP_BOMB = gzipSync('x'.repeat(3_000_000));
const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/merge-patch+json', 'application/problem+json', 'text/plain',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/json', 'application/*', '*/*', '', 'application/json; charset=latin1',
  'application/json; charset=iso-8859-1', 'application/json; charset=utf-16', 'application/json; charset=unknown-charset', 'application/json; charset="utf-8"',
  'application/json;;;', 'application/json; boundary',
];
const ENCODINGS = ['gzip', 'br', 'deflate', 'identity', 'compress', 'x-unknown', 'gzip, gzip', 'GZIP', ''];
const encode = (encoding: string, text: string): Buffer => {
  const b = Buffer.from(text, 'utf8');
  if (encoding === 'gzip' || encoding === 'GZIP') return gzipSync(b);
  if (encoding === 'br') return brotliCompressSync(b);
  if (encoding === 'deflate') return deflateSync(b);
  return b;
};

describe.each(storeTargets())('fuzz on $name', (target) => {
  const RUNS = RUNS_BY_STORE[target.name];
  let app: TestApp;
  let host = '';
  let port = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: WAVE });
  const outreachGuids: string[] = [];
  const conversationGuids: string[] = [];
  const realEventCursors: string[] = [];
  const realListCursors: string[] = [];

  /** node:http, not fetch: fetch normalises `..` and `%2e%2e` in paths and refuses some headers. */
  const send = (r: Req): Promise<Res> =>
    new Promise((resolve, reject) => {
      const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
      const headers = { authorization: `Bearer ${TEST_ADMIN_SECRET}`, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(body.length) }), ...r.headers };
      const req = httpRequest({ agent, host, port, method: r.method, path: r.path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(body);
    });

  const describeReq = (r: Req) => {
    const body = r.body === undefined ? '' : Buffer.isBuffer(r.body) ? `<${r.body.length} bytes: ${r.body.subarray(0, 40).toString('hex')}>` : JSON.stringify(r.body.slice(0, 400));
    return `${r.method} ${r.path.length > 400 ? `${r.path.slice(0, 400)}…(${r.path.length} chars)` : r.path} ${JSON.stringify(r.headers ?? {})} ${body}${typeof r.body === 'string' && r.body.length > 400 ? `…(${r.body.length} chars)` : ''}`;
  };

  /** Never a 5xx; every 4xx a problem+json whose status and code a client can rely on. */
  const isClientSafe = (r: Req, res: Res) =>
    res.status >= 200 &&
    res.status < 500 &&
    (res.status < 400 || ((res.headers['content-type'] ?? '').includes('application/problem+json') && (r.method === 'HEAD' || (typeof res.json?.code === 'string' && res.json.status === res.status))));
  /** The same, as assertions that say which part failed (expect is too slow to run 30,000 times when all is well). */
  const expectClientSafe = (r: Req, res: Res) => {
    if (isClientSafe(r, res)) return;
    const what = `${describeReq(r)} -> ${res.status} ${res.headers['content-type'] ?? ''} ${res.text.slice(0, 300)}`;
    expect(res.status, what).toBeGreaterThanOrEqual(200);
    expect(res.status, what).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.headers['content-type'] ?? '', what).toContain('application/problem+json');
      // A HEAD answer has the headers of the GET and no body.
      if (r.method === 'HEAD') return;
      expect(typeof res.json?.code, what).toBe('string');
      expect(res.json.status, what).toBe(res.status);
    }
  };

  /** What the 2xx answers of a run acknowledged, told apart by the answer's shape (routing ignores case and a trailing slash). */
  const acknowledged = { logged: 0, created: 0, moved: 0 };
  /** GUIDs answered again (200): such a retry may reserve its new Idempotency-Key. */
  let reissued = 0;
  /** 2xx answers that may have written lifecycle events (implied moves, timeline revisions) besides what they acknowledged. */
  let lifecycle = 0;
  const account = (r: Req, res: Res) => {
    if (r.method !== 'POST' || res.status >= 300 || !res.json || typeof res.json !== 'object') return;
    const b = res.json;
    if (Array.isArray(b.results)) {
      for (const e of b.results) {
        if (![200, 201, 400, 404].includes(e.status)) expect.fail(`${describeReq(r)}: event result ${JSON.stringify(e)}`);
        if (e.status === 201) acknowledged.logged++;
      }
      if (b.accepted + b.rejected !== b.results.length) expect.fail(`${describeReq(r)}: ${b.accepted} + ${b.rejected} results of ${b.results.length}`);
      lifecycle++;
    } else if (typeof b.guid === 'string') {
      if (res.status === 201) acknowledged.created++;
      else reissued++;
    } else if (b.success === true) {
      if (res.status === 201) acknowledged.logged++;
      if (b.changed === true) acknowledged.moved++;
      lifecycle++;
    }
  };

  const counts = async () => {
    const { rows } = await query(app.rt.store, 
      `SELECT count(*) AS total, count(*) FILTER (WHERE message_type = 'TrackingEventLogged') AS logged,
              count(*) FILTER (WHERE message_type = 'JourneyCreated') AS created,
              count(*) FILTER (WHERE message_type = 'GuidReserved') AS reserved,
              count(*) FILTER (WHERE message_type = 'JourneyTransitioned' AND message_data->>'trigger' = 'explicit') AS moved
         FROM emt_messages`,
    );
    const r = rows[0] as Record<string, string>;
    return { total: Number(r['total']), logged: Number(r['logged']), created: Number(r['created']), reserved: Number(r['reserved']), moved: Number(r['moved']) };
  };

  /**
   * Sends `RUNS` generated requests, `WAVE` at a time (one keep-alive connection each), and checks every answer;
   * then that the store grew by exactly what the 2xx answers acknowledged (counted once per property: counting after
   * every request would double the runtime).
   */
  const fuzz = async (arb: fc.Arbitrary<Req>, check: (r: Req, res: Res) => void = () => {}) => {
    const before = await counts();
    acknowledged.logged = acknowledged.created = acknowledged.moved = reissued = lifecycle = 0;
    let cases = 0;
    // A failure prints the requests as describeReq does (bodies of 100,000 characters cut short).
    const req = arb.filter((r) => r.path.length < 14_000).map((r) => Object.assign(r, { [fc.toStringMethod]: () => describeReq(r) }));
    await fc.assert(
      fc.asyncProperty(fc.array(req, { minLength: WAVE, maxLength: WAVE }), async (wave) => {
        const answers = await Promise.all(wave.map(send));
        wave.forEach((r, i) => {
          const res = answers[i]!;
          cases++;
          expectClientSafe(r, res);
          account(r, res);
          check(r, res);
        });
      }),
      { seed: SEED, numRuns: Math.ceil(RUNS / WAVE) },
    );
    const after = await counts();
    expect(cases).toBe(Math.ceil(RUNS / WAVE) * WAVE);
    expect({ logged: after.logged - before.logged, created: after.created - before.created, moved: after.moved - before.moved }).toEqual(acknowledged);
    // A new journey reserves its risk event and its Idempotency-Key (at most two GuidReserved), a retry its new key;
    // implied moves and timeline revisions come only with an acknowledged event or move.
    const reserved = after.reserved - before.reserved;
    expect(reserved).toBeLessThanOrEqual(2 * acknowledged.created + reissued);
    if (lifecycle === 0) expect(after.total - before.total - reserved).toBe(acknowledged.created);
    return acknowledged;
  };

  beforeAll(async () => {
    app = await startTestApp(target);
    const u = new URL(app.url);
    host = u.hostname;
    port = Number(u.port);
    // Enough journeys that explicit transitions keep finding one that is not closed yet.
    for (let i = 0; i < 12; i++) {
      const res = await app.post(`${T}/generate-guid`, riskBody());
      expect(res.status).toBe(201);
      outreachGuids.push(res.body.guid);
    }
    for (const channel of ['CHAT', 'SMS', 'WEBVIEW']) {
      const conv = await app.post(`${T}/conversations`, { channel, dealer_code: 'DET002' });
      expect(conv.status).toBe(201);
      conversationGuids.push(conv.body.guid);
    }
    for (let i = 0; i < 4; i++) expect((await app.post(`${T}/log-event`, { guid: outreachGuids[0], event_type: 'EMAIL_SENT', channel: 'EMAIL', event_id: `seed-${i}`, occurred_at: `2024-12-0${i + 1}T10:00:00Z` })).status).toBe(201);
    expect((await app.post(`${T}/journey/${outreachGuids[1]}/transition`, { to_state: 'ENGAGED' })).status).toBe(200);
    realEventCursors.push((await app.get(`${T}/journey/${outreachGuids[0]}?events_limit=1`)).body.events_page.next_cursor);
    realListCursors.push((await app.get(`${T}/journeys?limit=1`)).body.next_cursor);
    expect(realEventCursors[0] && realListCursors[0]).toBeTruthy();
  });
  afterAll(async () => {
    agent.destroy();
    await app?.close();
  });

  const existingGuid = fc.nat().map((i) => outreachGuids[i % outreachGuids.length]!);
  const anyGuidText = fc.oneof(
    { weight: 6, arbitrary: existingGuid },
    { weight: 2, arbitrary: fc.nat().map((i) => conversationGuids[i % conversationGuids.length]!) },
    { weight: 2, arbitrary: fc.stringMatching(GUID_SHAPE) },
    { weight: 1, arbitrary: fc.constantFrom(...NEAR_GUIDS) },
    { weight: 1, arbitrary: weirdString },
  );
  const guidInPath = fc.oneof({ weight: 5, arbitrary: anyGuidText.filter((g) => g.length <= 600).map(pct) }, { weight: 2, arbitrary: pathSegment });
  const post = (path: string) => (body: string): Req => ({ method: 'POST', path, body });

  const riskEvent = nested(
    {
      component_code: str(fc.oneof(fc.constantFrom('BAT', 'ENG', 'brk'), fc.stringMatching(/^[A-Za-z0-9]{3}$/))),
      severity: str(mostly(fc.constantFrom('CRITICAL', 'HIGH', 'moderate', 'Low'), fc.constant('SEVERE'))),
      risk_score: mostly(fc.double({ min: 0, max: 1e15, noNaN: true }).map(String), rawNumber),
      // Often the same timestamp: with a repeated VIN, the same risk event again (200) or told otherwise (409).
      timestamp: str(mostly(fc.oneof(fc.constant('2024-12-07T10:00:00Z'), validTime), anyTime)),
      failure_probability: mostly(fc.double({ min: 0, max: 1, noNaN: true }).map(String), rawNumber),
    },
    ['failure_probability'],
  );
  const generateGuidBody = bodyOf(
    {
      vin: str(mostly(fc.stringMatching(/^[A-HJ-NPR-Z0-9]{17}$/), fc.constantFrom('1FTFW1ET5DFC10312', '1FTFW1ET5DFC10313'), fc.constantFrom('1FTFW1ET5DFC1031I', 'short', '1ftfw1et5dfc10312'))),
      dealer_code: str(dealerCode),
      customer_id: str(fc.string({ minLength: 1, maxLength: 100 })),
      risk_event: riskEvent,
    },
    ['customer_id'],
  );
  const logEventSpec: Spec = {
    guid: str(anyGuidText),
    event_type: str(mostly(fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.stringMatching(/^[A-Z][A-Z0-9]{0,8}(_[A-Z0-9]{1,6}){0,3}$/)), fc.constantFrom(...PROTO_NAMES), weirdString)),
    channel: str(mostly(fc.constantFrom(...CHANNELS), fc.constantFrom('FAX', 'email', ...PROTO_NAMES))),
    details: detailsText,
    event_id: str(mostly(shortId, fc.constantFrom('seed-0', 'dup'), fc.constant('x'.repeat(129)))),
    occurred_at: str(anyTime),
    actor: nested({ type: str(mostly(fc.constantFrom('system', 'bot', 'human', 'customer'), fc.constant('alien'))), id: str(fc.string({ minLength: 1, maxLength: 200 })) }, ['id']),
    dealer_code: str(dealerCode),
    session_id: str(fc.string({ minLength: 1, maxLength: 200 })),
    user_id: str(fc.string({ minLength: 1, maxLength: 200 })),
  };
  const logEventOptional = ['details', 'event_id', 'occurred_at', 'actor', 'dealer_code', 'session_id', 'user_id'];
  const logEventBody = bodyOf(logEventSpec, logEventOptional);

  describe('command bodies', () => {
    it(`POST generate-guid: ${RUNS} bodies`, async () => {
      const ack = await fuzz(generateGuidBody.map(post(`${T}/generate-guid`)));
      expect(ack.created).toBeGreaterThan(20);
    });

    it(`POST conversations: ${RUNS} bodies, some with an Idempotency-Key`, async () => {
      const body = bodyOf(
        {
          channel: str(mostly(fc.constantFrom(...CHANNELS), fc.constantFrom('FAX', ...PROTO_NAMES))),
          dealer_code: str(dealerCode),
          customer_id: str(fc.string({ minLength: 1, maxLength: 100 })),
          started_at: str(anyTime),
        },
        ['customer_id', 'started_at'],
      );
      const key = fc.option(fc.oneof(fc.constantFrom('k-1', 'k-2', 'x'.repeat(256), ' '), fc.stringMatching(/^[!-~]{1,20}$/)), { nil: undefined, freq: 3 });
      const ack = await fuzz(fc.tuple(body, key).map(([b, k]) => ({ method: 'POST', path: `${T}/conversations`, body: b, ...(k === undefined ? {} : { headers: { 'idempotency-key': k } }) })));
      expect(ack.created).toBeGreaterThan(20);
    });

    it(`POST log-event: ${RUNS} bodies, many against existing journeys`, async () => {
      const ack = await fuzz(logEventBody.map(post(`${T}/log-event`)));
      expect(ack.logged).toBeGreaterThan(20);
    });

    it(`POST events (batch): ${RUNS} bodies; a 200 answers every event with 200, 201, 400 or 404`, async () => {
      const events = fc.array(fc.oneof({ weight: 4, arbitrary: logEventBody }, { weight: 1, arbitrary: hostileValue }), { maxLength: 8 }).map((xs) => `[${xs.join(',')}]`);
      const body = fc.oneof(
        { weight: 30, arbitrary: events.map((e) => `{"events":${e}}`) },
        { weight: 10, arbitrary: bodyOf({ events: fc.oneof(events, hostileValue) }) },
        // Over the batch limit: a 400 listing one violation, whatever the 1,001 events hold.
        { weight: 1, arbitrary: fc.constant(`{"events":[${Array(1001).fill('{}').join(',')}]}`) },
      );
      const ack = await fuzz(body.map(post(`${T}/events`)), (r, res) => {
        if (![200, 400, 413, 415].includes(res.status)) expect.fail(`${describeReq(r)} -> ${res.status}`);
      });
      expect(ack.logged).toBeGreaterThan(20);
    });

    it(`POST journey/{guid}/transition: ${RUNS} bodies and paths`, async () => {
      const body = bodyOf({ to_state: str(stateName), reason: str(mostly(fc.string({ maxLength: 40 }), fc.constant('r'.repeat(501)))), metadata: detailsText }, ['reason', 'metadata']);
      await fuzz(fc.tuple(guidInPath, body).map(([g, b]) => ({ method: 'POST', path: `${T}/journey/${g}/transition`, body: b })));
    });

    it(`raw bodies: ${RUNS} malformed, deep, empty, oversized, wrongly typed, encoded or charset'd bodies to every command`, async () => {
      const paths = fc.oneof(fc.constantFrom(`${T}/generate-guid`, `${T}/conversations`, `${T}/log-event`, `${T}/events`), existingGuid.map((g) => `${T}/journey/${g}/transition`));
      const valid = fc.oneof(generateGuidBody, logEventBody);
      const text: fc.Arbitrary<string | Buffer> = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...RAW_BODIES) },
        // Truncated JSON: a valid-looking body cut anywhere.
        { weight: 3, arbitrary: fc.tuple(valid, fc.nat()).map(([v, n]) => v.slice(0, n % Math.max(1, v.length))) },
        { weight: 1, arbitrary: fc.integer({ min: 60, max: 20_000 }).chain((n) => fc.constantFrom('['.repeat(n), '{"a":'.repeat(n), `${'['.repeat(n)}${']'.repeat(n)}`)) },
        { weight: 1, arbitrary: fc.constantFrom(OVERSIZE) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
      );
      const request = fc.oneof(
        { weight: 4, arbitrary: fc.tuple(paths, text, fc.constantFrom(...CONTENT_TYPES)).map(([path, body, ct]): Req => ({ method: 'POST', path, body, headers: { 'content-type': ct } })) },
        // Content-Encoding over garbage, over JSON that is invalid, and over valid-looking bodies (which may be accepted).
        {
          weight: 3,
          arbitrary: fc.tuple(paths, fc.oneof(text.filter((t) => typeof t === 'string'), valid) as fc.Arbitrary<string>, fc.constantFrom(...ENCODINGS), fc.boolean()).map(([path, t, enc, garbage]): Req => ({
            method: 'POST',
            path,
            body: garbage ? Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), Buffer.from(t.slice(0, 50))]) : encode(enc, t),
            headers: { 'content-type': 'application/json', 'content-encoding': enc },
          })),
        },
        { weight: 1, arbitrary: paths.map((path): Req => ({ method: 'POST', path, body: GZIP_BOMB, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })) },
        // No body at all, with or without a JSON content type.
        { weight: 1, arbitrary: fc.tuple(paths, fc.boolean()).map(([path, ct]): Req => ({ method: 'POST', path, ...(ct ? { headers: { 'content-type': 'application/json' } } : {}) })) },
      );
      await fuzz(request, (r, res) => {
        // Too large if it is JSON; otherwise refused for its type (or charset) before it is read.
        if (r.body !== OVERSIZE && r.body !== GZIP_BOMB) return;
        if (r.headers?.['content-type'] === 'application/json') expect(res.status, describeReq(r)).toBe(413);
        else expect([413, 415], describeReq(r)).toContain(res.status);
      });
    });
  });

  describe('queries', () => {
    const get = (path: string) => (query: string): Req => ({ method: 'GET', path: `${path}${query}` });
    const journeyQuery = queryOf({ events_limit: limitText, events_cursor: cursorOf('occurred_at', 'event_id', () => realEventCursors), events_order: mostly(fc.constantFrom('asc', 'desc'), fc.constantFrom('ASC', '', 'random')) });

    it(`GET journey/{guid}: ${RUNS} paths and queries, mostly of existing journeys`, async () => {
      const path = fc.oneof({ weight: 4, arbitrary: existingGuid }, { weight: 1, arbitrary: guidInPath });
      await fuzz(fc.tuple(path, journeyQuery).map(([g, q]) => ({ method: 'GET', path: `${T}/journey/${g}${q}` })));
    });

    it(`GET journeys: ${RUNS} queries`, async () => {
      const query = queryOf({
        state: stateName,
        dealer_code: dealerCode,
        kind: mostly(fc.constantFrom('outreach', 'conversation'), fc.constantFrom('OUTREACH', ...PROTO_NAMES)),
        from: anyTime,
        to: anyTime,
        limit: limitText,
        cursor: cursorOf('created_at', 'guid', () => realListCursors),
      });
      await fuzz(query.map(get(`${T}/journeys`)));
    });

    it(`GET journey/{guid}/audit: ${RUNS} paths and queries`, async () => {
      const path = fc.oneof({ weight: 3, arbitrary: existingGuid }, { weight: 2, arbitrary: guidInPath });
      await fuzz(fc.tuple(path, queryOf({ from: anyTime, to: anyTime })).map(([g, q]) => ({ method: 'GET', path: `${T}/journey/${g}/audit${q}` })));
    });

    const window = { start_date: anyDate, end_date: anyDate };
    it(`GET attribution: ${RUNS} queries`, async () => {
      const model = mostly(fc.constantFrom('first_touch', 'last_touch', 'linear', 'position_based', 'time_decay', 'markov', 'data_driven', 'shapley', 'all', ' linear '), fc.constantFrom(...PROTO_NAMES, 'LINEAR', ''), weirdString);
      await fuzz(queryOf({ ...window, model }, ['start_date', 'end_date']).map(get(`${T}/attribution`)));
    });

    it(`GET analytics/insights: ${RUNS} queries`, async () => {
      await fuzz(queryOf({ ...window, min_support: limitText }, ['start_date', 'end_date']).map(get(`${A}/insights`)));
    });

    it(`GET analytics/predictions: ${RUNS} queries`, async () => {
      await fuzz(queryOf({ state: stateName, limit: limitText }).map(get(`${A}/predictions`)));
    });
  });

  describe('everything else', () => {
    const method = fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');
    const anyQuery = queryOf({ x: weirdString, limit: limitText });

    it(`admin/quarantine, healthz, openapi.json: ${RUNS} methods, queries and bodies`, async () => {
      const path = fc.constantFrom('/api/v2/admin/quarantine', '/healthz', '/openapi.json', '/API/V2/ADMIN/QUARANTINE', '/healthz/', '/openapi.json/');
      const req = fc.tuple(method, path, anyQuery, fc.option(logEventBody, { nil: undefined })).map(([m, p, q, b]): Req => ({ method: m, path: `${p}${q}`, ...(b === undefined || m === 'GET' || m === 'HEAD' ? {} : { body: b }) }));
      await fuzz(req, (r, res) => {
        if (r.method === 'GET' && res.status === 200 && r.path.startsWith('/api/v2/admin/quarantine')) expect(res.json.quarantined).toEqual([]);
      });
    });

    it(`unknown and malformed paths (bad % escapes, .., long segments): ${RUNS} requests`, async () => {
      const prefix = fc.constantFrom('', '/api', '/api/v2', '/api/v2/tracking', '/api/v2/tracking/journey', '/api/v2/analytics', '/api/v2/admin', '/api/v3/tracking');
      const path = fc.tuple(prefix, fc.array(pathSegment, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '/', '//')).map(([p, segs, tail]) => `${p}/${segs.join('/')}${tail}`).filter((p) => p.length < 12_000);
      const req = fc.tuple(method, path, anyQuery, fc.option(hostileValue, { nil: undefined })).map(([m, p, q, b]): Req => ({ method: m, path: `${p}${q}`, ...(b === undefined || m === 'GET' || m === 'HEAD' ? {} : { body: b }) }));
      await fuzz(req);
    });

    it('leaves the API healthy: no quarantined event, health ok', async () => {
      const health = await send({ method: 'GET', path: '/healthz' });
      expect(health.status).toBe(200);
      expect(health.json.projections.journeys).toMatchObject({ state: 'running', quarantined: 0 });
    });

    // Node's HTTP parser answers a request head over 16 KiB itself, before Express: a bare 431 with no body. The one
    // non-problem 4xx; nothing of Threadline runs.
    it('answers a request line over 16 KiB with a bare 431 from Node', async () => {
      const res = await send({ method: 'GET', path: `${T}/journey/${'A'.repeat(20_000)}` });
      expect(res.status).toBe(431);
    });
  });

  // The 5xx the fuzz found on its first run, fixed since: each stays a case of its own.
  describe('what the fuzz found (fixed)', () => {
    const cursor = (o: Record<string, string>) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const cases: [string, () => Req][] = [
      ['GET journeys?state=%00 (NUL reaches PostgreSQL: 22021 invalid byte sequence)', () => ({ method: 'GET', path: `${T}/journeys?state=a%00` })],
      ['GET journeys with a cursor whose guid holds a NUL (22021)', () => ({ method: 'GET', path: `${T}/journeys?cursor=${cursor({ created_at: '2024-01-01T00:00:00Z', guid: 'a\u0000b' })}` })],
      ['GET journeys with a cursor time before 4714 BC (22008 timestamp out of range)', () => ({ method: 'GET', path: `${T}/journeys?cursor=${cursor({ created_at: '-005000-01-01T00:00:00Z', guid: 'x' })}` })],
      ['GET journey/{guid} with an events_cursor whose event_id holds a NUL (22021)', () => ({ method: 'GET', path: `${T}/journey/${outreachGuids[0]}?events_cursor=${cursor({ occurred_at: '2024-01-01T00:00:00Z', event_id: 'a\u0000b' })}` })],
      ['GET journey/{guid} with an events_cursor time before 4714 BC (22008)', () => ({ method: 'GET', path: `${T}/journey/${outreachGuids[0]}?events_cursor=${cursor({ occurred_at: '-004714-11-23T00:00:00Z', event_id: 'x' })}` })],
      ['POST journey/a%00b/transition (the GUID is not checked before the stream read: 08P01 invalid message format)', () => ({ method: 'POST', path: `${T}/journey/a%00b/transition`, body: '{"to_state":"QUEUED"}' })],
    ];
    for (const [name, make] of cases) {
      it(name, async () => {
        const r = make();
        expectClientSafe(r, await send(r));
      });
    }
  });
});
