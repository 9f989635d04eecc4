// The store ports' conformance suite: what every adapter (PGlite, PostgreSQL; EventStoreDB later) must do, run
// unchanged against each. A case an adapter cannot pass is skipped by name, with the reason.
import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MUST_NOT_EXIST, type LoggedEvent, type LogPosition, type OpenedStore } from '../../src/eventstore/index.ts';

export interface ConformanceOptions {
  /** Case name → why this adapter does not run it. */
  skip?: Record<string, string>;
}

export const runEventStoreConformance = (name: string, store: () => OpenedStore, options: ConformanceOptions = {}) => {
  const test = (title: string, fn: () => Promise<void>) => {
    const reason = options.skip?.[title];
    if (reason) it.skip(`${title} (skipped: ${reason})`, fn);
    else it(title, fn);
  };

  describe(`event store ports on ${name}`, () => {
    const readAll = async (after: LogPosition | null = null) => {
      const out: LoggedEvent[] = [];
      for (;;) {
        const page = await store().log.read({ after, limit: 7 });
        out.push(...page);
        if (page.length < 7) return out;
        after = page.at(-1)!.position;
      }
    };

    test('appends and reads a stream in order', async () => {
      await store().eventStore.appendToStream('s-1', [{ type: 'A', data: { n: 1 } }, { type: 'B', data: { n: 2 } }], { expectedStreamVersion: MUST_NOT_EXIST });
      const { events, currentStreamVersion } = await store().eventStore.readStream('s-1');
      expect(events.map((e) => e.type)).toEqual(['A', 'B']);
      expect(currentStreamVersion).toBe(2n);
    });

    test('lets exactly one of many concurrent creators of a stream win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store().eventStore.appendToStream('s-race', [{ type: 'Created', data: { i } }], { expectedStreamVersion: MUST_NOT_EXIST })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(isExpectedVersionConflictError(r.reason)).toBe(true);
      expect((await store().eventStore.readStream('s-race')).events).toHaveLength(1);
    });

    test('refuses an append at a stale expected version', async () => {
      await store().eventStore.appendToStream('s-2', [{ type: 'A', data: {} }], { expectedStreamVersion: MUST_NOT_EXIST });
      await store().eventStore.appendToStream('s-2', [{ type: 'B', data: {} }], { expectedStreamVersion: 1n });
      await expect(store().eventStore.appendToStream('s-2', [{ type: 'C', data: {} }], { expectedStreamVersion: 1n })).rejects.toSatisfy(isExpectedVersionConflictError);
    });

    test('gives a global log in a stable order, with every event once, paged from any checkpoint', async () => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => store().eventStore.appendToStream(`s-log-${i}`, [{ type: 'X', data: { i } }, { type: 'Y', data: { i } }])));
      const all = await readAll();
      const keys = all.map((e) => `${e.streamId}@${e.streamPosition}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (let i = 0; i < 20; i++) {
        const mine = all.filter((e) => e.streamId === `s-log-${i}`);
        expect(mine.map((e) => e.type)).toEqual(['X', 'Y']);
      }
      const middle = all[Math.floor(all.length / 2)]!.position;
      const rest = await readAll(middle);
      expect(rest.map((e) => `${e.streamId}@${e.streamPosition}`)).toEqual(keys.slice(Math.floor(all.length / 2) + 1));
      expect(await store().log.streamHead('s-log-3')).toEqual(all.filter((e) => e.streamId === 's-log-3').at(-1)!.position);
      expect(await store().log.streamHead('nope')).toBeNull();
      expect(await store().log.count()).toBe(all.length);
    });

    test('orders positions and gives back a stored position', async () => {
      const all = await readAll();
      const log = store().log;
      for (let i = 1; i < all.length; i++) expect(log.compare(all[i - 1]!.position, all[i]!.position)).toBeLessThan(0);
      const p = all[3]!.position;
      expect(log.compare(log.decode(p.token, p.globalPosition), p)).toBe(0);
    });

    test('tells its subscribers when this process appended', async () => {
      let told = 0;
      const unsubscribe = store().log.subscribe(() => told++);
      await store().eventStore.appendToStream('s-told', [{ type: 'A', data: {} }]);
      if (store().appendAtomically) await store().appendAtomically!([{ streamName: 's-told-2', events: [{ type: 'A', data: {} }], expectedStreamVersion: MUST_NOT_EXIST }]);
      unsubscribe();
      await store().eventStore.appendToStream('s-told', [{ type: 'B', data: {} }]);
      expect(told).toBe(store().appendAtomically ? 2 : 1);
    });

    test('appends to several streams atomically: all in one transaction, or nothing when one is not as expected', async () => {
      const append = store().appendAtomically!;
      const both = [
        { streamName: 'pair-a', events: [{ type: 'A', data: { n: 1 } }], expectedStreamVersion: MUST_NOT_EXIST },
        { streamName: 'pair-b', events: [{ type: 'B', data: { n: 2 } }, { type: 'C', data: { n: 3 } }], expectedStreamVersion: MUST_NOT_EXIST },
      ];
      expect(await append(both)).toBe(true);
      const b = await store().eventStore.readStream('pair-b');
      expect(b.events.map((e) => [e.type, e.data])).toEqual([['B', { n: 2 }], ['C', { n: 3 }]]);
      expect(b.currentStreamVersion).toBe(2n);
      // Emmett's own append continues the stream from there.
      await store().eventStore.appendToStream('pair-b', [{ type: 'D', data: {} }], { expectedStreamVersion: 2n });
      const inLog = (await readAll()).filter((e) => e.streamId.startsWith('pair-'));
      expect(inLog.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);

      // A new stream plus one that exists already (at version 0), or one at a stale version: nothing is stored.
      expect(await append([{ streamName: 'pair-new', events: [{ type: 'X', data: {} }], expectedStreamVersion: MUST_NOT_EXIST }, both[0]!])).toBe(false);
      expect(await append([{ streamName: 'pair-new', events: [{ type: 'X', data: {} }], expectedStreamVersion: MUST_NOT_EXIST }, { ...both[1]!, expectedStreamVersion: 1n }])).toBe(false);
      expect((await store().eventStore.readStream('pair-new')).streamExists).toBe(false);
      expect((await store().eventStore.readStream('pair-b')).currentStreamVersion).toBe(3n);
    });

    test('writes set-wise the rows Emmett\'s own append writes, in stream order, over new and existing streams', async () => {
      const append = store().appendAtomically!;
      await store().eventStore.appendToStream('twin-emmett', [{ type: 'A', data: { n: 0 } }]);
      await store().eventStore.appendToStream('twin-old', [{ type: 'A', data: { n: 0 } }, { type: 'A', data: { n: 1 } }]);
      expect(
        await append([
          { streamName: 'twin-old', events: [{ type: 'B', data: { n: 2 } }, { type: 'C', data: { n: 3 } }], expectedStreamVersion: 2n },
          { streamName: 'twin-new', events: [{ type: 'A', data: { n: 0 } }, { type: 'B', data: { n: 1 } }, { type: 'C', data: { n: 2 } }], expectedStreamVersion: MUST_NOT_EXIST },
        ]),
      ).toBe(true);
      await store().eventStore.appendToStream('twin-emmett', [{ type: 'B', data: { n: 1 } }], { expectedStreamVersion: 1n });
      const rows = (
        await sql<{ stream_id: string; stream_position: string; partition: string; metadata_as_emmett: boolean; message_schema_version: string; message_kind: string; is_archived: boolean }>`
          SELECT stream_id, stream_position::text, partition, message_metadata = '{}'::jsonb AS metadata_as_emmett,
                 message_schema_version, message_kind, is_archived
            FROM emt_messages WHERE stream_id LIKE 'twin-%' ORDER BY global_position`.execute(store().readModels)
      ).rows;
      const shape = (r: (typeof rows)[number]) => ({ partition: r.partition, meta: r.metadata_as_emmett, version: r.message_schema_version, kind: r.message_kind, archived: r.is_archived });
      // Every column as Emmett writes it, and each stream's positions in log order.
      for (const r of rows) expect(shape(r)).toEqual(shape(rows[0]!));
      for (const s of ['twin-old', 'twin-new', 'twin-emmett']) {
        expect(rows.filter((r) => r.stream_id === s).map((r) => Number(r.stream_position))).toEqual(s === 'twin-new' ? [1, 2, 3] : s === 'twin-old' ? [1, 2, 3, 4] : [1, 2]);
      }
      expect((await store().eventStore.readStream('twin-new')).currentStreamVersion).toBe(3n);
      expect((await store().eventStore.readStream('twin-old')).events.map((e) => e.data)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
      // A stale stream among fresh ones stores nothing of any of them.
      expect(
        await append([
          { streamName: 'twin-new', events: [{ type: 'D', data: {} }], expectedStreamVersion: 3n },
          { streamName: 'twin-old', events: [{ type: 'D', data: {} }], expectedStreamVersion: 3n },
        ]),
      ).toBe(false);
      expect((await store().eventStore.readStream('twin-new')).currentStreamVersion).toBe(3n);
    });

    test('lets exactly one of many concurrent atomic creators win', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store().appendAtomically!([
            { streamName: `race-${i}`, events: [{ type: 'Mine', data: { i } }], expectedStreamVersion: MUST_NOT_EXIST },
            { streamName: 'race-shared', events: [{ type: 'Shared', data: { i } }], expectedStreamVersion: MUST_NOT_EXIST },
          ]),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store().eventStore.readStream('race-shared')).events.map((e) => e.data)).toEqual([{ i: winner }]);
      for (let i = 0; i < 8; i++) expect((await store().eventStore.readStream(`race-${i}`)).streamExists).toBe(i === winner);
    });

    test('filters the log by stream, in the stream\'s order', async () => {
      const page = await store().log.read({ after: null, limit: 100, streamId: 's-1' });
      expect(page.map((e) => e.type)).toEqual(['A', 'B']);
      const rest = await store().log.read({ after: page[0]!.position, limit: 100, streamId: 's-1' });
      expect(rest.map((e) => e.type)).toEqual(['B']);
    });

    test('gives the read-model database', async () => {
      expect((await sql<{ one: number }>`SELECT 1::int AS one`.execute(store().readModels)).rows).toEqual([{ one: 1 }]);
      expect(await store().warmUp()).toBeGreaterThan(0);
    });
  });
};
