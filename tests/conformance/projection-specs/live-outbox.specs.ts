// The live-outbox projection (live_envelopes, live_journeys): given journey events, then the envelopes other systems
// receive, in log order.
import type { ProjectionSpec } from '../read-model-conformance.ts';
import { created, GUID, logged, move, moved, OTHER, revised, T } from './given-events.ts';

export const liveOutboxSpecs: ProjectionSpec[] = [
  {
    title: 'a journey created, contacted, engaged and scheduled: every fact once, the moves with their cause, the conversion once',
    given: [
      created(GUID, T(7, '10:00')),
      logged(GUID, 'e1', 'EMAIL_SENT', 'EMAIL', T(7, '10:15')),
      moved(GUID, move('CREATED', 'CONTACTED', T(7, '10:15'), 'e1')),
      logged(GUID, 'e2', 'PORTAL_SCHEDULE_APPOINTMENT', 'PORTAL', T(8, '10:00'), { appointment_id: 'A-1', scheduled_for: '2024-12-09T09:00:00Z' }),
      moved(GUID, move('CONTACTED', 'SCHEDULED', T(8, '10:00'), 'e2')),
      logged(GUID, 'e3', 'CONTACT_OPTED_OUT', 'SMS', T(8, '11:00'), { address_hash: 'c'.repeat(64), origin: { kind: 'keyword' } }),
      logged(GUID, 'e4', 'ARRIVED', 'SYSTEM', T(9, '09:00')),
      moved(GUID, move('SCHEDULED', 'ARRIVED', T(9, '09:00'), 'e4')),
    ],
    then: [
      {
        table: 'live_envelopes',
        columns: ['type', 'occurred_at', 'idx', 'kind', 'dealer_code'],
        rows: [
          ['contact.opted_out', T(8, '11:00'), 1, 'outreach', 'DET001'],
          ['event.logged', T(7, '10:15'), 0, 'outreach', 'DET001'],
          ['event.logged', T(8, '10:00'), 0, 'outreach', 'DET001'],
          ['event.logged', T(8, '11:00'), 0, 'outreach', 'DET001'],
          ['event.logged', T(9, '09:00'), 0, 'outreach', 'DET001'],
          ['journey.converted', T(8, '10:00'), 1, 'outreach', 'DET001'],
          ['journey.created', T(7, '10:00'), 0, 'outreach', 'DET001'],
          ['journey.state_changed', T(7, '10:15'), 0, 'outreach', 'DET001'],
          ['journey.state_changed', T(8, '10:00'), 0, 'outreach', 'DET001'],
          ['journey.state_changed', T(9, '09:00'), 0, 'outreach', 'DET001'],
        ],
      },
    ],
  },
  {
    title: 'a revision that leaves the state where it was says nothing; one that moves it says so, marked revised',
    given: [
      created(OTHER, T(7, '10:00')),
      logged(OTHER, 'o1', 'SMS_SENT', 'SMS', T(7, '11:00')),
      moved(OTHER, move('CREATED', 'CONTACTED', T(7, '11:00'), 'o1')),
      revised(OTHER, { keep: 0, transitions: [move('CREATED', 'CONTACTED', T(7, '10:30'), 'o1')], cause_event_id: 'o1' }),
      revised(OTHER, { keep: 0, transitions: [move('CREATED', 'QUEUED', T(7, '10:30'), null)], cause_event_id: null }),
    ],
    then: [
      {
        table: 'live_envelopes',
        columns: ['type', 'occurred_at', 'idx'],
        rows: [
          ['event.logged', T(7, '11:00'), 0],
          ['journey.created', T(7, '10:00'), 0],
          ['journey.state_changed', T(7, '10:30'), 0],
          ['journey.state_changed', T(7, '11:00'), 0],
        ],
      },
    ],
  },
];
