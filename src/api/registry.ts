// The one list of routes: adding a capability's routes is one line here. The request pipeline mounts them and the
// OpenAPI document is made from them.
import { auditRoutes, keyRoutes } from './access/index.ts';
import { adminRoutes } from './admin/index.ts';
import { attributionRoutes } from './attribution/index.ts';
import { channelRoutes } from './channels/index.ts';
import { conversationRoutes } from './conversations/index.ts';
import type { AnyRoute } from './http/route.ts';
import { systemRoutes } from './http/system-routes.ts';
import { journeyRoutes } from './journeys/index.ts';
import { liveRoutes } from './live/index.ts';
import { segmentRoutes } from './segment/index.ts';
import { webhookRoutes } from './webhooks/index.ts';

export const ROUTES: readonly AnyRoute[] = [...systemRoutes, ...journeyRoutes, ...attributionRoutes, ...adminRoutes, ...keyRoutes, ...auditRoutes, ...segmentRoutes, ...channelRoutes, ...webhookRoutes, ...liveRoutes, ...conversationRoutes];
