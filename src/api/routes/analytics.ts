// Analytics across journeys: insights (what converts, where journeys stop, when customers answer) and predictions.
import { Router } from 'express';
import { computeInsights } from '../../domain/insights.ts';
import { outreach } from '../../domain/journey-kinds.ts';
import { loadOpenPaths } from '../../projections/attribution-queries.ts';
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
    const [model, open] = await Promise.all([conversionModel(deps.db), loadOpenPaths(deps.db, q.state)]);
    const predictions = open
      .map((j) => ({
        guid: j.path.guid,
        current_state: j.current_state,
        probability: round(model.chain.conversionProbability(j.path.channels)),
        touches: j.path.channels,
      }))
      .sort((a, b) => b.probability - a.probability || a.guid.localeCompare(b.guid));
    res.json({
      predictions: predictions.slice(0, q.limit),
      open_journeys: predictions.length,
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
