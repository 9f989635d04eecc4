// Attribution entry point: runs the chosen models over aggregated paths and returns the report the CLI prints.
import {
  totalConversions,
  totalValue,
  type AttributionOutcome,
  type AttributionPath,
  type ChannelCredits,
} from './attribution-path.ts';
import { markov, validateMarkovOptions } from './markov-model.ts';
import { firstTouch, lastTouch, linear, positionBased } from './rule-based-models.ts';
import { shapley } from './shapley-model.ts';
import { DAY_MS, timeDecay } from './time-decay-model.ts';

export type { AttributionError, AttributionOutcome, AttributionPath, ChannelCredit, ChannelCredits } from './attribution-path.ts';
export { firstTouch, lastTouch, linear, positionBased, positionBasedShares } from './rule-based-models.ts';
export { timeDecay, timeDecayShares, DEFAULT_HALF_LIFE_MS } from './time-decay-model.ts';
export { analyseRemovals, markov, type MarkovChannelResult, type MarkovOptions, type RemovalAnalysis } from './markov-model.ts';
export type { MarkovChainOptions } from './markov-chain.ts';
export { fitMarkovChain, type MarkovChainModel } from './markov-prediction.ts';
export { shapley } from './shapley-model.ts';
export { parsePathCsv, type ParsedPathCsv, type PathCsvError, type PathCsvOptions } from './path-csv.ts';

export const MODEL_NAMES = ['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay', 'markov', 'shapley'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Every model except time decay, which needs touch times that aggregated path files do not carry. */
export const DEFAULT_MODELS: readonly ModelName[] = MODEL_NAMES.filter((m) => m !== 'time_decay');

const ALIASES: Record<string, ModelName> = { data_driven: 'markov' };

/** Canonical model name for a user-supplied one (`data_driven` is `markov`), or undefined if unknown. */
export function resolveModelName(name: string): ModelName | undefined {
  const trimmed = name.trim();
  // Own keys only: "constructor" is no model alias.
  return (Object.hasOwn(ALIASES, trimmed) ? ALIASES[trimmed] : undefined) ?? MODEL_NAMES.find((m) => m === trimmed);
}

export interface RunModelsOptions {
  /** Model names (aliases allowed); default DEFAULT_MODELS. Reported under their canonical names. */
  models?: readonly string[];
  /** Markov order; default 1. */
  order?: number;
  /** Markov uses null counts; default false. */
  useNulls?: boolean;
  /** Report value credits as well as conversions; default false. */
  useValue?: boolean;
  /** Markov finite horizon; default infinite. */
  maxStep?: number;
  /** Time-decay half-life; default 7. */
  halfLifeDays?: number;
}

export interface ChannelReport {
  conversions: number;
  value?: number;
}

export interface MarkovChannelReport {
  removal_effect: number;
  removal_effect_value?: number;
  conversions: number;
  value?: number;
}

export interface AttributionReport {
  total_conversions: number;
  /** Present only when value is requested. */
  total_conversion_value?: number;
  models: { [model in ModelName]?: Record<string, model extends 'markov' ? MarkovChannelReport : ChannelReport> };
}

const invalid = (message: string): AttributionOutcome<never> => ({ ok: false, error: { code: 'invalid_option', message } });

export function runModels(paths: readonly AttributionPath[], options: RunModelsOptions = {}): AttributionOutcome<AttributionReport> {
  const models: ModelName[] = [];
  for (const name of options.models ?? DEFAULT_MODELS) {
    const model = resolveModelName(name);
    if (model === undefined) {
      return { ok: false, error: { code: 'unknown_model', message: `unknown model "${name}"; known: ${MODEL_NAMES.join(', ')}, data_driven` } };
    }
    if (!models.includes(model)) models.push(model);
  }
  const markovOptions = { order: options.order, useNulls: options.useNulls, maxStep: options.maxStep };
  const markovProblem = validateMarkovOptions(markovOptions);
  if (markovProblem !== undefined) return invalid(markovProblem);
  const halfLifeDays = options.halfLifeDays ?? 7;
  if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) return invalid(`half-life must be a positive number of days, got ${halfLifeDays}`);

  const useValue = options.useValue ?? false;
  // Key order is the printed JSON's order: totals first, then models.
  const report: AttributionReport = useValue
    ? { total_conversions: totalConversions(paths), total_conversion_value: totalValue(paths), models: {} }
    : { total_conversions: totalConversions(paths), models: {} };
  const fromCredits = (credits: ChannelCredits): Record<string, ChannelReport> =>
    Object.fromEntries([...credits].map(([channel, c]) => [channel, useValue ? { conversions: c.conversions, value: c.value } : { conversions: c.conversions }]));

  for (const model of models) {
    switch (model) {
      case 'first_touch':
        report.models.first_touch = fromCredits(firstTouch(paths));
        break;
      case 'last_touch':
        report.models.last_touch = fromCredits(lastTouch(paths));
        break;
      case 'linear':
        report.models.linear = fromCredits(linear(paths));
        break;
      case 'position_based':
        report.models.position_based = fromCredits(positionBased(paths));
        break;
      case 'shapley':
        report.models.shapley = fromCredits(shapley(paths));
        break;
      case 'time_decay': {
        const outcome = timeDecay(paths, { halfLifeMs: halfLifeDays * DAY_MS });
        if (!outcome.ok) return outcome;
        report.models.time_decay = fromCredits(outcome.value);
        break;
      }
      case 'markov': {
        const outcome = markov(paths, markovOptions);
        if (!outcome.ok) return outcome;
        report.models.markov = Object.fromEntries(
          [...outcome.value].map(([channel, r]) => [
            channel,
            useValue
              ? { removal_effect: r.removalEffect, removal_effect_value: r.removalEffectValue, conversions: r.conversions, value: r.value }
              : { removal_effect: r.removalEffect, conversions: r.conversions },
          ]),
        );
        break;
      }
    }
  }
  return { ok: true, value: report };
}

// Attribution over tracked journeys (their touches before the conversion as paths for the models above).
export * from './journey-attribution.ts';
