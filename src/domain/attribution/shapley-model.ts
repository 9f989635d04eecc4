// Simplified Shapley value (Zhao et al. 2018): φ_i = Σ_{A ∋ i} R(A)/|A|, R(A) = what journeys with channel set exactly A produced.
import { addCredit, channelsOf, emptyCredits, type AttributionPath, type ChannelCredits } from './attribution-path.ts';

/** R(A) per coalition, keyed by its channels sorted and joined; exported so the coalition worths can be checked. */
export function coalitionReturns(paths: readonly AttributionPath[]): Map<string, { channels: string[]; conversions: number; value: number }> {
  const returns = new Map<string, { channels: string[]; conversions: number; value: number }>();
  for (const path of paths) {
    if (path.channels.length === 0) continue;
    const members = [...new Set(path.channels)].sort();
    // JSON keeps the key unambiguous whatever characters channel names contain.
    const key = JSON.stringify(members);
    const entry = returns.get(key);
    if (entry === undefined) returns.set(key, { channels: members, conversions: path.conversions, value: path.value });
    else {
      entry.conversions += path.conversions;
      entry.value += path.value;
    }
  }
  return returns;
}

/**
 * With worth v(S) = Σ_{A ⊆ S} R(A), the Shapley value collapses to splitting each R(A) equally among A's members,
 * which is linear in the number of journeys instead of exponential in the number of channels.
 */
export function shapley(paths: readonly AttributionPath[]): ChannelCredits {
  const credits = emptyCredits(channelsOf(paths));
  for (const { channels, conversions, value } of coalitionReturns(paths).values()) {
    for (const channel of channels) addCredit(credits, channel, conversions / channels.length, value / channels.length);
  }
  return credits;
}
