// A key sending twice its budget at once over real HTTP: exactly the budget is served and stored, every other
// request is a 429 problem a client can act on (Retry-After and the RateLimit fields), on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../helpers/sql.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const QUOTA = 10;
const roomy = { quota: 1e6, windowMs: 1000 };
// A minute-long window, so that the whole burst falls in one window however slow the machine.
const rateLimits = { default: roomy, guid: { quota: QUOTA, windowMs: 60_000 }, batch: roomy, export: roomy };

const LIMIT_FIELD = /^"guid";r=(\d+);t=(\d+)$/;

describe.each(storeTargets())('rate limits over HTTP on $name', (target) => {
  let app: TestApp;
  let key = '';
  beforeAll(async () => {
    app = await startTestApp(target, { access: { rateLimits } });
    const made = await app.post('/api/v2/admin/keys', { name: 'burst', role: 'channel', dealers: ['DET001'] });
    expect(made.status).toBe(201);
    key = made.body.key;
  });
  afterAll(async () => app?.close());

  it('serves and stores exactly the budget of a burst at twice it, and answers the rest 429 with when to retry', async () => {
    const answers = await Promise.all(Array.from({ length: 2 * QUOTA }, () => app.post('/api/v2/tracking/generate-guid', riskBody(), { authorization: `Bearer ${key}` })));
    const accepted = answers.filter((a) => a.status === 201);
    const rejected = answers.filter((a) => a.status !== 201);
    expect(accepted).toHaveLength(QUOTA);
    expect(rejected).toHaveLength(QUOTA);

    for (const a of answers) expect(a.headers.get('ratelimit-policy')).toBe(`"guid";q=${QUOTA};w=60`);
    // Counted atomically: each accepted request saw a different remaining count, down to none.
    const remaining = accepted.map((a) => Number(LIMIT_FIELD.exec(a.headers.get('ratelimit') ?? '')?.[1]));
    expect(remaining.sort((x, y) => x - y)).toEqual(Array.from({ length: QUOTA }, (_, i) => i));

    for (const r of rejected) {
      expect(r.status).toBe(429);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ type: 'https://threadline.dev/problems/rate-limited', status: 429 });
      const field = LIMIT_FIELD.exec(r.headers.get('ratelimit') ?? '');
      expect(field, `RateLimit: ${r.headers.get('ratelimit')}`).not.toBeNull();
      const [, left, reset] = field!.map(Number);
      expect(left).toBe(0);
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(60);
      // The draft: Retry-After must not point before the end of the effective window `t`.
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(Math.max(1, reset!));
    }

    const stored = await query(app.rt.store, "SELECT stream_id FROM emt_messages WHERE message_type = 'JourneyCreated'");
    expect(stored.rows.map((r) => r.stream_id).sort()).toEqual(accepted.map((a) => `journey-${a.body.guid}`).sort());
  });

  it("leaves other callers' budgets alone: the admin still opens a journey after the key's budget is spent", async () => {
    expect((await app.post('/api/v2/tracking/generate-guid', riskBody(), { authorization: `Bearer ${key}` })).status).toBe(429);
    const admin = await app.post('/api/v2/tracking/generate-guid', riskBody());
    expect(admin.status).toBe(201);
    expect(admin.headers.get('ratelimit')).toMatch(new RegExp(`^"guid";r=${QUOTA - 1};t=\\d+$`));
  });
});

describe('failed authentication draws on the client address budget', () => {
  let app: TestApp;
  const FAILS = 5;
  beforeAll(async () => {
    app = await startTestApp(storeTargets()[0]!, { access: { rateLimits: { ...rateLimits, default: { quota: FAILS, windowMs: 60_000 } } } });
  });
  afterAll(async () => app?.close());

  it('answers 401 up to the budget, then 429, so that guessing keys is throttled; good credentials are not held back', async () => {
    const guesses = [];
    for (let i = 0; i < FAILS + 3; i++) guesses.push((await app.get('/api/v2/tracking/journeys', { authorization: `Bearer tl_live_guess${i}` })).status);
    expect(guesses).toEqual([...Array(FAILS).fill(401), 429, 429, 429]);
    // The admin's own budget is its own.
    expect((await app.get('/api/v2/tracking/journeys')).status).toBe(200);
  });
});
