// Aggregate journey insights: which sequences, frequencies, channel mixes and send times convert or get answers.
import { touchesBeforeConversion } from '../attribution/index.ts';
import { dropOff, isOutbound, isResponse, type JourneyStatus, type TouchEvent } from './journey-outcomes.ts';

export interface InsightJourney {
  status: JourneyStatus;
  convertedAt: number | null;
  /** Touches sorted by time. */
  touches: TouchEvent[];
}

export interface InsightOptions {
  /** Sequences seen on fewer journeys are not ranked. */
  minSupport: number;
  /** How many first touches make a sequence; default 3. */
  sequenceLength?: number;
  /** How many sequences to return; default 10. */
  top?: number;
}

export interface RateItem {
  journeys: number;
  conversions: number;
  conversion_rate: number;
}

export interface ResponseBucket {
  outbound: number;
  responses: number;
  response_rate: number | null;
}

const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const rate = (n: number, d: number) => (d > 0 ? round(n / d) : null);

const tally = <K>(map: Map<string, { key: K; journeys: number; conversions: number }>, id: string, key: K, converted: boolean) => {
  const e = map.get(id) ?? { key, journeys: 0, conversions: 0 };
  e.journeys++;
  if (converted) e.conversions++;
  map.set(id, e);
};

/**
 * Outbound touches bucketed by their UTC hour and weekday; an outbound touch is answered when a customer
 * response follows it before the next outbound touch (the pairing of the journey's response times).
 */
const timingPatterns = (journeys: readonly InsightJourney[]) => {
  const hours = Array.from({ length: 24 }, () => ({ outbound: 0, responses: 0 }));
  const days = DAYS.map(() => ({ outbound: 0, responses: 0 }));
  for (const j of journeys) {
    let pending: TouchEvent | null = null;
    const count = (e: TouchEvent, answered: boolean) => {
      const d = new Date(e.at);
      const h = hours[d.getUTCHours()]!;
      const w = days[d.getUTCDay()]!;
      if (answered) {
        h.responses++;
        w.responses++;
      } else {
        h.outbound++;
        w.outbound++;
      }
    };
    for (const e of j.touches) {
      if (isOutbound(e)) {
        count(e, false);
        pending = e;
      } else if (isResponse(e) && pending) {
        count(pending, true);
        pending = null;
      }
    }
  }
  const bucket = (b: { outbound: number; responses: number }): ResponseBucket => ({ ...b, response_rate: rate(b.responses, b.outbound) });
  return {
    hour_of_day: hours.map((b, hour) => ({ hour, ...bucket(b) })),
    // ISO order: Monday first.
    day_of_week: [1, 2, 3, 4, 5, 6, 0].map((d) => ({ day: DAYS[d]!, ...bucket(days[d]!) })),
  };
};

const rated = <K>(e: { key: K; journeys: number; conversions: number }) => ({
  journeys: e.journeys,
  conversions: e.conversions,
  conversion_rate: round(e.conversions / e.journeys),
});

/** Counts are over the journeys given; for a converted journey only its touches up to the conversion count. */
export const computeInsights = (journeys: readonly InsightJourney[], options: InsightOptions) => {
  const length = options.sequenceLength ?? 3;
  const top = options.top ?? 10;
  const sequences = new Map<string, { key: string[]; journeys: number; conversions: number }>();
  const combos = new Map<string, { key: string[]; journeys: number; conversions: number }>();
  const frequency = new Map<string, { key: number; journeys: number; conversions: number }>();
  const drops = new Map<string, { key: { reason: string; state: string; last_channel: string | null }; journeys: number; conversions: number }>();
  let conversions = 0;

  for (const j of journeys) {
    const converted = j.convertedAt !== null;
    if (converted) conversions++;
    const { channels } = touchesBeforeConversion({
      guid: '',
      channels: j.touches.map((t) => t.channel),
      times: j.touches.map((t) => t.at),
      convertedAt: j.convertedAt,
      value: 0,
    });
    tally(frequency, String(channels.length), channels.length, converted);
    if (channels.length > 0) {
      const sequence = channels.slice(0, length);
      tally(sequences, JSON.stringify(sequence), sequence, converted);
      const set = [...new Set(channels)].sort();
      tally(combos, JSON.stringify(set), set, converted);
    }
    if (!converted) {
      const drop = dropOff(j.status, j.touches);
      if (drop) {
        const key = { reason: drop.reason, state: drop.state, last_channel: drop.last_touch?.channel ?? null };
        tally(drops, JSON.stringify(key), key, false);
      }
    }
  }

  const byRate = (a: RateItem, b: RateItem) => b.conversion_rate - a.conversion_rate || b.journeys - a.journeys;
  return {
    journeys: journeys.length,
    conversions,
    optimal_channel_sequence: {
      min_support: options.minSupport,
      sequence_length: length,
      sequences: [...sequences.values()]
        .filter((e) => e.journeys >= options.minSupport)
        .map((e) => ({ channels: e.key, ...rated(e) }))
        .sort((a, b) => byRate(a, b) || a.channels.join().localeCompare(b.channels.join()))
        .slice(0, top),
    },
    common_drop_off_points: [...drops.values()]
      .map((e) => ({ ...e.key, journeys: e.journeys }))
      .sort((a, b) => b.journeys - a.journeys || `${a.reason} ${a.state} ${a.last_channel}`.localeCompare(`${b.reason} ${b.state} ${b.last_channel}`)),
    timing_patterns: timingPatterns(journeys),
    message_frequency: [...frequency.values()].sort((a, b) => a.key - b.key).map((e) => ({ touches: e.key, ...rated(e) })),
    channel_combinations: [...combos.values()]
      .map((e) => ({ channels: e.key, ...rated(e) }))
      .sort((a, b) => b.journeys - a.journeys || byRate(a, b) || a.channels.join().localeCompare(b.channels.join())),
  };
};

export type Insights = ReturnType<typeof computeInsights>;
