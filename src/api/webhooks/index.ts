// The webhooks capability's routes: subscription management (and the dispatcher's deliveries and replay).
import type { AnyRoute } from '../http/route.ts';
import { subscriptionRoutes } from './subscription-routes.ts';
import { deliveryRoutes } from './delivery-routes.ts';

export const webhookRoutes: readonly AnyRoute[] = [...subscriptionRoutes, ...deliveryRoutes] as readonly AnyRoute[];
