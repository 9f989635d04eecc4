// The journeys capability's routes: commands, queries, the audit trail, insights.
import type { AnyRoute } from '../http/route.ts';
import { generateGuid, logEvent, logEvents, openConversationRoute, requestTransition } from './journey-command-routes.ts';
import { getJourney, journeyAudit, listJourneysRoute } from './journey-query-routes.ts';
import { insights } from './insights-route.ts';

export const journeyRoutes: readonly AnyRoute[] = [generateGuid, openConversationRoute, logEvent, logEvents, requestTransition, getJourney, listJourneysRoute, journeyAudit, insights];
