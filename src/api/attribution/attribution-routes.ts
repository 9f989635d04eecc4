// Channel attribution over journeys converted in a window, and the conversion predictions of open journeys.
import { attributeGroups, MODEL_NAMES } from '../../domain/attribution/index.ts';
import { conversionModel, loadAttributionInput, loadOpenPathGroups, topOpenJourneys } from '../../projections/attribution/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { windowJson } from '../http/query-windows.ts';
import { dealerRestriction } from '../../domain/access/index.ts';
import { route } from '../http/route.ts';
import { attributionAnswer, attributionQuery, predictionsAnswer, predictionsQuery } from './attribution-schemas.ts';

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export const attribution = route({
  method: 'get',
  path: '/api/v2/tracking/attribution',
  summary: 'Channel attribution over outreach journeys converted in [start_date, end_date)',
  description:
    'Only touches at or before the conversion count. Journeys started in the window that did not convert (with touches) are the Markov null paths. ' +
    '`model=all` (the default) answers every model side by side under `models`. Converted journeys without any touch before the conversion are reported as `unattributed_conversions` and not split.',
  tags: ['analytics'],
  query: attributionQuery,
  responses: { 200: { description: 'Credit per channel: {conversions, revenue, share}', schema: attributionAnswer } },
  problems: ['validation_failed'],
  scope: 'analytics:read',
  handle: async ({ query, deps, principal }) => {
    const models = query.model === 'all' ? MODEL_NAMES : [query.model];
    const { input, convertedJourneys, nonConvertingJourneys } = await loadAttributionInput(narrow(deps.db), { start: query.start_date, end: query.end_date }, models.includes('time_decay'), dealerRestriction(principal));
    const results = attributeGroups(input, models);
    const any = results[models[0]!]!;
    // Converted journeys without a touch before the conversion: counted, but no channel can take their credit.
    const totals = { total_revenue: any.total_revenue, conversions: any.conversions, unattributed_conversions: convertedJourneys - any.conversions, non_converting_journeys: nonConvertingJourneys, window: windowJson(query) };
    return {
      status: 200,
      body:
        query.model === 'all'
          ? { model: 'all', models: Object.fromEntries(models.map((m) => [m, { attribution: results[m]!.attribution }])), ...totals }
          : { model: query.model, attribution: any.attribution, ...totals },
    };
  },
});

export const predictions = route({
  method: 'get',
  path: '/api/v2/analytics/predictions',
  summary: 'Conversion probability of every open outreach journey (not converted, not CLOSED), highest first',
  description:
    'An order-1 Markov chain fitted on finished outreach journeys (converted ones as conversions; CLOSED or ABANDONED ones with touches as nulls) ' +
    'gives P(conversion | touches so far). The model is refitted when the read models have moved, at most every PREDICTION_MODEL_MAX_AGE.',
  tags: ['analytics'],
  query: predictionsQuery,
  responses: { 200: { description: 'Open journeys by predicted conversion, and the model', schema: predictionsAnswer } },
  problems: ['validation_failed'],
  scope: 'analytics:read',
  handle: async ({ query, deps, principal }) => {
    // The model (transition probabilities between channels) is fitted on every dealer's finished journeys; the
    // journeys listed are the caller's dealers' only.
    const dealers = dealerRestriction(principal);
    const model = await conversionModel(narrow(deps.db), deps.config.predictionModelMaxAgeMs);
    const open = await loadOpenPathGroups(narrow(deps.db), query.state, dealers);
    // The probability depends on the path only: score each distinct path once, let the database rank journeys.
    const scored = open.map((g) => ({ channels: g.channels, journeys: g.journeys, probability: round(model.chain.conversionProbability(g.channels)) }));
    const top = await topOpenJourneys(narrow(deps.db), scored, query.limit, query.state, dealers);
    return {
      status: 200,
      body: {
        predictions: top.map((j) => ({ guid: j.guid, current_state: j.current_state, probability: Number(j.probability), touches: j.path })),
        open_journeys: open.reduce((a, g) => a + g.journeys, 0),
        model: {
          kind: 'markov',
          order: model.chain.order,
          fitted_on_journeys: model.fitted_on_journeys,
          conversions: model.conversions,
          nulls: model.nulls,
          baseline_probability: round(model.chain.conversionProbability([])),
          fitted_at: model.fitted_at,
        },
      },
    };
  },
});
