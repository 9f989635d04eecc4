// Time decay: a touch's share halves every half-life before the conversion.
import type { AttributionOutcome, AttributionPath, ChannelCredits } from './attribution-path.ts';
import { creditByTouchShares } from './rule-based-models.ts';

export const DAY_MS = 86_400_000;
export const DEFAULT_HALF_LIFE_MS = 7 * DAY_MS;

export interface TimeDecayOptions {
  halfLifeMs?: number;
}

/**
 * Normalised weights 2^(-Δt/H). Exponents are taken relative to the most recent touch so that long journeys
 * do not underflow every weight to zero.
 */
export function timeDecayShares(times: readonly number[], conversionTime: number, halfLifeMs: number): number[] {
  const ages = times.map((t) => (conversionTime - t) / halfLifeMs);
  const youngest = Math.min(...ages);
  const weights = ages.map((age) => 2 ** -(age - youngest));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / sum);
}

export function timeDecay(
  paths: readonly AttributionPath[],
  options: TimeDecayOptions = {},
): AttributionOutcome<ChannelCredits> {
  const halfLifeMs = options.halfLifeMs ?? DEFAULT_HALF_LIFE_MS;
  if (!(halfLifeMs > 0) || !Number.isFinite(halfLifeMs)) {
    return { ok: false, error: { code: 'invalid_option', message: `half-life must be a positive number, got ${halfLifeMs}` } };
  }
  for (const [index, path] of paths.entries()) {
    if (path.channels.length === 0) continue;
    if (path.times === undefined) {
      return {
        ok: false,
        error: { code: 'missing_touch_times', message: `time_decay needs touch times, but path ${index + 1} has none` },
      };
    }
    const timesFit = path.times.length === path.channels.length && path.times.every(Number.isFinite);
    if (!timesFit || (path.conversionTime !== undefined && !Number.isFinite(path.conversionTime))) {
      return {
        ok: false,
        error: {
          code: 'invalid_touch_times',
          message: `path ${index + 1} needs one finite epoch-ms time per touch (${path.channels.length} touches, ${path.times.length} times)`,
        },
      };
    }
  }
  const credits = creditByTouchShares(paths, (path) => {
    const times = path.times ?? [];
    return timeDecayShares(times, path.conversionTime ?? Math.max(...times), halfLifeMs);
  });
  return { ok: true, value: credits };
}
