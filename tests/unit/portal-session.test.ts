// Portal sessions in the domain: which event each action records (details checked against the catalogue, a note's
// text never kept), and a session folded from its journey's events.
import { describe, expect, it } from 'vitest';
import { portalSessionEnd } from '../../src/domain/channels/index.ts';
import { isIdle, portalActionEvent, portalSessionOf } from '../../src/domain/channels/portal-session.ts';
import type { TrackingEvent } from '../../src/domain/journeys/index.ts';

const ID = 'ps_0123456789abcdefABCD';
const GUID = 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2';

const event = (event_id: string, event_type: string, occurred_at: string, details: Record<string, unknown>): TrackingEvent => ({
  event_id,
  guid: GUID,
  event_type,
  channel: 'PORTAL',
  occurred_at,
  received_at: occurred_at,
  actor: { type: 'human', id: 'u1' },
  dealer_code: 'DET001',
  session_id: ID,
  user_id: 'u1',
  details,
});

describe('portal actions', () => {
  it('maps the known actions to their event types and any other name to PORTAL_ACTION', () => {
    expect(portalActionEvent(ID, 'view_lead', { lead: 'x' })).toEqual({ ok: true, value: { eventType: 'PORTAL_VIEW_LEAD', details: { lead: 'x', portal_session_id: ID } } });
    expect(portalActionEvent(ID, 'call_customer', {})).toMatchObject({ value: { eventType: 'PORTAL_CALL_CUSTOMER' } });
    expect(portalActionEvent(ID, 'schedule_appointment', { appointment_id: 'a1' })).toMatchObject({ value: { eventType: 'PORTAL_SCHEDULE_APPOINTMENT' } });
    // The server names the session and the action, whatever the body says.
    expect(portalActionEvent(ID, 'print_estimate', { action: 'other', portal_session_id: 'ps_forged' })).toEqual({ ok: true, value: { eventType: 'PORTAL_ACTION', details: { action: 'print_estimate', portal_session_id: ID } } });
  });

  it('keeps only a note\u2019s length, never its text, and refuses any other field of a note', () => {
    expect(portalActionEvent(ID, 'add_note', { text: 'caf\u00e9 \u{1F600}' })).toEqual({ ok: true, value: { eventType: 'PORTAL_ADD_NOTE', details: { portal_session_id: ID, note_length: 6 } } });
    expect(portalActionEvent(ID, 'add_note', { note_length: 30 })).toMatchObject({ value: { details: { note_length: 30 } } });
    expect(portalActionEvent(ID, 'add_note', { text: 'x', phone: '313' })).toEqual({ ok: false, violations: [{ path: 'details.phone', message: 'unknown field' }] });
  });

  it('lists every violation of the catalogue under details', () => {
    const r = portalActionEvent(ID, 'schedule_appointment', { scheduled_for: 'soon', service_type: 5 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.violations.map((v) => v.path).sort()).toEqual(['details.appointment_id', 'details.scheduled_for', 'details.service_type']);
  });
});

describe('a session folded from its journey', () => {
  const events = [
    event('s', 'PORTAL_SESSION_START', '2026-01-01T10:00:00.000Z', { portal_session_id: ID, role: 'advisor' }),
    event('a', 'PORTAL_VIEW_LEAD', '2026-01-01T10:05:00.000Z', { portal_session_id: ID }),
    event('other', 'PORTAL_VIEW_LEAD', '2026-01-01T11:00:00.000Z', { portal_session_id: 'ps_another' }),
    event('b', 'PORTAL_ACTION', '2026-01-01T10:02:00.000Z', { portal_session_id: ID, action: 'x' }),
  ];

  it('says who and when, the newest activity by event time, and no end', () => {
    expect(portalSessionOf(events, ID)).toEqual({ sessionId: ID, guid: GUID, userId: 'u1', dealerCode: 'DET001', role: 'advisor', startedAt: '2026-01-01T10:00:00.000Z', lastActivityAt: '2026-01-01T10:05:00.000Z', end: null });
    expect(portalSessionOf(events, 'ps_another')).toBeNull();
  });

  it('is idle once the TTL passed after its last activity, and ends then', () => {
    const s = portalSessionOf(events, ID)!;
    const ttl = 30 * 60_000;
    expect(isIdle(s, ttl, new Date('2026-01-01T10:35:00.000Z'))).toBe(false);
    expect(isIdle(s, ttl, new Date('2026-01-01T10:35:00.001Z'))).toBe(true);
    const end = portalSessionEnd({ sessionId: ID, guid: GUID, dealerCode: 'DET001', userId: 'u1' }, { reason: 'idle', lastActivityAt: s.lastActivityAt, ttlMs: ttl }, '2026-01-01T12:00:00.000Z');
    expect(end).toMatchObject({ event_id: `portal:${ID}:end`, occurred_at: '2026-01-01T10:35:00.000Z', details: { reason: 'idle', idle_seconds: 1800 } });
    expect(portalSessionOf([...events, end], ID)!.end).toEqual({ at: '2026-01-01T10:35:00.000Z', reason: 'idle' });
  });
});
