// The Segment capability's routes: Segment's HTTP Tracking API onto journeys.
import type { AnyRoute } from '../http/route.ts';
import { segmentBatch, segmentIdentify, segmentPage, segmentTrack } from './segment-routes.ts';

export const segmentRoutes: readonly AnyRoute[] = [segmentTrack, segmentIdentify, segmentPage, segmentBatch];
