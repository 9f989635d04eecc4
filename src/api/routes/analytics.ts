// Analytics across journeys: insights (what converts, where journeys stop, when customers answer) and predictions.
import { Router } from 'express';
import { computeInsights } from '../../domain/insights.ts';
import { outreach } from '../../domain/journey-kinds.ts';
import { loadOpenPathGroups, topOpenJourneys } from '../../projections/attribution-queries.ts';
import { conversionModel } from '../../projections/conversion-model.ts';
import { loadInsightJourneys } from '../../projections/insight-queries.ts';
import { insightsQuery, parseQuery, predictionsQuery } from '../analytics-schemas.ts';
import type { AppDeps } from '../deps.ts';

/** Where app.ts mounts this router (the OpenAPI test reads it too). */
export const MOUNT_PATH = '/api/v2/analytics';

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export const analyticsRoutes = (deps: AppDeps): Router => {
  const router = Router();

  router.get('/insights', async (req, res) => {
    const q = parseQuery(insightsQuery, req.query);
    const journeys = await loadInsightJourneys(deps.db, { start: q.start_date, end: q.end_date }, { drop: outreach.sideStates, terminal: outreach.terminal });
    res.json({
      window: { start_date: q.start_date.toISOString(), end_date: q.end_date.toISOString() },
      ...computeInsights(journeys, { minSupport: q.min_support }),
    });
  });

  router.get('/predictions', async (req, res) => {
    const q = parseQuery(predictionsQuery, req.query);
    const [model, open] = await Promise.all([conversionModel(deps.db, deps.config.predictionModelMaxAgeMs), loadOpenPathGroups(deps.db, q.state)]);
    // The probability depends on the path only: score each distinct path once, let the database rank journeys.
    const scored = open.map((g) => ({ channels: g.channels, journeys: g.journeys, probability: round(model.chain.conversionProbability(g.channels)) }));
    const top = await topOpenJourneys(deps.db, scored, q.limit, q.state);
    res.json({
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
    });
  });

  return router;
};
