// The journey-paths projection (journey_paths, what attribution and predictions read): given journey events, then rows.
import type { ProjectionSpec } from '../read-model-conformance.ts';
import { created, GUID, T, logged, move, moved, OTHER } from './given-events.ts';
import { appendix } from './journeys.specs.ts';

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
];
