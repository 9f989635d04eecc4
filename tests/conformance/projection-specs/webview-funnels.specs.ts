// The web-view funnels projection (webview_funnel_events, webview_runs, webview_run_steps): given journey events,
// then each conversation's runs and run steps, folded by event time whatever order the events were appended in.
import type { ProjectionSpec } from '../read-model-conformance.ts';
import { created, GUID, logged, OTHER, T, type GivenEvent } from './given-events.ts';

const W = 'service-booking';
const conversation = (guid: string, at: string, categories?: Record<string, string>): GivenEvent =>
  created(guid, at, { kind: 'conversation', vin: null, risk_event: null, channel: 'CHAT', ...(categories ? { categories } : {}) });
const web = (guid: string, id: string, type: string, at: string, details: Record<string, unknown> = {}) => logged(guid, id, type, 'WEBVIEW', at, { webview_id: W, ...details });

const RUN_COLUMNS = ['guid', 'seq', 'opened_at', 'implicit_open', 'ended_at', 'outcome', 'exit_reason', 'steps_reached', 'dealer_code', 'team', 'department', 'query_nature'];
const STEP_COLUMNS = ['guid', 'seq', 'position', 'step', 'step_index', 'status', 'time_ms', 'visits', 'exit_reason'];

export const webviewFunnelsSpecs: ProjectionSpec[] = [
  {
    title: 'a walk appended out of order, an exit with its reason, the team it was handed to and its newest categories',
    given: [
      conversation(GUID, T(7, '10:00'), { department: 'service', query_nature: 'booking', language: 'en' }),
      web(GUID, 'o1', 'WEBVIEW_OPENED', T(7, '10:01')),
      web(GUID, 's1', 'WEBVIEW_STEP', T(7, '10:02'), { step: 'vehicle', step_index: 0 }),
      // The third step arrives before the second.
      web(GUID, 's3', 'WEBVIEW_STEP', T(7, '10:07'), { step: 'confirm', step_index: 2 }),
      web(GUID, 's2', 'WEBVIEW_STEP', T(7, '10:04'), { step: 'slot', step_index: 1 }),
      web(GUID, 'x1', 'WEBVIEW_EXIT', T(7, '10:10'), { reason: 'price' }),
      logged(GUID, 'h1', 'HANDOVER', 'SYSTEM', T(7, '11:00'), { to_team: 'service' }),
      logged(GUID, 'c1', 'CATEGORIES_UPDATED', 'SYSTEM', T(7, '10:30'), { query_nature: 'recall' }),
      // Nothing the funnel reads.
      logged(GUID, 'm1', 'MESSAGE_RECEIVED', 'CHAT', T(7, '10:00'), { source: 'webchat' }),
    ],
    then: [
      { table: 'webview_runs', columns: RUN_COLUMNS, rows: [[GUID, 0, T(7, '10:01'), false, T(7, '10:10'), 'exited', 'price', 3, 'DET001', 'service', 'service', 'recall']] },
      {
        table: 'webview_run_steps',
        columns: STEP_COLUMNS,
        rows: [
          [GUID, 0, 0, 'vehicle', 0, 'completed', '120000', 1, null],
          [GUID, 0, 1, 'slot', 1, 'completed', '180000', 1, null],
          [GUID, 0, 2, 'confirm', 2, 'exited', '180000', 1, 'price'],
        ],
      },
      {
        // The compact copy: the creation (its categories) and every event the funnel reads, nothing else.
        table: 'webview_funnel_events',
        columns: ['event_type', 'event_id'],
        rows: [
          ['CATEGORIES_UPDATED', 'c1'],
          ['CREATED', '~created'],
          ['HANDOVER', 'h1'],
          ['WEBVIEW_EXIT', 'x1'],
          ['WEBVIEW_OPENED', 'o1'],
          ['WEBVIEW_STEP', 's1'],
          ['WEBVIEW_STEP', 's2'],
          ['WEBVIEW_STEP', 's3'],
        ],
      },
    ],
  },
  {
    title: 'steps without an open, a back step, an escalation at a named step, a re-open, and a late open that moves the run',
    given: [
      conversation(OTHER, T(8, '09:00')),
      logged(OTHER, 'a1', 'AGENT_ASSIGNED', 'SYSTEM', T(8, '08:59'), { agent_id: 'ag-1', team: 'sales' }),
      web(OTHER, 'p1', 'WEBVIEW_STEP', T(8, '09:01'), { step: 'vehicle' }),
      web(OTHER, 'p2', 'WEBVIEW_STEP', T(8, '09:02'), { step: 'slot' }),
      web(OTHER, 'p3', 'WEBVIEW_STEP', T(8, '09:03'), { step: 'vehicle' }),
      logged(OTHER, 'e1', 'ESCALATION_REQUESTED', 'WEBVIEW', T(8, '09:05'), { reason: 'customer_request', webview_id: W, step: 'slot', team: 'service' }),
      web(OTHER, 'o2', 'WEBVIEW_OPENED', T(8, '10:00')),
      web(OTHER, 'q1', 'WEBVIEW_STEP', T(8, '10:00'), { step: 'vehicle' }),
      web(OTHER, 'q2', 'WEBVIEW_COMPLETED', T(8, '10:03')),
      // Logged last, happened first: the first run was opened after all.
      web(OTHER, 'o1', 'WEBVIEW_OPENED', T(8, '09:00')),
    ],
    then: [
      {
        table: 'webview_runs',
        columns: RUN_COLUMNS,
        rows: [
          [OTHER, 0, T(8, '09:00'), false, T(8, '09:05'), 'escalated', null, 2, 'DET002', 'sales', null, null],
          // The escalation routed the conversation to service before the second run opened.
          [OTHER, 1, T(8, '10:00'), false, T(8, '10:03'), 'completed', null, 1, 'DET002', 'service', null, null],
        ],
      },
      {
        table: 'webview_run_steps',
        columns: STEP_COLUMNS,
        rows: [
          [OTHER, 0, 0, 'vehicle', null, 'completed', '180000', 2, null],
          [OTHER, 0, 1, 'slot', null, 'escalated', '60000', 2, null],
          [OTHER, 1, 0, 'vehicle', null, 'completed', '180000', 1, null],
        ],
      },
    ],
  },
];
