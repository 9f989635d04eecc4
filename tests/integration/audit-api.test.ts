// GET /api/v2/audit over real HTTP on both stores: an auditor with every dealer exports the trail as NDJSON,
// filtered by time, actor and GUID; other roles and dealer-bound auditors get 403; the export is itself audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/access/index.ts';
import { verifyAuditChain } from '../../src/projections/access/index.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

interface Line {
  seq: number;
  at: string;
  action: string;
  actor: { id: string; role: string } | null;
  objects: string[];
  result: string;
  status: number;
  prev_hash: string;
  hash: string;
}

describe.each(storeTargets())('the audit export on $name', (target) => {
  let app: TestApp;
  const keys: Record<string, { key: string; id: string }> = {};
  let guid: string;
  const start = new Date(Date.now() - 60_000).toISOString();
  const end = () => new Date(Date.now() + 60_000).toISOString();

  const makeKey = async (name: string, role: Role, dealers: 'all' | string[]) => {
    const made = await app.post('/api/v2/admin/keys', { name, role, dealers });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    keys[name] = { key: made.body.key, id: made.body.id };
  };

  const exportAs = async (key: string, params: Record<string, string>) => {
    const res = await app.get(`/api/v2/audit?${new URLSearchParams(params)}`, bearer(key));
    return { ...res, lines: res.status === 200 && res.text ? res.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line) : [] };
  };

  /** Records are written a few milliseconds after their request ends: export until the trail holds what is expected. */
  const exportUntil = async (params: Record<string, string>, done: (lines: Line[]) => boolean) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await exportAs(keys['auditor']!.key, params);
      if (res.status !== 200 || done(res.lines) || Date.now() > deadline) return res;
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  beforeAll(async () => {
    app = await startTestApp(target);
    await makeKey('auditor', 'auditor', 'all');
    await makeKey('bound auditor', 'auditor', ['DET001']);
    await makeKey('dealer', 'dealer', 'all');
    await makeKey('analyst', 'analyst', 'all');
    await makeKey('channel', 'channel', 'all');
    const made = await app.post('/api/v2/tracking/generate-guid', riskBody(), bearer(keys['dealer']!.key));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    guid = made.body.guid;
  });
  afterAll(async () => app?.close());

  it('streams every record of the window in seq order, each chained to the one before it', async () => {
    const res = await exportUntil({ from: start, to: end() }, (lines) => lines.some((l) => l.action === 'POST /api/v2/tracking/generate-guid'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const { lines } = res;
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.prev_hash).toBe(lines[i - 1]!.hash);
    // Five keys made by the admin secret, then the dealer's journey.
    expect(lines.filter((l) => l.action === 'POST /api/v2/admin/keys')).toHaveLength(5);
    expect(lines.filter((l) => l.action === 'POST /api/v2/admin/keys').every((l) => l.actor?.role === 'admin' && l.status === 201)).toBe(true);
    expect(lines.find((l) => l.action === 'POST /api/v2/tracking/generate-guid')).toMatchObject({ actor: { id: keys['dealer']!.id, role: 'dealer' }, objects: [guid], result: 'ok' });
  });

  it('filters by actor, by GUID and by time', async () => {
    const seen = await app.get(`/api/v2/tracking/journey/${guid}`, bearer(keys['dealer']!.key));
    expect(seen.status).toBe(200);
    const byGuid = await exportUntil({ from: start, to: end(), guid }, (lines) => lines.some((l) => l.action === 'GET /api/v2/tracking/journey/{guid}'));
    expect(byGuid.lines.every((l) => l.objects.includes(guid))).toBe(true);
    // Reading the trail of a GUID names the GUID too, so that the earlier tries of this export are on it as well.
    const [made, read, ...exports] = byGuid.lines;
    expect([made!.action, read!.action]).toEqual(['POST /api/v2/tracking/generate-guid', 'GET /api/v2/tracking/journey/{guid}']);
    expect(exports.every((l) => l.action === 'GET /api/v2/audit' && l.actor?.id === keys['auditor']!.id)).toBe(true);

    const byActor = await exportAs(keys['auditor']!.key, { from: start, to: end(), actor: keys['dealer']!.id });
    expect(byActor.lines.length).toBeGreaterThanOrEqual(2);
    expect(byActor.lines.every((l) => l.actor?.id === keys['dealer']!.id)).toBe(true);
    expect((await exportAs(keys['auditor']!.key, { from: start, to: end(), actor: 'key_0000000000000000' })).lines).toEqual([]);

    const journeyRead = read!;
    const justThen = await exportAs(keys['auditor']!.key, { from: journeyRead.at, to: new Date(Date.parse(journeyRead.at) + 1).toISOString() });
    expect(justThen.lines.map((l) => l.seq)).toContain(journeyRead.seq);
    expect(justThen.lines.every((l) => l.at === journeyRead.at)).toBe(true);
    const later = await exportAs(keys['auditor']!.key, { from: new Date(Date.now() + 3_600_000).toISOString(), to: new Date(Date.now() + 7_200_000).toISOString() });
    expect(later.status).toBe(200);
    expect(later.text).toBe('');
  });

  it('audits the export itself: who read which range', async () => {
    const to = end();
    await exportAs(keys['auditor']!.key, { from: start, to });
    const res = await exportUntil({ from: start, to: end(), actor: keys['auditor']!.id }, (lines) => lines.some((l) => l.objects.includes(`audit:${start}..${to}`)));
    const read = res.lines.find((l) => l.objects.includes(`audit:${start}..${to}`));
    expect(read).toMatchObject({ action: 'GET /api/v2/audit', actor: { id: keys['auditor']!.id, role: 'auditor' }, status: 200, result: 'ok' });
  });

  it('answers 403 to other roles and to an auditor bound to some dealers; the admin may read it', async () => {
    const window = { from: start, to: end() };
    for (const name of ['dealer', 'analyst', 'channel', 'bound auditor']) {
      const res = await exportAs(keys[name]!.key, window);
      expect(res.status, name).toBe(403);
      expect(res.body.type).toBe('https://threadline.dev/problems/forbidden');
    }
    expect((await exportAs(keys['bound auditor']!.key, window)).body.detail).toMatch(/every dealer/);
    expect((await app.get(`/api/v2/audit?${new URLSearchParams(window)}`)).status).toBe(200);
    expect((await app.get(`/api/v2/audit?${new URLSearchParams(window)}`, { authorization: '' })).status).toBe(401);
    // The refusals are on the trail too.
    const denied = await exportUntil({ ...window, actor: keys['bound auditor']!.id }, (lines) => lines.some((l) => l.result === 'denied'));
    expect(denied.lines.find((l) => l.result === 'denied')).toMatchObject({ action: 'GET /api/v2/audit', status: 403 });
  });

  it('refuses a window that is empty, reversed, longer than 400 days or not ISO, and a GUID that is none', async () => {
    const auditor = keys['auditor']!.key;
    for (const params of <Record<string, string>[]>[
      { from: '2026-01-02', to: '2026-01-01' },
      { from: '2026-01-01', to: '2026-01-01' },
      { from: '2025-01-01', to: '2026-02-06' },
      { from: 'yesterday', to: '2026-01-01' },
      { to: '2026-01-01' },
      { from: '2026-01-01', to: '2026-01-02', guid: 'not-a-guid' },
      { from: '2026-01-01', to: '2026-01-02', unknown: 'x' },
    ]) {
      const res = await exportAs(auditor, params);
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(res.body.type).toBe('https://threadline.dev/problems/validation-failed');
    }
    expect((await exportAs(auditor, { from: '2025-01-01', to: '2026-02-05' })).status).toBe(200);
  });

  it('leaves a chain that verifies', async () => {
    expect(await verifyAuditChain(app.rt.store.readModels)).toMatchObject({ ok: true });
  });
});
