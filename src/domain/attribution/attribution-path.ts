// The input and output vocabulary shared by every attribution model.

/** One aggregated journey: a sequence of channel touches and what it produced. */
export interface AttributionPath {
  channels: string[];
  /** Epoch milliseconds per touch, same length as `channels`; only time decay needs them. */
  times?: number[];
  /** Epoch milliseconds of the conversion; time decay falls back to the last touch. */
  conversionTime?: number;
  conversions: number;
  value: number;
  nulls: number;
}

export interface ChannelCredit {
  conversions: number;
  value: number;
}

/** Credits per channel, in order of the channel's first appearance in the input. */
export type ChannelCredits = Map<string, ChannelCredit>;

export type AttributionErrorCode = 'missing_touch_times' | 'invalid_touch_times' | 'invalid_option' | 'unknown_model';

export interface AttributionError {
  code: AttributionErrorCode;
  message: string;
}

export type AttributionOutcome<T> = { ok: true; value: T } | { ok: false; error: AttributionError };

/** Every channel named anywhere in the input, in order of first appearance. */
export function channelsOf(paths: readonly AttributionPath[]): string[] {
  const seen = new Set<string>();
  for (const path of paths) for (const channel of path.channels) seen.add(channel);
  return [...seen];
}

/** A zeroed credit table so every model reports every channel, even those it gives nothing. */
export function emptyCredits(channels: readonly string[]): ChannelCredits {
  const credits: ChannelCredits = new Map();
  for (const channel of channels) credits.set(channel, { conversions: 0, value: 0 });
  return credits;
}

export function addCredit(credits: ChannelCredits, channel: string, conversions: number, value: number): void {
  const credit = credits.get(channel);
  if (credit === undefined) {
    credits.set(channel, { conversions, value });
  } else {
    credit.conversions += conversions;
    credit.value += value;
  }
}

export function totalConversions(paths: readonly AttributionPath[]): number {
  let total = 0;
  for (const path of paths) total += path.conversions;
  return total;
}

export function totalValue(paths: readonly AttributionPath[]): number {
  let total = 0;
  for (const path of paths) total += path.value;
  return total;
}
