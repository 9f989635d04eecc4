// The conversion-probability model, refitted only when the read models have moved (keyed by the projection checkpoint).
import type { Kysely } from 'kysely';
import { fitConversionModel } from '../domain/journey-attribution.ts';
import type { MarkovChainModel } from '../domain/attribution/index.ts';
import { loadTrainingPaths } from './attribution-queries.ts';
import { readCheckpoint } from './checkpoints.ts';
import type { ReadModels } from './schema.ts';

export interface ConversionModel {
  chain: MarkovChainModel;
  fitted_on_journeys: number;
  conversions: number;
  nulls: number;
  fitted_at: string;
}

interface Cached {
  key: string;
  model: Promise<ConversionModel>;
}

// Per read-model database, so that apps on different stores (tests) never share a model.
const cache = new WeakMap<Kysely<ReadModels>, Cached>();

const fit = async (db: Kysely<ReadModels>): Promise<ConversionModel> => {
  const { converted, nulls } = await loadTrainingPaths(db);
  return {
    chain: fitConversionModel(converted, nulls),
    fitted_on_journeys: converted.length + nulls.length,
    conversions: converted.length,
    nulls: nulls.length,
    fitted_at: new Date().toISOString(),
  };
};

/**
 * The model fitted on the read models as they are now. The key is the journeys projection's checkpoint, so a
 * cached model is never stale, and concurrent requests share one fit.
 */
export const conversionModel = async (db: Kysely<ReadModels>, projection = 'journeys'): Promise<ConversionModel> => {
  const checkpoint = await readCheckpoint(db, projection);
  const key = checkpoint
    ? [checkpoint.position.transactionId, checkpoint.position.globalPosition, checkpoint.position.streamId, checkpoint.eventsProcessed].join(':')
    : 'empty';
  const hit = cache.get(db);
  if (hit && hit.key === key) return hit.model;
  const model = fit(db);
  cache.set(db, { key, model });
  model.catch(() => {
    if (cache.get(db)?.model === model) cache.delete(db);
  });
  return model;
};
