// The portal sessions projection (portal_sessions, portal_session_actions): given journey events, then rows.
import type { Channel } from '../../../src/domain/shared/channels.ts';
import type { ProjectionSpec } from '../read-model-conformance.ts';
import { created, GUID, logged, OTHER, T, type GivenEvent } from './given-events.ts';

/** A portal event as the portal routes record it: by the dealer user, for the session. */
const portal = (guid: string, id: string, type: string, at: string, details: Record<string, unknown>, who: { user?: string; dealer?: string } = {}, channel: Channel = 'PORTAL'): GivenEvent => {
  const e = logged(guid, id, type, channel, at, details);
  return { ...e, data: { ...e.data, user_id: who.user ?? null, dealer_code: who.dealer ?? null, session_id: details['portal_session_id'] ?? null } };
};

const S1 = 'ps_SpecOneSession0001';
const S2 = 'ps_SpecOneSession0002';
const S3 = 'ps_SpecTwoSession0003';

const SESSION_COLUMNS = ['session_id', 'guid', 'dealer_code', 'user_id', 'role', 'started_at', 'last_activity_at', 'ended_at', 'end_reason'];

export const portalSessionsSpecs: ProjectionSpec[] = [
  {
    title: 'a session with its actions: newest activity by event time, the earliest end wins, events of no session ignored',
    given: [
      created(GUID, T(7, '10:00')),
      created(OTHER, T(7, '10:00')),
      portal(GUID, 'start-1', 'PORTAL_SESSION_START', T(8, '09:00'), { portal_session_id: S1, role: 'service_advisor' }, { user: 'u1', dealer: 'DET001' }),
      portal(GUID, 'a1', 'PORTAL_VIEW_LEAD', T(8, '09:05'), { portal_session_id: S1 }, { user: 'u1' }),
      portal(GUID, 'a2', 'PORTAL_ACTION', T(8, '09:10'), { portal_session_id: S1, action: 'print_estimate' }, { user: 'u1' }),
      // Late: older than the newest action, so it moves nothing but the list.
      portal(GUID, 'a3', 'PORTAL_ADD_NOTE', T(8, '09:07'), { portal_session_id: S1, note_length: 5 }, { user: 'u1' }),
      portal(GUID, 'end-b', 'PORTAL_SESSION_END', T(8, '10:00'), { portal_session_id: S1, reason: 'ended' }),
      portal(GUID, 'end-a', 'PORTAL_SESSION_END', T(8, '09:40'), { portal_session_id: S1, reason: 'idle', idle_seconds: 1800 }),
      // Portal events of no session (log-event, the demo) are no session's.
      portal(GUID, 'x1', 'PORTAL_VIEW_LEAD', T(8, '09:06'), {}),
      portal(OTHER, 'x2', 'PORTAL_SESSION_START', T(8, '09:00'), {}),
      // The dealer comes from the GUID when the start names none.
      portal(OTHER, 'start-2', 'PORTAL_SESSION_START', T(8, '11:00'), { portal_session_id: S2, role: 'manager' }, { user: 'u2' }),
      portal(OTHER, 'b1', 'PORTAL_CALL_CUSTOMER', T(8, '11:30'), { portal_session_id: S2, outcome: 'connected' }, { user: 'u2' }),
    ],
    then: [
      {
        table: 'portal_sessions',
        columns: SESSION_COLUMNS,
        rows: [
          [S1, GUID, 'DET001', 'u1', 'service_advisor', T(8, '09:00'), T(8, '09:10'), T(8, '09:40'), 'idle'],
          [S2, OTHER, 'DET002', 'u2', 'manager', T(8, '11:00'), T(8, '11:30'), null, null],
        ],
      },
      {
        table: 'portal_session_actions',
        columns: ['session_id', 'at', 'event_id', 'action', 'event_type'],
        rows: [
          [S1, T(8, '09:05'), 'a1', 'view_lead', 'PORTAL_VIEW_LEAD'],
          [S1, T(8, '09:07'), 'a3', 'add_note', 'PORTAL_ADD_NOTE'],
          [S1, T(8, '09:10'), 'a2', 'print_estimate', 'PORTAL_ACTION'],
          [S2, T(8, '11:30'), 'b1', 'call_customer', 'PORTAL_CALL_CUSTOMER'],
        ],
      },
    ],
  },
  {
    title: 'actions logged before their session\u2019s start join it; the start still says who and when',
    given: [
      created(GUID, T(7, '10:00')),
      portal(GUID, 'c1', 'PORTAL_SCHEDULE_APPOINTMENT', T(9, '09:30'), { portal_session_id: S3, appointment_id: 'apt-1' }, { user: 'u3' }),
      portal(GUID, 'start-3', 'PORTAL_SESSION_START', T(9, '09:00'), { portal_session_id: S3, role: 'bdc' }, { user: 'u3', dealer: 'DET001' }),
    ],
    then: [
      { table: 'portal_sessions', columns: SESSION_COLUMNS, rows: [[S3, GUID, 'DET001', 'u3', 'bdc', T(9, '09:00'), T(9, '09:30'), null, null]] },
      { table: 'portal_session_actions', columns: ['session_id', 'event_id', 'action'], rows: [[S3, 'c1', 'schedule_appointment']] },
    ],
  },
];
