// The journeys projection (tracking_events, journey_summary, journey_transitions): given journey events, then rows.
import type { ProjectionSpec } from '../read-model-conformance.ts';
import { created, GUID, T, logged, move, moved, OTHER, revised } from './given-events.ts';

/** The PRD appendix journey: email, a scanner's open, an SMS click, an appointment, service with revenue. */
export const appendix = [
  created(GUID, T(7, '10:00')),
  logged(GUID, 'e1', 'EMAIL_SENT', 'EMAIL', T(7, '10:15')),
  moved(GUID, move('CREATED', 'CONTACTED', T(7, '10:15'), 'e1')),
  logged(GUID, 'e2', 'EMAIL_OPENED', 'EMAIL', T(7, '10:20'), { machine: true }),
  logged(GUID, 'e3', 'SMS_CLICKED', 'SMS', T(8, '09:00')),
  moved(GUID, move('CONTACTED', 'ENGAGED', T(8, '09:00'), 'e3')),
  logged(GUID, 'e4', 'PORTAL_SCHEDULE_APPOINTMENT', 'PORTAL', T(8, '10:00'), { appointment_id: 'A-1' }),
  moved(GUID, move('ENGAGED', 'SCHEDULED', T(8, '10:00'), 'e4')),
  logged(GUID, 'e5', 'SERVICED', 'SYSTEM', T(10, '10:00'), { revenue: 650 }),
  moved(GUID, move('SCHEDULED', 'SERVICED', T(10, '10:00'), 'e5')),
];

export const journeysSpecs: ProjectionSpec[] = [
  {
    title: 'a new journey starts its clock at its risk event, in CREATED, with no touches',
    given: [created(GUID, T(7, '10:00'))],
    then: [
      {
        table: 'journey_summary',
        columns: ['guid', 'kind', 'dealer_code', 'severity', 'created_at', 'issued_at', 'current_state', 'state_entered_at', 'total_touches', 'total_events', 'moves', 'converted_at'],
        rows: [[GUID, 'outreach', 'DET001', 'CRITICAL', T(7, '10:00'), '2026-11-30T09:00:00.000Z', 'CREATED', T(7, '10:00'), 0, 0, 0, null]],
      },
      { table: 'journey_transitions', columns: ['seq', 'from_state', 'to_state', 'entered_at', 'left_at', 'trigger'], rows: [[0, null, 'CREATED', T(7, '10:00'), null, 'created']] },
      { table: 'tracking_events', columns: ['event_id'], rows: [] },
    ],
  },
  {
    title: 'the appendix journey: touches, a flagged machine open, conversion, appointment and revenue',
    given: appendix,
    then: [
      {
        table: 'tracking_events',
        columns: ['event_id', 'event_type', 'is_touch', 'direction', 'details'],
        rows: [
          ['e1', 'EMAIL_SENT', true, 'outbound', {}],
          ['e2', 'EMAIL_OPENED', false, 'inbound', { machine: true }],
          ['e3', 'SMS_CLICKED', true, 'inbound', {}],
          ['e4', 'PORTAL_SCHEDULE_APPOINTMENT', false, 'internal', { appointment_id: 'A-1' }],
          ['e5', 'SERVICED', false, 'internal', { revenue: 650 }],
        ],
      },
      {
        table: 'journey_summary',
        columns: ['current_state', 'total_touches', 'total_events', 'channels_used', 'first_contact', 'last_contact', 'converted_at', 'conversion_channel', 'appointment_id', 'revenue_realized', 'moves'],
        rows: [['SERVICED', 2, 5, ['EMAIL', 'SMS'], T(7, '10:15'), T(8, '09:00'), T(8, '10:00'), 'SMS', 'A-1', '650.00', 4]],
      },
      {
        table: 'journey_transitions',
        columns: ['seq', 'from_state', 'to_state', 'entered_at', 'left_at', 'duration_ms', 'cause_event_id'],
        rows: [
          [0, null, 'CREATED', T(7, '10:00'), T(7, '10:15'), '900000', null],
          [1, 'CREATED', 'CONTACTED', T(7, '10:15'), T(8, '09:00'), '81900000', 'e1'],
          [2, 'CONTACTED', 'ENGAGED', T(8, '09:00'), T(8, '10:00'), '3600000', 'e3'],
          [3, 'ENGAGED', 'SCHEDULED', T(8, '10:00'), T(10, '10:00'), '172800000', 'e4'],
          [4, 'SCHEDULED', 'SERVICED', T(10, '10:00'), null, null, 'e5'],
        ],
      },
    ],
  },
  {
    title: 'a late event revises the timeline: the moves after `keep` are replaced, the summary follows event time',
    given: [
      created(GUID, T(7, '10:00')),
      logged(GUID, 'e2', 'SMS_CLICKED', 'SMS', T(7, '12:00')),
      moved(GUID, move('CREATED', 'ENGAGED', T(7, '12:00'), 'e2')),
      logged(GUID, 'e1', 'EMAIL_SENT', 'EMAIL', T(7, '11:00')),
      revised(GUID, { keep: 0, cause_event_id: 'e1', transitions: [move('CREATED', 'CONTACTED', T(7, '11:00'), 'e1'), move('CONTACTED', 'ENGAGED', T(7, '12:00'), 'e2')] }),
    ],
    then: [
      {
        table: 'journey_transitions',
        columns: ['seq', 'from_state', 'to_state', 'entered_at', 'left_at', 'cause_event_id'],
        rows: [
          [0, null, 'CREATED', T(7, '10:00'), T(7, '11:00'), null],
          [1, 'CREATED', 'CONTACTED', T(7, '11:00'), T(7, '12:00'), 'e1'],
          [2, 'CONTACTED', 'ENGAGED', T(7, '12:00'), null, 'e2'],
        ],
      },
      {
        table: 'journey_summary',
        columns: ['current_state', 'state_entered_at', 'first_contact', 'last_contact', 'last_touch_channel', 'channels_used', 'moves'],
        rows: [['ENGAGED', T(7, '12:00'), T(7, '11:00'), T(7, '12:00'), 'SMS', ['EMAIL', 'SMS'], 2]],
      },
    ],
  },
  {
    title: 'an explicit transition keeps its reason; two journeys in one batch each get their own rows',
    given: [
      created(GUID, T(7, '10:00')),
      created(OTHER, T(7, '10:30'), { risk_event: { component_code: 'BRK', severity: 'HIGH', risk_score: 0.7, timestamp: T(7, '10:30') } }),
      logged(OTHER, 'o1', 'CALL_COMPLETED', 'PHONE', T(7, '11:00')),
      moved(OTHER, move('CREATED', 'ENGAGED', T(7, '11:00'), 'o1')),
      moved(GUID, move('CREATED', 'SCHEDULED', T(7, '13:00'), null, 'booked at the counter')),
    ],
    then: [
      {
        table: 'journey_summary',
        columns: ['guid', 'current_state', 'severity', 'total_touches', 'converted_at', 'conversion_channel'],
        rows: [
          [GUID, 'SCHEDULED', 'CRITICAL', 0, T(7, '13:00'), null],
          [OTHER, 'ENGAGED', 'HIGH', 1, null, null],
        ],
      },
      {
        table: 'journey_transitions',
        columns: ['guid', 'seq', 'to_state', 'trigger', 'reason'],
        rows: [
          [GUID, 0, 'CREATED', 'created', null],
          [GUID, 1, 'SCHEDULED', 'explicit', 'booked at the counter'],
          [OTHER, 0, 'CREATED', 'created', null],
          [OTHER, 1, 'ENGAGED', 'event', null],
        ],
      },
    ],
  },
];
