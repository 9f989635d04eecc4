// The conversations capability's routes: chat platforms' webhooks, the web-view collector and its hand-off, the reports.
import type { AnyRoute } from '../http/route.ts';
import { chatwootRoutes } from './chatwoot-routes.ts';
import { collectorRoutes } from './collector-routes.ts';
import { frictionRoutes } from './friction-routes.ts';
import { reportRoutes } from './report-routes.ts';

export const conversationRoutes: readonly AnyRoute[] = [...chatwootRoutes, ...collectorRoutes, ...reportRoutes, ...frictionRoutes];
