// The conversion-probability model, refitted only when the read models have moved (keyed by the projection checkpoint).
import type { Kysely } from 'kysely';
import { fitConversionModel } from '../../domain/attribution/journey-attribution.ts';
import type { MarkovChainModel } from '../../domain/attribution/index.ts';
import { loadTrainingGroups } from './attribution-queries.ts';
import { narrow } from '../runner/read-model-db.ts';
import type { RunnerTables } from '../runner/runner-schema.ts';
import type { AttributionTables } from './journey-paths-schema.ts';

type ReadModels = AttributionTables & RunnerTables;

export interface ConversionModel {
  chain: MarkovChainModel;
  fitted_on_journeys: number;
  conversions: number;
  nulls: number;
  fitted_at: string;
}

interface Cached {
  key: string;
  fittedAt: number;
  model: Promise<ConversionModel>;
  refreshing: boolean;
}

// Per read-model database, so that apps on different stores (tests) never share a model.
const cache = new WeakMap<Kysely<ReadModels>, Cached>();

const fit = async (db: Kysely<ReadModels>): Promise<ConversionModel> => {
  const { converted, nulls } = await loadTrainingGroups(narrow(db));
  const count = (gs: { journeys: number }[]) => gs.reduce((a, g) => a + g.journeys, 0);
  return {
    chain: fitConversionModel(converted, nulls),
    fitted_on_journeys: count(converted) + count(nulls),
    conversions: count(converted),
    nulls: count(nulls),
    fitted_at: new Date().toISOString(),
  };
};

/**
 * The model fitted on the read models. It is refitted when the journeys projection has moved, but at most once
 * per `maxAgeMs`: meanwhile the previous model answers and the refit runs in the background, so a steady
 * stream of writes never puts a fit (a scan of every finished journey) on a request's path. Only the very first
 * request of a process waits for a fit.
 */
export const conversionModel = async (db: Kysely<ReadModels>, maxAgeMs: number, projection = 'journey-paths'): Promise<ConversionModel> => {
  const checkpoint = await db.selectFrom('projection_checkpoints').select('position').where('name', '=', projection).executeTakeFirst();
  const key = checkpoint?.position ?? 'empty';
  const hit = cache.get(db);
  if (hit && (hit.key === key || hit.refreshing)) return hit.model;
  const start = () => {
    const entry: Cached = { key, fittedAt: Date.now(), model: fit(db), refreshing: false };
    entry.model.catch(() => {
      if (cache.get(db) === entry) cache.delete(db);
    });
    return entry;
  };
  if (!hit || maxAgeMs <= 0) {
    const entry = start();
    cache.set(db, entry);
    return entry.model;
  }
  if (Date.now() - hit.fittedAt >= maxAgeMs) {
    hit.refreshing = true;
    const next = start();
    next.model.then(
      () => cache.set(db, next),
      () => (hit.refreshing = false),
    );
  }
  return hit.model;
};
