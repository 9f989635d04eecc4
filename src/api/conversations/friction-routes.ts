// The friction report: a self-service flow's step funnel, over the runs of one web view opened in a window.
import { dealerRestriction } from '../../domain/access/index.ts';
import { frictionReport } from '../../domain/conversations/index.ts';
import { loadFriction } from '../../projections/conversations/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { windowJson } from '../http/query-windows.ts';
import { route, type AnyRoute } from '../http/route.ts';
import { frictionAnswer, frictionQuery } from './friction-schemas.ts';

export const friction = route({
  method: 'get',
  path: '/api/v2/analytics/friction',
  summary: "A self-service flow's step funnel over the runs of one web view opened in [start_date, end_date)",
  description:
    'For each step in flow order (step_index where the page gives one, else the order users reach the steps): runs that reached it, ' +
    'completed it (went on to a later step or completed the flow), dropped at it (exited or abandoned), were escalated to a human at it, ' +
    'or went back from it; the median and p90 time on it; the exits\u2019 reasons. Totals: runs opened, completed, escalated, dropped. ' +
    'A run is one opening of the web view; docs/conversations.md ("Friction") defines every number.',
  tags: ['analytics'],
  query: frictionQuery,
  responses: { 200: { description: 'The funnel (empty for a web view nobody opened in the window)', schema: frictionAnswer } },
  problems: ['validation_failed'],
  scope: 'analytics:read',
  handle: async ({ query, deps, principal }) => {
    const { groups, steps } = await loadFriction(narrow(deps.db), {
      webviewId: query.webview_id,
      window: { start: query.start_date, end: query.end_date },
      dealer: query.dealer,
      team: query.team,
      department: query.department,
      queryNature: query.query_nature,
      dealers: dealerRestriction(principal),
    });
    const filters = { dealer: query.dealer ?? null, team: query.team ?? null, department: query.department ?? null, query_nature: query.query_nature ?? null };
    return { status: 200, body: { webview_id: query.webview_id, window: windowJson(query), filters, ...frictionReport(groups, steps) } };
  },
});

export const frictionRoutes: readonly AnyRoute[] = [friction];
