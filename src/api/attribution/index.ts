// The attribution capability's routes.
import type { AnyRoute } from '../http/route.ts';
import { attribution, predictions } from './attribution-routes.ts';

export const attributionRoutes: readonly AnyRoute[] = [attribution, predictions];
