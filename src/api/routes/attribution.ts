// Channel attribution over journeys converted in a window, by one model or all side by side.
import { Router } from 'express';
import { MODEL_NAMES } from '../../domain/attribution/index.ts';
import { attributeGroups } from '../../domain/journey-attribution.ts';
import { loadAttributionInput } from '../../projections/attribution-queries.ts';
import { attributionQuery, parseQuery } from '../analytics-schemas.ts';
import type { AppDeps } from '../deps.ts';

export const attributionRoutes = (deps: AppDeps): Router => {
  const router = Router();

  router.get('/attribution', async (req, res) => {
    const q = parseQuery(attributionQuery, req.query);
    const models = q.model === 'all' ? MODEL_NAMES : [q.model];
    const { input, convertedJourneys, nonConvertingJourneys } = await loadAttributionInput(deps.db, { start: q.start_date, end: q.end_date }, models.includes('time_decay'));
    const results = attributeGroups(input, models);
    const any = results[models[0]!]!;
    // Converted journeys without a touch before the conversion: counted, but no channel can take their credit.
    const unattributed = convertedJourneys - any.conversions;
    const window = { start_date: q.start_date.toISOString(), end_date: q.end_date.toISOString() };
    const totals = { total_revenue: any.total_revenue, conversions: any.conversions, unattributed_conversions: unattributed, non_converting_journeys: nonConvertingJourneys };
    if (q.model === 'all') {
      res.json({ model: 'all', models: Object.fromEntries(models.map((m) => [m, { attribution: results[m]!.attribution }])), ...totals, window });
    } else {
      res.json({ model: q.model, attribution: any.attribution, ...totals, window });
    }
  });

  return router;
};
