// The journey-paths projection (journey_paths, what attribution and predictions read): given journey events, then rows.
import type { ProjectionSpec } from '../read-model-conformance.ts';
import { created, GUID, T, logged, move, moved, OTHER } from './given-events.ts';
import { appendix } from './journeys.specs.ts';

/** The conformance suite renames GUID and OTHER per spec; OTHER stands for the conversation here. */
const CHAT_GUID = OTHER;

export const journeyPathsSpecs: ProjectionSpec[] = [
  {
    title: 'the appendix journey: its touches in event order (no machine open), converted, with its revenue',
    given: appendix,
    then: [
      {
        table: 'journey_paths',
        columns: ['guid', 'kind', 'current_state', 'path', 'converted', 'converted_at', 'value'],
        rows: [[GUID, 'outreach', 'SERVICED', ['EMAIL', 'SMS'], true, T(8, '10:00'), '650.00']],
      },
    ],
  },
  {
    title: 'a path is ordered by event time, not by arrival; a portal view is no touch; an unconverted journey has no value',
    given: [
      created(GUID, T(7, '10:00')),
      logged(GUID, 's', 'SMS_SENT', 'SMS', T(7, '12:00')),
      moved(GUID, move('CREATED', 'CONTACTED', T(7, '12:00'), 's')),
      logged(GUID, 'c', 'CALL_INITIATED', 'PHONE', T(7, '11:00')),
      logged(GUID, 'p', 'PORTAL_VIEW_LEAD', 'PORTAL', T(7, '11:30')),
      created(OTHER, T(7, '10:00')),
    ],
    then: [
      {
        table: 'journey_paths',
        columns: ['guid', 'path', 'converted', 'converted_at', 'value'],
        rows: [
          [GUID, ['PHONE', 'SMS'], false, null, null],
          [OTHER, [], false, null, null],
        ],
      },
    ],
  },
  {
    title: "a conversation that continues an outreach journey (parent_guid): its chat touches join that journey's path, in event order, up to its conversion",
    given: [
      created(GUID, T(7, '10:00')),
      logged(GUID, 's', 'SMS_SENT', 'SMS', T(7, '12:00')),
      created(CHAT_GUID, T(7, '13:00'), { kind: 'conversation', vin: null, risk_event: null, channel: 'CHAT', parent_guid: GUID }),
      // The same event id as the parent's own: still a touch of its own on the parent's path.
      logged(CHAT_GUID, 's', 'MESSAGE_RECEIVED', 'CHAT', T(7, '13:00'), { source: 'whatsapp' }),
      logged(GUID, 'p', 'PORTAL_SCHEDULE_APPOINTMENT', 'PORTAL', T(7, '15:00'), { appointment_id: 'a1' }),
      moved(GUID, move('CREATED', 'SCHEDULED', T(7, '15:00'), 'p')),
      logged(CHAT_GUID, 'm2', 'MESSAGE_SENT', 'CHAT', T(7, '14:00'), { source: 'whatsapp', sender: 'bot' }),
      logged(CHAT_GUID, 'm3', 'MESSAGE_RECEIVED', 'CHAT', T(7, '16:00'), { source: 'whatsapp' }),
    ],
    then: [
      {
        table: 'journey_paths',
        columns: ['guid', 'kind', 'path', 'converted', 'parent_guid'],
        rows: [
          [GUID, 'outreach', ['SMS', 'CHAT', 'CHAT'], true, null],
          [CHAT_GUID, 'conversation', ['CHAT', 'CHAT', 'CHAT'], false, GUID],
        ],
      },
    ],
  },
];
