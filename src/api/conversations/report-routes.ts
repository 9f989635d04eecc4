// The conversation reports: agents, queues, hand-overs, heatmap, active. Each reads the conversations projection's
// fact tables for the caller's dealers only; docs/conversations.md ("Reports") defines every number.
import { dealerRestriction, type Principal } from '../../domain/access/index.ts';
import { cachedReport, loadActive, loadAgentReport, loadHandoverReport, loadHeatmap, loadQueueReport, type ReportFilter } from '../../projections/conversations/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { windowJson } from '../http/query-windows.ts';
import { route, type AnyRoute } from '../http/route.ts';
import { activeAnswer, activeQuery, agentsAnswer, agentsQuery, handoversAnswer, handoversQuery, heatmapAnswer, heatmapQuery, intervalOf, QUEUE_INTERVALS, queuesAnswer, queuesQuery } from './report-schemas.ts';

interface FilterQuery {
  dealer?: string | undefined;
  team?: string | undefined;
  department?: string | undefined;
  query_nature?: string | undefined;
}

/** The `dealer` filter within the caller's dealers: one outside them matches nothing, as if it had no conversations. */
const filterOf = (q: FilterQuery, principal: Principal | null): ReportFilter => {
  const allowed = dealerRestriction(principal);
  const dealers = q.dealer ? (allowed === null || allowed.includes(q.dealer) ? [q.dealer] : []) : allowed;
  return { dealers, team: q.team ?? null, department: q.department ?? null, query_nature: q.query_nature ?? null };
};

/** Everything an answer depends on (the caller's dealers are in the filter), as the cache's key. */
const keyOf = (report: string, window: { start: Date; end: Date } | null, f: ReportFilter, ...more: unknown[]) =>
  JSON.stringify([report, window && [window.start.toISOString(), window.end.toISOString()], f.dealers && [...f.dealers].sort(), f.team, f.department, f.query_nature, ...more]);

const filtersJson = (q: FilterQuery) => ({ dealer: q.dealer ?? null, team: q.team ?? null, department: q.department ?? null, query_nature: q.query_nature ?? null });
const windowOf = (q: { start_date: Date; end_date: Date }) => ({ start: q.start_date, end: q.end_date });
const SEE = 'docs/conversations.md ("Where each clock starts and stops")';

export const agentsReport = route({
  method: 'get',
  path: '/api/v2/analytics/agents',
  summary: 'Agent performance per agent, team and category over [start_date, end_date)',
  description:
    'Human-authored replies only (MESSAGE_SENT with sender agent); no clock runs while a bot has the conversation. first_response: from the first entry into ' +
    'PENDING_AGENT or HUMAN_ASSISTANCE to the first agent reply (counted when that reply is in the window). response_time: from the first unanswered customer ' +
    'message while an agent holds the conversation to the next agent reply. resolution_time: from the cycle\u2019s first need of a human to RESOLVED, for ' +
    'resolutions in an agent\u2019s hands. conversations_handled: conversations an agent held at some time in the window; resolution_rate = conversations ' +
    `resolved in the window in the agent's hands / handled; reopen_rate = resolutions later reopened / resolutions. Calendar time. See ${SEE}.`,
  tags: ['analytics'],
  query: agentsQuery,
  responses: { 200: { description: 'Overall, by agent, by team and by category (department, query nature)', schema: agentsAnswer } },
  problems: ['validation_failed'],
  scope: 'analytics:read',
  handle: async ({ query, deps, principal }) => {
    const [w, f] = [windowOf(query), filterOf(query, principal)];
    const report = await cachedReport(narrow(deps.db), keyOf('agents', w, f), () => loadAgentReport(narrow(deps.db), w, f));
    return { status: 200, body: { window: windowJson(query), filters: filtersJson(query), ...report } };
  },
});

export const queuesReport = route({
  method: 'get',
  path: '/api/v2/analytics/queues',
  summary: 'Time unassigned (PENDING_AGENT) per team, abandonment, and the queue length over [start_date, end_date)',
  description:
    'A wait is a stay in PENDING_AGENT with one team; waits are counted when they end in the window: assigned (an agent took it), abandoned (it expired, ' +
    'was closed or resolved without an agent) or rerouted (sent to another team\u2019s queue). wait: median and p90 seconds of those waits. queue_length: ' +
    `conversations waiting at each point (start_date + k x interval), and how many joined and left the queue until the next point. See ${SEE}.`,
  tags: ['analytics'],
  query: queuesQuery,
  responses: { 200: { description: 'Overall, by team, and the queue length over time', schema: queuesAnswer } },
  problems: ['validation_failed'],
  scope: 'analytics:read',
  handle: async ({ query, deps, principal }) => {
    const interval = intervalOf(query);
    const [w, f] = [windowOf(query), filterOf(query, principal)];
    const report = await cachedReport(narrow(deps.db), keyOf('queues', w, f, interval), () => loadQueueReport(narrow(deps.db), w, f, QUEUE_INTERVALS[interval]));
    return { status: 200, body: { window: windowJson(query), filters: filtersJson(query), interval, ...report } };
  },
});

export const handoversReport = route({
  method: 'get',
  path: '/api/v2/analytics/handovers',
  summary: 'Hand-overs between teams in [start_date, end_date): the from -> to matrix, the time each cost, hand-overs per conversation',
  description:
    'A hand-over is a HANDOVER that took effect (HUMAN_ASSISTANCE -> PENDING_AGENT, or a waiting conversation sent to another team). time_lost: from the ' +
    'hand-over to the next agent reply (or the next hand-over, or the conversation leaving human hands: then it is unanswered); wait_for_agent: to the next ' +
    'assignment. per_conversation: conversations started in the window that reached a human, by their number of hand-overs. The team filter matches either ' +
    `end of a hand-over. See ${SEE}.`,
  tags: ['analytics'],
  query: handoversQuery,
  responses: { 200: { description: 'Overall, the matrix, and hand-overs per conversation', schema: handoversAnswer } },
  problems: ['validation_failed'],
  scope: 'analytics:read',
  handle: async ({ query, deps, principal }) => {
    const [w, f] = [windowOf(query), filterOf(query, principal)];
    const report = await cachedReport(narrow(deps.db), keyOf('handovers', w, f), () => loadHandoverReport(narrow(deps.db), w, f));
    return { status: 200, body: { window: windowJson(query), filters: filtersJson(query), ...report } };
  },
});

export const heatmapReport = route({
  method: 'get',
  path: '/api/v2/analytics/heatmap',
  summary: 'Day of week x hour in a time zone: demand, staffing or wait over [start_date, end_date)',
  description:
    'day is the ISO day of week (1 = Monday), hour 0-23, both local to tz (IANA; half-hour and quarter-hour zones are exact). demand: conversations started and ' +
    'customer messages in; staffing: distinct agents who took, answered or resolved a conversation in each local hour (mean over the cell\u2019s hours in ' +
    'the window, peak, agent-hours); wait: ended PENDING_AGENT waits by the local hour they began, and their median. Demand and staffing are kept per ' +
    `15-minute UTC bucket, so their window starts at start_date rounded down to a quarter hour. See ${SEE}.`,
  tags: ['analytics'],
  query: heatmapQuery,
  responses: { 200: { description: '168 cells, Monday 00:00 first', schema: heatmapAnswer } },
  problems: ['validation_failed'],
  scope: 'analytics:read',
  handle: async ({ query, deps, principal }) => {
    const [w, f] = [windowOf(query), filterOf(query, principal)];
    const cells = await cachedReport(narrow(deps.db), keyOf('heatmap', w, f, query.metric, query.tz), () => loadHeatmap(narrow(deps.db), w, query.tz, query.metric, f));
    return { status: 200, body: { window: windowJson(query), filters: filtersJson(query), metric: query.metric, tz: query.tz, cells } };
  },
});

export const activeReport = route({
  method: 'get',
  path: '/api/v2/analytics/active',
  summary: 'Conversations by their current state now',
  description:
    'Every conversation state with how many conversations are in it and the oldest entry into it, and the same per current team (the team that last held ' +
    'the conversation). With start_date and end_date, only conversations started in that window.',
  tags: ['analytics'],
  query: activeQuery,
  responses: { 200: { description: 'Counts by state and by team', schema: activeAnswer } },
  problems: ['validation_failed'],
  scope: 'analytics:read',
  handle: async ({ query, deps, principal, now }) => {
    const started = query.start_date && query.end_date ? { start: query.start_date, end: query.end_date } : null;
    const f = filterOf(query, principal);
    const report = await cachedReport(narrow(deps.db), keyOf('active', started, f), () => loadActive(narrow(deps.db), f, started));
    const window = started ? windowJson({ start_date: started.start, end_date: started.end }) : null;
    return { status: 200, body: { as_of: now().toISOString(), window, filters: filtersJson(query), ...report } };
  },
});

export const reportRoutes: readonly AnyRoute[] = [agentsReport, queuesReport, handoversReport, heatmapReport, activeReport];
