// The live outbox on both stores: a consumer that reads after its cursor while many clients write concurrently
// misses nothing and sees nothing twice (the outbox is numbered in write order, not by global log position, whose
// values interleave across concurrent transactions); a rebuild keeps every envelope and cursor; the retention deletes
// only what is old and every durable consumer has passed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneEnvelopes, readEnvelopes, START_CURSOR, type EnvelopeCursor } from '../../src/projections/live/index.ts';
import { rebuildProjections } from '../../src/projections/runner/rebuild.ts';
import { projectionNamed } from '../../src/projections/registry.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';
import { query } from '../helpers/sql.ts';

const T = '/api/v2/tracking';

describe.each(storeTargets())('the live outbox on $name', (target) => {
  let app: TestApp;
  const allIds = async () => (await query(app.rt.store, 'SELECT id FROM live_envelopes ORDER BY position, idx')).rows.map((r: { id: string }) => r.id);

  beforeAll(async () => {
    app = await startTestApp(target);
  });
  afterAll(async () => app?.close());

  it('gives a consumer reading behind concurrent writers every envelope once', async () => {
    const guids: string[] = [];
    for (let i = 0; i < 20; i++) guids.push((await app.post(`${T}/generate-guid`, riskBody())).body.guid);
    const seen: string[] = [];
    let cursor: EnvelopeCursor = START_CURSOR;
    let writing = true;
    const consumer = (async () => {
      for (;;) {
        const page = await readEnvelopes(app.rt.store.readModels, cursor, 100);
        for (const e of page) seen.push(e.id);
        if (page.length > 0) cursor = page.at(-1)!.cursor;
        else if (!writing) return;
        else await new Promise((r) => setTimeout(r, 2));
      }
    })();
    // 40 clients, each logging to a journey of its own and to a shared one, so appends overlap in the store.
    await Promise.all(
      Array.from({ length: 40 }, async (_, c) => {
        for (let k = 0; k < 10; k++) {
          const res = await app.post(`${T}/events`, { events: [guids[c % guids.length], guids[(c + k) % guids.length]].map((guid, j) => ({ guid, event_type: 'EMAIL_SENT', channel: 'EMAIL', event_id: `c${c}-k${k}-${j}` })) });
          expect(res.status).toBe(200);
        }
      }),
    );
    await app.rt.projections.catchUp();
    writing = false;
    await consumer;
    const ids = await allIds();
    expect(seen.length).toBe(new Set(seen).size);
    expect(new Set(seen)).toEqual(new Set(ids));
    // 20 created + 800 events logged (+ their moves to CONTACTED, once per journey).
    expect(ids.length).toBeGreaterThanOrEqual(20 + 800 + 20);
  });

  it('misses nothing when one append is projected in two batches (the log reads a transaction in stream order)', async () => {
    const guids: string[] = [];
    for (let i = 0; i < 100; i++) guids.push((await app.post(`${T}/generate-guid`, riskBody())).body.guid);
    await app.rt.projections.catchUp();
    const worker = app.rt.projections.workers.find((w) => w.name === 'live-outbox')!;
    await app.rt.projections.stop();
    try {
      const earlier = new Set(await allIds());
      let cursor: EnvelopeCursor = (await readEnvelopes(app.rt.store.readModels, START_CURSOR, 100_000)).at(-1)!.cursor;
      // One atomic append of 1,000 events over 100 journeys, in an order their stream ids do not sort in.
      const events = Array.from({ length: 1000 }, (_, k) => ({ guid: guids[(k * 37) % 100], event_type: 'SMS_SENT', channel: 'SMS', event_id: `split-${k}` }));
      expect((await app.post(`${T}/events`, { events })).status).toBe(200);
      const seen = new Set<string>();
      const read = async () => {
        for (let page = await readEnvelopes(app.rt.store.readModels, cursor, 10_000); page.length > 0; page = await readEnvelopes(app.rt.store.readModels, cursor, 10_000)) {
          for (const e of page) seen.add(e.id);
          cursor = page.at(-1)!.cursor;
        }
      };
      // The worker's batches (500 log events) split the append; the consumer reads after each.
      while ((await worker.processBatch()) > 0) await read();
      const expected = (await allIds()).filter((id) => !earlier.has(id));
      // The 1,000 events and the 100 journeys' moves to CONTACTED.
      expect(expected.length).toBe(1100);
      for (const id of expected) expect(seen.has(id), id).toBe(true);
    } finally {
      app.rt.projections.start();
    }
  });

  it('keeps every envelope, its number and its id through a rebuild', async () => {
    const before = (await query(app.rt.store, 'SELECT position, idx, id FROM live_envelopes ORDER BY position, idx')).rows;
    await rebuildProjections({ readModels: app.rt.store.readModels, log: app.rt.store.log }, [projectionNamed('live-outbox')!]);
    const after = (await query(app.rt.store, 'SELECT position, idx, id FROM live_envelopes ORDER BY position, idx')).rows;
    expect(after).toEqual(before);
  });

  it('deletes only envelopes past the retention that every durable consumer has passed', async () => {
    const total = (await allIds()).length;
    const future = new Date(Date.now() + 60_000);
    // Nothing is old enough yet.
    expect(await pruneEnvelopes(app.rt.store.readModels, new Date(Date.now() - 3_600_000), null)).toBe(0);
    // Old enough, but a consumer is only at position 10: the first ten events' envelopes go, no more.
    const upTo10 = (await query(app.rt.store, 'SELECT count(*)::int AS n FROM live_envelopes WHERE position <= 10')).rows[0].n;
    expect(await pruneEnvelopes(app.rt.store.readModels, future, 10n)).toBe(upTo10);
    expect((await allIds()).length).toBe(total - upTo10);
    expect(await pruneEnvelopes(app.rt.store.readModels, future, null, 5)).toBe(5);
  });
});
