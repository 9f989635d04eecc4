// The live capability's routes: the server-sent events stream of journey envelopes.
import type { AnyRoute } from '../http/route.ts';
import { streamRoute } from './stream-route.ts';

export { createStreamRoute, STREAM_DEFAULTS, type StreamRouteOptions } from './stream-route.ts';
export const liveRoutes: readonly AnyRoute[] = [streamRoute as AnyRoute];
