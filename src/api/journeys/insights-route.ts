// Insights across outreach journeys: what converts, where journeys stop, when customers answer.
import { z } from 'zod';
import { computeInsights } from '../../domain/journeys/insights.ts';
import { outreach } from '../../domain/journeys/journey-kinds.ts';
import { loadInsightJourneys } from '../../projections/journeys/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { endAfterStart, windowAnswer, windowJson, windowShape } from '../http/query-windows.ts';
import { dealerRestriction } from '../../domain/access/index.ts';
import { route } from '../http/route.ts';

export const insightsQuery = z
  .strictObject({ ...windowShape, min_support: z.coerce.number().int().min(1).max(1_000_000).default(5).meta({ description: 'Fewest journeys a ranked sequence needs' }) })
  .superRefine(endAfterStart);

const insightsAnswer = z.looseObject({
  window: windowAnswer,
  journeys: z.number().int(),
  conversions: z.number().int(),
  optimal_channel_sequence: z.looseObject({ min_support: z.number().int(), sequence_length: z.number().int(), sequences: z.array(z.looseObject({})) }),
  common_drop_off_points: z.array(z.looseObject({})),
  timing_patterns: z.looseObject({}),
  message_frequency: z.array(z.looseObject({})),
  channel_combinations: z.array(z.looseObject({})),
});

export const insights = route({
  method: 'get',
  path: '/api/v2/analytics/insights',
  summary: 'Outreach insights over journeys started in [start_date, end_date)',
  description:
    'optimal_channel_sequence: first three channels ranked by conversion rate (sequences on at least min_support journeys); common_drop_off_points: ' +
    'where non-converting journeys stop (abandoned from a state, or no response after outbound touches) and their last channel; timing_patterns: ' +
    'outbound touches per UTC hour and weekday and how many got a response before the next outbound touch; message_frequency: conversion rate by ' +
    'number of touches (before the conversion); channel_combinations: conversion rate per set of channels. Every item carries its counts.',
  tags: ['analytics'],
  query: insightsQuery,
  responses: { 200: { description: 'Insights', schema: insightsAnswer } },
  problems: ['validation_failed'],
  scope: 'analytics:read',
  handle: async ({ query, deps, principal }) => {
    const journeys = await loadInsightJourneys(narrow(deps.db), { start: query.start_date, end: query.end_date }, { drop: outreach.sideStates, terminal: outreach.terminal }, dealerRestriction(principal));
    return { status: 200, body: { window: windowJson(query), ...computeInsights(journeys, { minSupport: query.min_support }) } };
  },
});
