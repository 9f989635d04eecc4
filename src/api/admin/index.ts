// The admin capability's routes.
import type { AnyRoute } from '../http/route.ts';
import { quarantine } from './admin-routes.ts';

export const adminRoutes: readonly AnyRoute[] = [quarantine];
