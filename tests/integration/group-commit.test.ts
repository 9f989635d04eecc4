// Group commit over real HTTP: concurrent requests' events are appended together, and every request still gets its
// own answer per event (stored, duplicate, no journey).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../helpers/sql.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';

const histogram = (text: string, name: string) => {
  const count = Number(/^(\S+)_count (\S+)$/m.exec(text.split('\n').filter((l) => l.startsWith(`${name}_count`)).join('\n'))?.[2]);
  const sum = Number(new RegExp(`^${name}_sum (\\S+)$`, 'm').exec(text)?.[1]);
  return { count, sum };
};

describe.each(storeTargets())('group commit on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    // One flush at a time: requests that arrive while it runs must gather for the next, on however fast a machine
    // (with the default four, a quick store could flush each of them alone and the grouping not show).
    app = await startTestApp(target, { config: { groupCommit: { maxEvents: 2000, maxFlushes: 1 } } });
  });
  afterAll(async () => app?.close());

  it('appends concurrent requests together and answers each of them for its own events', async () => {
    const guids: string[] = [];
    for (let i = 0; i < 20; i++) guids.push((await app.post(`${T}/generate-guid`, riskBody())).body.guid);
    // 300 requests at once over 20 journeys, some repeating an event_id another request sends.
    const sent = Array.from({ length: 300 }, (_, i) => ({ guid: guids[i % 20]!, event_type: 'SMS_SENT', channel: 'SMS', event_id: `gc-${i % 250}` }));
    const answers = await Promise.all(sent.map((e) => app.post(`${T}/log-event`, e)));
    expect(answers.every((a) => a.status === 201 || a.status === 200)).toBe(true);
    // Each (journey, event_id) stored once: the first answer 201, any other a duplicate.
    const stored = new Set(sent.map((e) => `${e.guid}|${e.event_id}`));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(stored.size);
    const { rows } = await query(app.rt.store, "SELECT count(*)::int AS n FROM emt_messages WHERE message_type = 'TrackingEventLogged'");
    expect(rows[0].n).toBe(stored.size);
    // An unknown journey in the same flush answers 404 alone.
    const mixed = await Promise.all([app.post(`${T}/log-event`, { guid: guids[0], event_type: 'SMS_SENT', channel: 'SMS' }), app.post(`${T}/log-event`, { guid: guids[0]!.replace(/[0-9A-F]{6}$/, 'FFFFFF'), event_type: 'SMS_SENT', channel: 'SMS' })]);
    expect(mixed.map((a) => a.status)).toEqual([201, 404]);
    // Fewer flushes than requests: they were grouped.
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    const flushes = histogram(metrics, 'threadline_flush_requests');
    expect(flushes.sum).toBeGreaterThanOrEqual(302);
    expect(flushes.count).toBeLessThan(flushes.sum);
  });
});
