// Dealer-portal sessions on both stores, over real HTTP: a session and its actions are events on the journey (the
// lifecycle moves with them), it ends once whoever ends it (the user, the idle worker), it survives a restart, and a
// caller sees only its dealers' sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueEntry, journeyStreamName } from '../../src/domain/journeys/index.ts';
import { createPortalSessionWorker } from '../../src/workers/portal-session-worker.ts';
import { query } from '../helpers/sql.ts';
import { riskBody, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets, type StoreTarget } from '../helpers/test-stores.ts';

const T = '/api/v2/tracking';
const P = '/api/v2/portal/sessions';
const TTL_MS = 30 * 60_000;

describe.each(storeTargets())('dealer-portal sessions on $name', (target) => {
  let created: Awaited<ReturnType<StoreTarget['create']>>;
  // The same store every time it is opened: closing the app leaves it in place, as a stopped server would.
  const sameStore: StoreTarget = { name: target.name, create: async () => ({ config: created.config, cleanup: async () => {} }) };
  let app: TestApp;

  const newJourney = async (dealer = 'DET001') => {
    const res = await app.post(`${T}/generate-guid`, riskBody({ dealer_code: dealer }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.guid as string;
  };
  const start = async (guid: string, headers: Record<string, string> = {}, more: Record<string, unknown> = {}) =>
    app.post(P, { guid, user_id: 'advisor-7', dealer_code: 'DET001', role: 'service_advisor', ...more }, headers);
  const act = (id: string, action: string, details?: Record<string, unknown>, headers: Record<string, string> = {}) =>
    app.post(`${P}/${id}/actions`, details === undefined ? { action } : { action, details }, headers);
  const journey = async (guid: string) => (await app.get(`${T}/journey/${guid}`)).body;
  const portalEvents = async (guid: string) => (await journey(guid)).events.filter((e: { channel: string }) => e.channel === 'PORTAL');
  const keyFor = async (dealers: string[]) => {
    const made = await app.post('/api/v2/admin/keys', { name: `dealer ${dealers.join(',')}`, role: 'dealer', dealers });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    return { authorization: `Bearer ${made.body.key}` };
  };

  beforeAll(async () => {
    created = await target.create();
    app = await startTestApp(sameStore);
  });
  afterAll(async () => {
    await app?.close();
    await created?.cleanup();
  });

  it('records a session and its actions on the journey, moves the lifecycle, ends once, and lists the actions in order', async () => {
    const guid = await newJourney();
    const started = await start(guid);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.session_id as string;
    expect(id).toMatch(/^ps_[0-9A-Za-z]{20}$/);

    expect((await act(id, 'view_lead', { lead_source: 'recall-list' })).status).toBe(201);
    expect((await act(id, 'call_customer', { outcome: 'connected' })).status).toBe(201);
    expect((await journey(guid)).summary.current_state).toBe('CONTACTED');
    const scheduled = await act(id, 'schedule_appointment', { appointment_id: 'apt-42', scheduled_for: '2030-01-15T09:30:00Z', service_type: 'battery' });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
    expect(scheduled.body).toMatchObject({ session_id: id, event_type: 'PORTAL_SCHEDULE_APPOINTMENT', action: 'schedule_appointment' });
    expect((await journey(guid)).summary.current_state).toBe('SCHEDULED');
    const note = 'Customer prefers mornings, call 313-555-0199';
    expect((await act(id, 'add_note', { text: note })).status).toBe(201);
    const custom = await act(id, 'print_estimate', { estimate_id: 'est-9' });
    expect(custom.status).toBe(201);
    expect(custom.body.event_type).toBe('PORTAL_ACTION');

    const events = await portalEvents(guid);
    expect(events.map((e: { event_type: string }) => e.event_type)).toEqual([
      'PORTAL_SESSION_START',
      'PORTAL_VIEW_LEAD',
      'PORTAL_CALL_CUSTOMER',
      'PORTAL_SCHEDULE_APPOINTMENT',
      'PORTAL_ADD_NOTE',
      'PORTAL_ACTION',
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ session_id: id, user_id: 'advisor-7', dealer_code: 'DET001', actor: { type: 'human', id: 'advisor-7' }, details: { portal_session_id: id } });
      expect(catalogueEntry(e.event_type)!.details.safeParse(e.details).success, e.event_type).toBe(true);
    }
    expect(events[0].details.role).toBe('service_advisor');
    expect(events[5].details).toMatchObject({ action: 'print_estimate', estimate_id: 'est-9' });
    // The note's text is nowhere: only its length.
    expect(events[4].details).toEqual({ portal_session_id: id, note_length: note.length });
    const audit = await app.get(`${T}/journey/${guid}/audit`);
    expect(audit.text).not.toContain('prefers mornings');

    const ended = await app.post(`${P}/${id}/end`, {});
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    expect(ended.body).toMatchObject({ session_id: id, end_reason: 'ended', changed: true });
    const again = await app.post(`${P}/${id}/end`, {});
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...ended.body, changed: false });
    expect((await portalEvents(guid)).filter((e: { event_type: string }) => e.event_type === 'PORTAL_SESSION_END')).toHaveLength(1);

    const late = await act(id, 'view_lead');
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'portal_session_ended', end_reason: 'ended', ended_at: ended.body.ended_at });

    const got = await app.get(`${P}/${id}`);
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    expect(got.body).toMatchObject({ session_id: id, guid, user_id: 'advisor-7', dealer_code: 'DET001', role: 'service_advisor', started_at: started.body.started_at, ended_at: ended.body.ended_at, end_reason: 'ended' });
    expect(got.body.actions.map((a: { action: string }) => a.action)).toEqual(['view_lead', 'call_customer', 'schedule_appointment', 'add_note', 'print_estimate']);
    expect(got.body.last_activity_at).toBe(got.body.actions.at(-1).at);
  });

  it('answers a retry with the same Idempotency-Key with the same session, and refuses the key for another session', async () => {
    const guid = await newJourney();
    const first = await start(guid, { 'Idempotency-Key': 'portal-open-1' });
    expect(first.status).toBe(201);
    const retry = await start(guid, { 'Idempotency-Key': 'portal-open-1' });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ session_id: first.body.session_id, started_at: first.body.started_at, duplicate: true });
    expect((await start(guid, { 'Idempotency-Key': 'portal-open-1' }, { user_id: 'someone-else' })).body.code).toBe('idempotency_key_reused');
    expect((await start(await newJourney(), { 'Idempotency-Key': 'portal-open-1' })).status).toBe(422);
    expect((await start(guid)).body.session_id).not.toBe(first.body.session_id);

    const id = first.body.session_id;
    const once = await act(id, 'view_lead', {}, { 'Idempotency-Key': 'view-1' });
    const twice = await act(id, 'view_lead', {}, { 'Idempotency-Key': 'view-1' });
    expect([once.status, twice.status]).toEqual([201, 200]);
    expect(twice.body).toMatchObject({ event_id: once.body.event_id, duplicate: true });
    expect((await portalEvents(guid)).filter((e: { event_type: string }) => e.event_type === 'PORTAL_VIEW_LEAD')).toHaveLength(1);
  });

  it('refuses bad action details listing every violation, and stores nothing', async () => {
    const guid = await newJourney();
    const id = (await start(guid)).body.session_id;
    const bad = await act(id, 'schedule_appointment', { scheduled_for: 'next tuesday' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect(bad.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['details.appointment_id', 'details.scheduled_for']);
    const note = await act(id, 'add_note', { text: 'hello', customer_phone: '313-555-0100' });
    expect(note.status).toBe(400);
    expect(note.body.violations).toEqual([{ path: 'details.customer_phone', message: 'unknown field' }]);
    expect((await act(id, 'Print-Estimate')).body.violations.map((v: { path: string }) => v.path)).toEqual(['action']);
    expect((await act(id, 'x'.repeat(101))).status).toBe(400);
    expect((await portalEvents(guid)).map((e: { event_type: string }) => e.event_type)).toEqual(['PORTAL_SESSION_START']);
  });

  it('answers unknown sessions 404, and hides another dealer\u2019s sessions', async () => {
    expect((await act('ps_00000000000000000000', 'view_lead')).status).toBe(404);
    expect((await app.get(`${P}/ps_00000000000000000000`)).body.code).toBe('not_found');
    expect((await app.post(`${P}/not-a-session/end`, {})).status).toBe(404);
    expect((await start('FORD-2024-12-07-BAT-CRT-DET001-FFFFFF')).body.code).toBe('unknown_guid');

    const guid = await newJourney();
    const id = (await start(guid)).body.session_id;
    const other = await keyFor(['DET002']);
    expect((await app.get(`${P}/${id}`, other)).status).toBe(404);
    expect((await act(id, 'view_lead', {}, other)).status).toBe(404);
    expect((await app.post(`${P}/${id}/end`, {}, other)).status).toBe(404);
    expect((await start(guid, other, { dealer_code: 'DET002' })).status).toBe(404);
    // Its own dealer's key sees it, and may not open a session for a dealer it does not act for.
    const own = await keyFor(['DET001']);
    expect((await app.get(`${P}/${id}`, own)).status).toBe(200);
    expect((await start(guid, own, { dealer_code: 'DET002' })).body.code).toBe('forbidden');
  });

  it('ends an idle session at its last activity plus the TTL, once, and leaves active ones open', async () => {
    const guid = await newJourney();
    const idleId = (await start(guid)).body.session_id;
    expect((await act(idleId, 'view_lead')).status).toBe(201);
    const lastActivity = (await portalEvents(guid)).at(-1).occurred_at as string;
    const later = new Date(Date.parse(lastActivity) + TTL_MS + 60_000);
    const activeId = (await start(guid)).body.session_id;
    // Projected up to this journey's newest event, hence every session before it. Not catchUp(): it returns at once
    // while the background runner holds the projection's lock, before that batch commits.
    expect(await app.rt.projections.waitForStream(journeyStreamName(guid), 10_000)).toBe(true);
    // The active session's clock is only a few milliseconds behind: the worker's clock says ten minutes passed.
    const soon = createPortalSessionWorker({ store: app.rt.store, readModels: app.rt.store.readModels, projections: app.rt.projections }, { ttlMs: TTL_MS, now: () => new Date(Date.now() + 10 * 60_000) });
    expect(await soon.tick()).toBe(0);

    const worker = createPortalSessionWorker({ store: app.rt.store, readModels: app.rt.store.readModels, projections: app.rt.projections }, { ttlMs: TTL_MS, now: () => later });
    const otherProcess = createPortalSessionWorker({ store: app.rt.store, readModels: app.rt.store.readModels, projections: app.rt.projections }, { ttlMs: TTL_MS, now: () => later });
    // Every open session (the active one too, and those of the tests before) is idle by then: each ends once,
    // whichever worker gets there first.
    const open = (await query(app.rt.store, 'SELECT session_id, guid FROM portal_sessions WHERE ended_at IS NULL')).rows as { session_id: string; guid: string }[];
    expect(open.map((s) => s.session_id)).toEqual(expect.arrayContaining([idleId, activeId]));
    const ends = await Promise.all([worker.tick(), otherProcess.tick()]);
    expect(ends[0] + ends[1]).toBe(open.length);
    expect(await worker.tick()).toBe(0);
    // Each of them has exactly one end in its journey, ended for idleness.
    for (const g of new Set(open.map((s) => s.guid))) {
      const endsOf = (await portalEvents(g)).filter((e: { event_type: string }) => e.event_type === 'PORTAL_SESSION_END');
      for (const s of open.filter((x) => x.guid === g)) {
        expect(endsOf.filter((e: { session_id: string }) => e.session_id === s.session_id).map((e: { details: { reason: string } }) => e.details.reason), s.session_id).toEqual(['idle']);
      }
    }

    const got = await app.get(`${P}/${idleId}`);
    expect(got.body).toMatchObject({ end_reason: 'idle', ended_at: new Date(Date.parse(lastActivity) + TTL_MS).toISOString() });
    const endEvents = (await portalEvents(guid)).filter((e: { event_type: string }) => e.event_type === 'PORTAL_SESSION_END');
    expect(endEvents).toHaveLength(2);
    expect(endEvents.find((e: { session_id: string }) => e.session_id === idleId).details).toEqual({ portal_session_id: idleId, reason: 'idle', idle_seconds: 1800 });
    expect((await act(idleId, 'view_lead')).body).toMatchObject({ code: 'portal_session_ended', end_reason: 'idle' });
    expect((await app.post(`${P}/${activeId}/end`, {})).body).toMatchObject({ end_reason: 'idle', changed: false });
  });

  it('keeps sessions across a restart: found again, accepting actions, even where the session index lacks them', async () => {
    const guid = await newJourney();
    const id = (await start(guid)).body.session_id;
    expect((await act(id, 'view_lead')).status).toBe(201);
    await app.close();
    app = await startTestApp(sameStore);

    expect((await act(id, 'call_customer')).status).toBe(201);
    // A log replayed into a database without the session index: the read model finds the journey.
    await app.rt.projections.catchUp();
    await query(app.rt.store, 'DELETE FROM portal_session_index WHERE session_id = $1', [id]);
    expect((await act(id, 'add_note', { note_length: 12 })).status).toBe(201);
    const got = await app.get(`${P}/${id}`);
    expect(got.body.actions.map((a: { action: string }) => a.action)).toEqual(['view_lead', 'call_customer', 'add_note']);
    expect(got.body.ended_at).toBeNull();
  });

  it('finds a session idle past the TTL ended when it is next used, before any worker looks', async () => {
    // A TTL of 1 ms: the START is durable before its answer, so by the next request the session is idle.
    const short = await startTestApp(target, { channels: { portalSessionTtlMs: 1 } });
    try {
      const guid = (await short.post(`${T}/generate-guid`, riskBody())).body.guid;
      const begin = () => short.post(P, { guid, user_id: 'advisor-7', dealer_code: 'DET001', role: 'service_advisor' });
      const first = (await begin()).body;
      const late = await short.post(`${P}/${first.session_id}/actions`, { action: 'view_lead' });
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({ code: 'portal_session_ended', end_reason: 'idle', ended_at: new Date(Date.parse(first.started_at) + 1).toISOString() });
      expect((await short.post(`${P}/${first.session_id}/end`, {})).body).toMatchObject({ end_reason: 'idle', changed: false });
      const second = (await begin()).body;
      expect((await short.post(`${P}/${second.session_id}/end`, {})).body).toMatchObject({ end_reason: 'idle', changed: true, ended_at: new Date(Date.parse(second.started_at) + 1).toISOString() });
    } finally {
      await short.close();
    }
  });
});
