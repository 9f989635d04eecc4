// The audit trail on both stores: records written in batches, chained by hash; tampering with raw SQL is found
// and named; several writers keep one chain; control characters come out escaped; a failed write is retried.
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit-command.ts';
import type { AuditEntry } from '../../src/domain/access/index.ts';
import { openStore, type OpenedStore, type StoreConfig } from '../../src/eventstore/index.ts';
import { chainHash, createAuditSchema, createAuditWriter, GENESIS_HASH, readAudit, verifyAuditChain, type AuditWriterOptions } from '../../src/projections/access/index.ts';
import { query } from '../helpers/sql.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const T0 = Date.UTC(2026, 0, 1);

const entry = (i: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  at: new Date(T0 + i * 1000).toISOString(),
  source: 'http',
  action: 'GET /api/v2/tracking/journey/{guid}',
  request_id: `req-${i}`,
  actor: { id: 'key_0123456789abcdef', label: 'tl_live_AbC1', role: 'dealer', via: 'key' },
  ip: '127.0.0.1',
  objects: [`FORD-2026-01-01-BAT-CRT-DET001-${String(i).padStart(6, '0')}`],
  result: 'ok',
  status: 200,
  reason: null,
  ...over,
});

/** A logger that keeps what it is told, so that a test can see a failure was reported. */
const keptLog = () => {
  const messages: string[] = [];
  return { messages, logger: { error: (_o: object, m: string) => void messages.push(m) } };
};

describe.each(storeTargets())('the audit trail on $name', (target) => {
  let store: OpenedStore;
  let config: StoreConfig;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const created = await target.create();
    ({ config, cleanup } = created);
    store = await openStore(config, 'vitest');
    await createAuditSchema(store.readModels);
    // Idempotent: a second start changes nothing.
    await createAuditSchema(store.readModels);
  });
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });
  beforeEach(async () => {
    await query(store, 'DELETE FROM threadline_audit');
  });

  const db = () => store.readModels;
  const count = async () => (await query(store, 'SELECT count(*)::int AS n FROM threadline_audit')).rows[0].n as number;
  /** Each transaction leaves its own xmin on the rows it inserted. */
  const transactions = async () => (await query(store, 'SELECT count(DISTINCT xmin::text)::int AS n FROM threadline_audit')).rows[0].n as number;

  const writeChain = async (n: number, options: Partial<AuditWriterOptions> = {}) => {
    const writer = createAuditWriter(db(), { flushMs: 60_000, ...options });
    for (let i = 1; i <= n; i++) writer.record(entry(i));
    await writer.close();
  };

  it('writes many records in a few transactions, each row chained to the one before it', async () => {
    // A timer that never fires in this test: only full batches and close() write.
    const writer = createAuditWriter(db(), { flushMs: 60_000, maxBatch: 50 });
    for (let i = 1; i <= 120; i++) writer.record(entry(i));
    await writer.flush();
    expect(await count()).toBe(120);
    expect(await transactions()).toBe(3);
    await writer.close();

    const rows = (await query(store, 'SELECT seq::int AS seq, action, request_id, prev_hash, hash FROM threadline_audit ORDER BY seq')).rows;
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(rows[0].prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(120);
    expect(rows[41].request_id).toBe('req-42');

    // The rule as docs/security.md states it, written out by hand: sha256(prev_hash + "\n" + the record's JSON with
    // its keys sorted at every depth).
    const first = JSON.stringify({
      action: 'GET /api/v2/tracking/journey/{guid}',
      actor: { id: 'key_0123456789abcdef', label: 'tl_live_AbC1', role: 'dealer', via: 'key' },
      at: '2026-01-01T00:00:01.000Z',
      ip: '127.0.0.1',
      objects: ['FORD-2026-01-01-BAT-CRT-DET001-000001'],
      reason: null,
      request_id: 'req-1',
      result: 'ok',
      seq: 1,
      source: 'http',
      status: 200,
    });
    expect(rows[0].hash).toBe(createHash('sha256').update(`${GENESIS_HASH}\n${first}`).digest('hex'));

    expect(await verifyAuditChain(db())).toEqual({ ok: true, records: 120, last: { seq: 120, hash: rows[119].hash } });
  });

  it('writes on its timer without being asked', async () => {
    const writer = createAuditWriter(db(), { flushMs: 20 });
    for (let i = 1; i <= 5; i++) writer.record(entry(i));
    const deadline = Date.now() + 10_000;
    while ((await count()) < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await count()).toBe(5);
    expect(await transactions()).toBe(1);
    await writer.close();
  });

  it('writes what comes after a flush that had nothing to write', async () => {
    const writer = createAuditWriter(db(), { flushMs: 60_000 });
    await writer.flush();
    writer.record(entry(1));
    await writer.flush();
    expect(await count()).toBe(1);
    await writer.close();
  });

  it('close() writes what is left, and a record after it is dropped and logged', async () => {
    const { messages, logger } = keptLog();
    const writer = createAuditWriter(db(), { flushMs: 60_000, logger });
    for (let i = 1; i <= 3; i++) writer.record(entry(i));
    await writer.close();
    expect(await count()).toBe(3);
    writer.record(entry(4));
    expect(messages).toEqual(['audit record after the writer closed: dropped']);
    expect(await count()).toBe(3);
  });

  it('an empty trail verifies', async () => {
    expect(await verifyAuditChain(db())).toEqual({ ok: true, records: 0, last: null });
  });

  it('names a changed record, whether or not its hash was recomputed', async () => {
    await writeChain(10);
    await query(store, "UPDATE threadline_audit SET action = 'GET /api/v2/forged' WHERE seq = 5");
    expect(await verifyAuditChain(db())).toEqual({ ok: false, records: 4, firstBadSeq: 5, problem: 'changed' });

    // A forger who also recomputes that record's hash breaks the link to the next one instead.
    const row = (await readAudit(db(), { after: 4, limit: 1 }))[0]!;
    await query(store, 'UPDATE threadline_audit SET hash = $1 WHERE seq = 5', [chainHash(row.prev_hash, row)]);
    expect(await verifyAuditChain(db())).toEqual({ ok: false, records: 4, firstBadSeq: 5, problem: 'changed' });
  });

  it('names a changed actor, status or object list', async () => {
    await writeChain(6);
    await query(store, 'UPDATE threadline_audit SET actor_id = NULL, actor_label = NULL, actor_role = NULL, actor_via = NULL WHERE seq = 2');
    await query(store, 'UPDATE threadline_audit SET status = 403 WHERE seq = 4');
    await query(store, "UPDATE threadline_audit SET objects = '{}' WHERE seq = 6");
    expect(await verifyAuditChain(db())).toMatchObject({ ok: false, firstBadSeq: 2, problem: 'changed' });
    await query(store, 'DELETE FROM threadline_audit WHERE seq <= 3');
    // The removal is found before the later changes.
    expect(await verifyAuditChain(db())).toMatchObject({ ok: false, records: 0, firstBadSeq: 1, problem: 'removed' });
  });

  it('names a removed record', async () => {
    await writeChain(10);
    await query(store, 'DELETE FROM threadline_audit WHERE seq = 7');
    expect(await verifyAuditChain(db())).toEqual({ ok: false, records: 6, firstBadSeq: 7, problem: 'removed' });
  });

  it('names reordered records: swapped, or renumbered to close the gap a removal left', async () => {
    await writeChain(10);
    await query(store, 'UPDATE threadline_audit SET seq = -3 WHERE seq = 3');
    await query(store, 'UPDATE threadline_audit SET seq = 3 WHERE seq = 8');
    await query(store, 'UPDATE threadline_audit SET seq = 8 WHERE seq = -3');
    expect(await verifyAuditChain(db())).toEqual({ ok: false, records: 2, firstBadSeq: 3, problem: 'reordered' });

    await query(store, 'DELETE FROM threadline_audit');
    await writeChain(10);
    await query(store, 'DELETE FROM threadline_audit WHERE seq = 4');
    await query(store, 'UPDATE threadline_audit SET seq = seq - 1 WHERE seq > 4');
    expect(await verifyAuditChain(db())).toEqual({ ok: false, records: 3, firstBadSeq: 4, problem: 'reordered' });
  });

  it('verifies page after page, and finds a change past the first page', async () => {
    await writeChain(2500);
    expect(await verifyAuditChain(db())).toMatchObject({ ok: true, records: 2500 });
    await query(store, "UPDATE threadline_audit SET ip = '10.0.0.1' WHERE seq = 1700");
    expect(await verifyAuditChain(db())).toEqual({ ok: false, records: 1699, firstBadSeq: 1700, problem: 'changed' });
  });

  it('keeps one chain with two writers writing at once', async () => {
    // On PostgreSQL the second writer has its own pool, as a second process would; PGlite has one connection.
    const other = config.kind === 'postgres' ? new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: config.connectionString, max: 4 }) }) }) : null;
    try {
      const a = createAuditWriter(db(), { flushMs: 60_000, maxBatch: 7 });
      const b = createAuditWriter(other ?? db(), { flushMs: 60_000, maxBatch: 7 });
      const run = async (w: typeof a, name: string) => {
        for (let i = 1; i <= 150; i++) {
          w.record(entry(i, { request_id: `${name}-${i}` }));
          // Let the batches of both writers interleave.
          if (i % 10 === 0) await w.flush();
        }
        await w.close();
      };
      await Promise.all([run(a, 'a'), run(b, 'b'), run(createAuditWriter(db(), { flushMs: 60_000, maxBatch: 7 }), 'c')]);
    } finally {
      await other?.destroy();
    }
    expect(await count()).toBe(450);
    expect(await verifyAuditChain(db())).toMatchObject({ ok: true, records: 450 });
    const ids = (await query(store, 'SELECT request_id FROM threadline_audit')).rows.map((r) => r.request_id as string);
    for (const name of ['a', 'b', 'c']) expect(ids.filter((id) => id.startsWith(`${name}-`))).toHaveLength(150);
    // The batches really did interleave (otherwise this test proves nothing about the lock).
    const order = (await query(store, 'SELECT request_id FROM threadline_audit ORDER BY seq')).rows.map((r) => (r.request_id as string)[0]);
    expect(order.filter((w, i) => i > 0 && w !== order[i - 1]).length).toBeGreaterThan(3);
  });

  it('writes control characters escaped, so that a record cannot forge another line', async () => {
    const writer = createAuditWriter(db(), { flushMs: 60_000 });
    writer.record(
      entry(1, {
        action: 'GET /api/v2/x\r\n2026-01-01 admin DELETE everything',
        request_id: 'abc\u001b[31mred',
        objects: ['one\ntwo'],
        reason: 'nul\u0000 and a lone \ud800 surrogate',
        actor: { id: 'sub\u2028line', label: 'oauth:x', role: 'auditor', via: 'oauth' },
      }),
    );
    await writer.close();
    const [r] = await readAudit(db(), { limit: 10 });
    expect(r!.action).toBe('GET /api/v2/x\\u000d\\u000a2026-01-01 admin DELETE everything');
    expect(r!.request_id).toBe('abc\\u001b[31mred');
    expect(r!.objects).toEqual(['one\\u000atwo']);
    expect(r!.reason).toBe('nul\\u0000 and a lone \\ud800 surrogate');
    expect(r!.actor!.id).toBe('sub\\u2028line');
    // Stored as hashed: the escaped text is what the chain covers.
    expect(await verifyAuditChain(db())).toMatchObject({ ok: true, records: 1 });
  });

  it('keeps the records of a failed write and writes them on a later flush', async () => {
    const { messages, logger } = keptLog();
    await writeChain(2);
    const writer = createAuditWriter(db(), { flushMs: 60_000, logger });
    await query(store, 'ALTER TABLE threadline_audit RENAME TO threadline_audit_away');
    try {
      for (let i = 3; i <= 5; i++) writer.record(entry(i));
      await expect(writer.flush()).resolves.toBeUndefined();
      expect(messages).toContain('audit records not written; kept for the next flush');
    } finally {
      await query(store, 'ALTER TABLE threadline_audit_away RENAME TO threadline_audit');
    }
    expect(await count()).toBe(2);
    writer.record(entry(6));
    await writer.flush();
    expect((await readAudit(db(), { limit: 10 })).map((r) => r.request_id)).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6']);
    expect(await verifyAuditChain(db())).toMatchObject({ ok: true, records: 6 });
    await writer.close();
  });

  it('reads records by time, actor, object and seq, in seq order', async () => {
    const writer = createAuditWriter(db(), { flushMs: 60_000 });
    for (let i = 1; i <= 20; i++) writer.record(entry(i, { actor: i % 2 ? null : { id: 'admin', label: 'admin secret', role: 'admin', via: 'admin_secret' }, objects: i % 5 === 0 ? ['FORD-X', `k${i}`] : [] }));
    await writer.close();
    const seqs = async (f: Parameters<typeof readAudit>[1]) => (await readAudit(db(), f)).map((r) => r.seq);
    expect(await seqs({ from: new Date(T0 + 5000), to: new Date(T0 + 9000), limit: 100 })).toEqual([5, 6, 7, 8]);
    expect(await seqs({ actor: 'admin', limit: 3 })).toEqual([2, 4, 6]);
    expect(await seqs({ actor: 'admin', after: 6, limit: 3 })).toEqual([8, 10, 12]);
    expect(await seqs({ guid: 'FORD-X', limit: 100 })).toEqual([5, 10, 15, 20]);
    expect(await seqs({ guid: 'FORD-X', actor: 'admin', from: new Date(T0 + 11_000), limit: 100 })).toEqual([20]);
    const [anonymous] = await readAudit(db(), { limit: 1 });
    expect(anonymous).toMatchObject({ seq: 1, actor: null, objects: [], prev_hash: GENESIS_HASH });
  });

  it('threadline audit verify: exit 0 with the count, exit 1 naming the first bad seq', async () => {
    await writeChain(4);
    const out: string[] = [];
    const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s), withDb: <T>(fn: (d: Kysely<unknown>) => Promise<T>) => fn(db()) };
    expect(await auditCommand(['verify'], io)).toBe(0);
    expect(out[0]).toBe('audit trail intact: 4 records\n');
    await query(store, 'DELETE FROM threadline_audit WHERE seq = 2');
    out.length = 0;
    expect(await auditCommand(['verify'], io)).toBe(1);
    expect(out.join('')).toContain('audit trail broken at seq 2: removed');
    expect(await auditCommand(['nonsense'], io)).toBe(2);
  });
});
