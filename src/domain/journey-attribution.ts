// Attribution over tracked journeys: their touches before the conversion become paths for the models of ./attribution.
import { fitMarkovChain, MODEL_NAMES, runModels, type AttributionPath, type MarkovChainModel, type ModelName } from './attribution/index.ts';

/** One journey's path as the journey_paths read model keeps it (times in epoch ms). */
export interface JourneyPath {
  guid: string;
  channels: string[];
  times: number[];
  convertedAt: number | null;
  value: number;
}

export interface ChannelAttribution {
  conversions: number;
  revenue: number;
  /** Conversions credited to the channel / attributed conversions. */
  share: number;
}

export interface ModelAttribution {
  attribution: Record<string, ChannelAttribution>;
  /** Converted journeys with at least one touch before the conversion; the models split exactly these. */
  conversions: number;
  total_revenue: number;
}

export type AttributionModelChoice = ModelName | 'all';

const round = (x: number, digits = 6) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Touches at or before the conversion: a touch after it cannot have driven it. */
export const touchesBeforeConversion = (p: JourneyPath): { channels: string[]; times: number[] } => {
  if (p.convertedAt === null) return { channels: p.channels, times: p.times };
  const n = p.times.filter((t) => t <= p.convertedAt!).length;
  // Times are sorted, so the first n touches are the ones before the conversion.
  return { channels: p.channels.slice(0, n), times: p.times.slice(0, n) };
};

/** Converted journeys become conversion paths (value = revenue); the others, with touches, become null paths. */
export const toAttributionPaths = (converted: readonly JourneyPath[], nonConverted: readonly JourneyPath[]): AttributionPath[] => {
  const paths: AttributionPath[] = [];
  for (const p of converted) {
    const { channels, times } = touchesBeforeConversion(p);
    if (channels.length === 0 || p.convertedAt === null) continue;
    paths.push({ channels, times, conversionTime: p.convertedAt, conversions: 1, value: p.value, nulls: 0 });
  }
  for (const p of nonConverted) {
    if (p.channels.length === 0) continue;
    paths.push({ channels: p.channels, times: p.times, conversions: 0, value: 0, nulls: 1 });
  }
  return paths;
};

/**
 * Runs the models over converted journeys (and non-converted ones as Markov nulls). Channels are sorted by name;
 * every channel seen on any path appears in every model, with zero when a model credits it nothing.
 */
export const attributeJourneys = (
  converted: readonly JourneyPath[],
  nonConverted: readonly JourneyPath[],
  models: readonly ModelName[] = MODEL_NAMES,
): Record<string, ModelAttribution> => {
  const paths = toAttributionPaths(converted, nonConverted);
  const attributed = paths.filter((p) => p.conversions > 0);
  const conversions = attributed.length;
  const totalRevenue = round(attributed.reduce((a, p) => a + p.value, 0), 2);
  const outcome = runModels(paths, { models, useNulls: true, useValue: true });
  // Only invalid options make runModels fail, and the options here are fixed: that would be a bug.
  if (!outcome.ok) throw new Error(`attribution failed: ${outcome.error.message}`);
  const result: Record<string, ModelAttribution> = {};
  for (const model of models) {
    const credits = (outcome.value.models[model] ?? {}) as Record<string, { conversions: number; value?: number }>;
    const attribution: Record<string, ChannelAttribution> = {};
    for (const channel of Object.keys(credits).sort()) {
      const c = credits[channel]!;
      attribution[channel] = {
        conversions: round(c.conversions),
        revenue: round(c.value ?? 0),
        share: conversions > 0 ? round(c.conversions / conversions) : 0,
      };
    }
    result[model] = { attribution, conversions, total_revenue: totalRevenue };
  }
  return result;
};

/** One converted journey's channel shares per model; null when it did not convert or had no touch before. */
export const journeyConversionAttribution = (p: JourneyPath): Record<string, Record<string, number>> | null => {
  if (p.convertedAt === null || touchesBeforeConversion(p).channels.length === 0) return null;
  const all = attributeJourneys([p], []);
  return Object.fromEntries(
    Object.entries(all).map(([model, r]) => [model, Object.fromEntries(Object.entries(r.attribution).map(([c, a]) => [c, a.share]))]),
  );
};

/** Order-1 Markov chain fitted on finished journeys: converted ones as conversions, closed or abandoned ones as nulls. */
export const fitConversionModel = (converted: readonly JourneyPath[], nulls: readonly JourneyPath[]): MarkovChainModel =>
  fitMarkovChain(toAttributionPaths(converted, nulls), { order: 1, useNulls: true });
