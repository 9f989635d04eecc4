// OpenAPI paths of the attribution, insights and prediction endpoints (merged into openapi.ts).
import { MODEL_CHOICES } from './analytics-schemas.ts';

const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problem } } });
const ok = (description: string, schema: object = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const dateParam = (name: string, description: string) => ({
  name,
  in: 'query',
  required: true,
  description,
  schema: { type: 'string', anyOf: [{ format: 'date' }, { format: 'date-time' }] },
  example: name === 'start_date' ? '2024-12-01' : '2025-01-01',
});
const windowParams = [dateParam('start_date', 'Window start (inclusive); a date is midnight UTC'), dateParam('end_date', 'Window end (exclusive), after start_date')];

const channelCredit = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: {
      conversions: { type: 'number', description: 'Conversions credited to the channel' },
      revenue: { type: 'number', description: 'Revenue (SERVICED revenue) credited to the channel' },
      share: { type: 'number', description: 'conversions / total conversions' },
    },
  },
};

export const analyticsPaths = {
  '/api/v2/tracking/attribution': {
    get: {
      summary: 'Channel attribution over outreach journeys converted (reached SCHEDULED) in [start_date, end_date)',
      description:
        'Only touches at or before the conversion count. Journeys created in the window that did not convert (with touches) are the Markov null paths. ' +
        '`model=all` (the default) answers every model side by side under `models`. Converted journeys without any touch before the conversion are reported as `unattributed_conversions` and not split.',
      parameters: [...windowParams, { name: 'model', in: 'query', required: false, schema: { enum: [...MODEL_CHOICES], default: 'all' }, description: 'data_driven is markov' }],
      responses: {
        '200': ok('{model, attribution: {CHANNEL: {conversions, revenue, share}}, total_revenue, conversions, unattributed_conversions, non_converting_journeys, window}; for model=all, models: {model: {attribution}}', {
          type: 'object',
          properties: {
            model: { type: 'string' },
            attribution: channelCredit,
            models: { type: 'object', additionalProperties: { type: 'object', properties: { attribution: channelCredit } } },
            total_revenue: { type: 'number' },
            conversions: { type: 'integer' },
            unattributed_conversions: { type: 'integer' },
            non_converting_journeys: { type: 'integer' },
          },
        }),
        '400': problemResponse('Validation failed (every violation listed)'),
      },
    },
  },
  '/api/v2/analytics/insights': {
    get: {
      summary: 'Outreach insights over journeys created in [start_date, end_date)',
      description:
        'optimal_channel_sequence: first three channels ranked by conversion rate (sequences on at least min_support journeys); common_drop_off_points: ' +
        'where non-converting journeys stop (abandoned from a state, or no response after outbound touches) and their last channel; timing_patterns: ' +
        'outbound touches per UTC hour and weekday and how many got a response before the next outbound touch; message_frequency: conversion rate by ' +
        'number of touches (before the conversion); channel_combinations: conversion rate per set of channels. Every item carries its counts.',
      parameters: [...windowParams, { name: 'min_support', in: 'query', required: false, schema: { type: 'integer', minimum: 1, default: 5 } }],
      responses: { '200': ok('Insights'), '400': problemResponse('Validation failed (every violation listed)') },
    },
  },
  '/api/v2/analytics/predictions': {
    get: {
      summary: 'Conversion probability of every open outreach journey (not converted, not CLOSED), highest first',
      description:
        'An order-1 Markov chain fitted on finished outreach journeys (converted ones as conversions; CLOSED or ABANDONED ones with touches as nulls) ' +
        'gives P(conversion | touches so far). The model is refitted whenever the read models have moved.',
      parameters: [
        { name: 'state', in: 'query', required: false, schema: { type: 'string' }, description: 'Only journeys in this outreach state' },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
      ],
      responses: {
        '200': ok('{predictions: [{guid, current_state, probability, touches}], open_journeys, model: {kind, order, fitted_on_journeys, conversions, nulls, baseline_probability, fitted_at}}'),
        '400': problemResponse('Validation failed (every violation listed)'),
      },
    },
  },
};
