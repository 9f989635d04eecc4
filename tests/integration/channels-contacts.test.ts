// Contact points and suppression lists on both stores: a customer's email and phone given at generate-guid are kept
// only as keyed hashes (nowhere in clear: not in the stream, not in a read model); opt-outs and opt-ins logged as
// events build the per-dealer suppression list by event time, and a caller sees only its dealers' entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAddress } from '../../src/application/channels/index.ts';
import { resolveChannelSecret } from '../../src/projections/channels/index.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';
import { query } from '../helpers/sql.ts';

const T = '/api/v2/tracking';
const EMAIL = 'Jane.Doe@Example.com';
const PHONE = '+1 (313) 555-0123';

describe.each(storeTargets())('contact points and suppressions on $name', (target) => {
  let app: TestApp;
  let guid: string;
  let emailHash: string;

  const optEvent = (type: 'CONTACT_OPTED_OUT' | 'CONTACT_OPTED_IN', id: string, at: string, hash = emailHash) =>
    app.post(`${T}/log-event`, { guid, event_id: id, event_type: type, channel: 'EMAIL', occurred_at: at, details: { address_hash: hash, origin: { kind: 'api' } } });
  const suppression = (address: string, headers: Record<string, string> = {}) => app.get(`/api/v2/channels/email/suppressions/${encodeURIComponent(address)}`, headers);

  beforeAll(async () => {
    app = await startTestApp(target);
    const res = await app.post(`${T}/generate-guid`, riskBody({ customer: { id: 'C-1', email: EMAIL, phone: PHONE, timezone: 'America/Detroit' } }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    guid = res.body.guid;
    emailHash = hashAddress(app.rt.channelSecret, 'email', EMAIL)!;
  });
  afterAll(async () => app?.close());

  it('keeps the contact points as hashes only: the stream and every read model hold neither address', async () => {
    const audit = await app.get(`${T}/journey/${guid}/audit`);
    expect(audit.status).toBe(200);
    const created = audit.text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === 'JourneyCreated');
    expect(created.data.contact).toEqual({ email_hash: emailHash, phone_hash: hashAddress(app.rt.channelSecret, 'phone', '+13135550123'), timezone: 'America/Detroit' });
    expect(created.data.customer_id).toBe('C-1');
    await app.rt.projections.catchUp();
    const needles = ['jane.doe', 'Jane.Doe', '5550123'];
    const { rows: tables } = await query(app.rt.store, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    for (const { table_name } of tables as { table_name: string }[]) {
      const { rows } = await query(app.rt.store, `SELECT count(*)::int AS n FROM "${table_name}" t WHERE ${needles.map((n) => `t::text ILIKE '%${n}%'`).join(' OR ')}`);
      expect((rows[0] as { n: number }).n, table_name).toBe(0);
    }
    const { rows } = await query(app.rt.store, `SELECT kind FROM channel_contacts WHERE guid = '${guid}' ORDER BY kind`);
    expect(rows).toEqual([{ kind: 'email' }, { kind: 'phone' }]);
  });

  it('refuses a customer email or phone that is not one, listing both, and opens nothing', async () => {
    const res = await app.post(`${T}/generate-guid`, riskBody({ customer: { email: 'not-an-address', phone: '313-555', timezone: 'Mars/Olympus' } }));
    expect(res.status).toBe(400);
    expect(res.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['customer.email', 'customer.phone', 'customer.timezone']);
  });

  it('builds the suppression list by event time: an older opt-in lifts nothing, a newer one does, per dealer', async () => {
    expect((await suppression(EMAIL)).body).toEqual({ channel: 'EMAIL', suppressed: false, since: null, dealers: [] });
    expect((await optEvent('CONTACT_OPTED_OUT', 'out-1', '2024-12-08T10:00:00Z')).status).toBe(201);
    expect((await optEvent('CONTACT_OPTED_IN', 'in-old', '2024-12-08T09:00:00Z')).status).toBe(201);
    await app.rt.projections.catchUp();
    const out = await suppression('  jane.doe@EXAMPLE.com ');
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ channel: 'EMAIL', suppressed: true, since: '2024-12-08T10:00:00.000Z', dealers: [{ dealer_code: 'DET001', suppressed: true, origin: { kind: 'api' }, guid, event_id: 'out-1' }] });

    // Another address's opt-in does not lift this one.
    const other = hashAddress(app.rt.channelSecret, 'email', 'someone@example.com')!;
    expect((await optEvent('CONTACT_OPTED_IN', 'in-other', '2024-12-08T11:00:00Z', other)).status).toBe(201);
    await app.rt.projections.catchUp();
    expect((await suppression(EMAIL)).body.suppressed).toBe(true);

    expect((await optEvent('CONTACT_OPTED_IN', 'in-new', '2024-12-08T12:00:00Z')).status).toBe(201);
    await app.rt.projections.catchUp();
    expect((await suppression(EMAIL)).body).toMatchObject({ suppressed: false, since: null, dealers: [{ dealer_code: 'DET001', suppressed: false, since: '2024-12-08T12:00:00.000Z' }] });
  });

  it('answers only for the caller\u2019s dealers, and refuses what is no address', async () => {
    await optEvent('CONTACT_OPTED_OUT', 'out-2', '2024-12-08T13:00:00Z');
    await app.rt.projections.catchUp();
    const made = await app.post('/api/v2/admin/keys', { name: 'sender of another dealer', role: 'channel', dealers: ['DET002'] });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const theirs = await suppression(EMAIL, { authorization: `Bearer ${made.body.key}` });
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual({ channel: 'EMAIL', suppressed: false, since: null, dealers: [] });
    expect((await suppression(EMAIL)).body.suppressed).toBe(true);
    expect((await app.get(`/api/v2/channels/email/suppressions/${encodeURIComponent(EMAIL)}?dealer_code=DET002`)).body.dealers).toEqual([]);
    const bad = await app.get('/api/v2/channels/sms/suppressions/not-a-number');
    expect(bad.status).toBe(400);
    expect(bad.body.violations[0].path).toBe('address');
    expect((await app.get('/api/v2/channels/fax/suppressions/x')).status).toBe(400);
  });

  it('keeps one channel secret for the store, across restarts and processes', async () => {
    expect(await resolveChannelSecret(app.rt.store.readModels, null)).toEqual(app.rt.channelSecret);
    expect(await resolveChannelSecret(app.rt.store.readModels, 'configured-secret-0123456789abcdef0123')).toEqual(Buffer.from('configured-secret-0123456789abcdef0123'));
  });
});
