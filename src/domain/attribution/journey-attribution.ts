// Attribution over tracked journeys: their touches before the conversion become paths for the models of ./attribution.
import { DEFAULT_HALF_LIFE_MS, fitMarkovChain, MODEL_NAMES, runModels, timeDecayShares, type AttributionPath, type MarkovChainModel, type ModelName } from './index.ts';

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

/**
 * The longest path attribution and prediction read per journey. A chatty bot or a loop can give a journey
 * thousands of touches; its first and last touches are kept (first touch, last touch and the recent history a
 * prediction reads stay exact), the middle is left out.
 */
export const MAX_PATH_TOUCHES = 100;

export const boundedPath = (channels: readonly string[]): string[] =>
  channels.length <= MAX_PATH_TOUCHES ? [...channels] : [...channels.slice(0, MAX_PATH_TOUCHES / 2), ...channels.slice(-MAX_PATH_TOUCHES / 2)];

/** Journeys that share one path, counted: the unit the read model aggregates to and the models consume. */
export interface PathGroup {
  channels: string[];
  journeys: number;
  value: number;
}

export interface AttributionInput {
  /** Touches before the conversion of journeys converted in the window, grouped (empty paths excluded). */
  converted: readonly PathGroup[];
  /** Paths of journeys that did not convert (Markov's nulls), grouped (empty paths excluded). */
  nonConverted: readonly PathGroup[];
  /** time_decay needs each journey's touch times: its per-journey credits, summed per channel. */
  timeDecay?: Readonly<Record<string, { conversions: number; value: number }>>;
}

/** Each channel's time-decay share of one converted journey (7-day half-life unless given); null if it has no touch. */
export const journeyTimeDecayShares = (p: JourneyPath, halfLifeMs = DEFAULT_HALF_LIFE_MS): Record<string, number> | null => {
  const { channels, times } = touchesBeforeConversion(p);
  if (p.convertedAt === null || channels.length === 0) return null;
  const shares = timeDecayShares(times, p.convertedAt, halfLifeMs);
  const out: Record<string, number> = {};
  channels.forEach((c, i) => (out[c] = (out[c] ?? 0) + shares[i]!));
  return out;
};

const keyOf = (channels: readonly string[]) => channels.join('\u001f');

/** Groups journeys by path: converted ones by their touches before the conversion. */
export const groupJourneys = (converted: readonly JourneyPath[], nonConverted: readonly JourneyPath[]): AttributionInput => {
  const group = (paths: { channels: string[]; value: number }[]) => {
    const groups = new Map<string, PathGroup>();
    for (const { channels, value } of paths) {
      if (channels.length === 0) continue;
      const g = groups.get(keyOf(channels)) ?? { channels, journeys: 0, value: 0 };
      g.journeys += 1;
      g.value += value;
      groups.set(keyOf(channels), g);
    }
    return [...groups.values()];
  };
  const timeDecay: Record<string, { conversions: number; value: number }> = {};
  for (const p of converted) {
    for (const [c, share] of Object.entries(journeyTimeDecayShares(p) ?? {})) {
      const t = (timeDecay[c] ??= { conversions: 0, value: 0 });
      t.conversions += share;
      t.value += share * p.value;
    }
  }
  return {
    converted: group(converted.filter((p) => p.convertedAt !== null).map((p) => ({ channels: touchesBeforeConversion(p).channels, value: p.value }))),
    nonConverted: group(nonConverted.map((p) => ({ channels: p.channels, value: 0 }))),
    timeDecay,
  };
};

const toPaths = (input: AttributionInput): AttributionPath[] => [
  ...input.converted.map((g) => ({ channels: g.channels, conversions: g.journeys, value: g.value, nulls: 0 })),
  ...input.nonConverted.map((g) => ({ channels: g.channels, conversions: 0, value: 0, nulls: g.journeys })),
];

/**
 * Runs the models over grouped paths (non-converting ones as Markov nulls). Channels are sorted by name; every
 * channel seen on a converting path appears in every model, with zero when a model credits it nothing.
 */
export const attributeGroups = (input: AttributionInput, models: readonly ModelName[] = MODEL_NAMES): Record<string, ModelAttribution> => {
  const conversions = input.converted.reduce((a, g) => a + g.journeys, 0);
  const totalRevenue = round(input.converted.reduce((a, g) => a + g.value, 0), 2);
  const pathModels = models.filter((m) => m !== 'time_decay');
  const outcome = runModels(toPaths(input), { models: pathModels, useNulls: true, useValue: true });
  // Only invalid options make runModels fail, and the options here are fixed: that would be a bug.
  if (!outcome.ok) throw new Error(`attribution failed: ${outcome.error.message}`);
  const credits = { ...outcome.value.models } as Record<string, Record<string, { conversions: number; value?: number }>>;
  if (models.includes('time_decay')) {
    const channels = new Set(input.converted.flatMap((g) => g.channels));
    credits['time_decay'] = Object.fromEntries([...channels].map((c) => [c, input.timeDecay?.[c] ?? { conversions: 0, value: 0 }]));
  }
  const result: Record<string, ModelAttribution> = {};
  for (const model of models) {
    const byChannel = credits[model] ?? {};
    const attribution: Record<string, ChannelAttribution> = {};
    for (const channel of Object.keys(byChannel).sort()) {
      const c = byChannel[channel]!;
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

/** Runs the models over individual journeys (converted ones and non-converting ones as nulls). */
export const attributeJourneys = (
  converted: readonly JourneyPath[],
  nonConverted: readonly JourneyPath[],
  models: readonly ModelName[] = MODEL_NAMES,
): Record<string, ModelAttribution> => attributeGroups(groupJourneys(converted, nonConverted), models);

/** One converted journey's channel shares per model; null when it did not convert or had no touch before. */
export const journeyConversionAttribution = (p: JourneyPath): Record<string, Record<string, number>> | null => {
  if (p.convertedAt === null || touchesBeforeConversion(p).channels.length === 0) return null;
  const all = attributeJourneys([p], []);
  return Object.fromEntries(
    Object.entries(all).map(([model, r]) => [model, Object.fromEntries(Object.entries(r.attribution).map(([c, a]) => [c, a.share]))]),
  );
};

/** Order-1 Markov chain fitted on finished journeys: converted ones as conversions, closed or abandoned ones as nulls. */
export const fitConversionModel = (converted: readonly PathGroup[], nulls: readonly PathGroup[]): MarkovChainModel =>
  fitMarkovChain(toPaths({ converted, nonConverted: nulls }), { order: 1, useNulls: true });
