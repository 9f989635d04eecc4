// Per-journey outcome analytics: customer responses, where a journey dropped off, per-channel metrics, its score.

/** A touch as the analytics read it (times in epoch ms). */
export interface TouchEvent {
  event_id: string;
  channel: string;
  event_type: string;
  direction: string;
  at: number;
  /** CALL_COMPLETED's outcome, when present. */
  outcome: string | null;
  /** An opt-out reply (STOP): inbound, but no response. */
  opt_out?: boolean;
}

const ANSWERED_CALL = new Set(['connected', 'appointment_scheduled']);

/**
 * A customer response: an inbound touch, except opens (mail privacy proxies open everything), calls that did
 * not connect, and opt-out replies.
 */
export const isResponse = (e: Pick<TouchEvent, 'direction' | 'event_type' | 'outcome' | 'opt_out'>): boolean =>
  e.direction === 'inbound' && e.opt_out !== true && e.event_type !== 'EMAIL_OPENED' && (e.event_type !== 'CALL_COMPLETED' || ANSWERED_CALL.has(e.outcome ?? ''));

export const isOutbound = (e: Pick<TouchEvent, 'direction'>): boolean => e.direction === 'outbound';

export interface JourneyStatus {
  current_state: string;
  /** The state before the current one (from the last transition), null for the initial state. */
  previous_state: string | null;
  state_entered_at: number;
  converted: boolean;
  /** Drop states of the kind (ABANDONED, EXPIRED) and terminal states. */
  drop_states: readonly string[];
  terminal_states: readonly string[];
}

export interface DropOff {
  reason: 'abandoned' | 'no_response';
  /** The state the journey was in when it dropped. */
  state: string;
  /** When it dropped: entering the drop state, or the last unanswered outbound touch. */
  at: string;
  last_touch: { event_id: string; channel: string; event_type: string; occurred_at: string } | null;
  /** Outbound touches after the last customer response. */
  unanswered_outbound: number;
}

const touchJson = (e: TouchEvent | undefined) =>
  e ? { event_id: e.event_id, channel: e.channel, event_type: e.event_type, occurred_at: new Date(e.at).toISOString() } : null;

/**
 * A journey dropped off when it is in a drop state (the state it left for it is reported), or when it did not
 * convert, is not finished, and its last outbound touches got no response. `touches` are sorted by time.
 */
export const dropOff = (s: JourneyStatus, touches: readonly TouchEvent[]): DropOff | null => {
  const unansweredAfter = (until: number) => {
    let n = 0;
    for (const e of touches) {
      if (e.at > until) break;
      if (isResponse(e)) n = 0;
      else if (isOutbound(e)) n++;
    }
    return n;
  };
  if (s.drop_states.includes(s.current_state)) {
    const before = touches.filter((e) => e.at <= s.state_entered_at);
    return {
      reason: 'abandoned',
      state: s.previous_state ?? s.current_state,
      at: new Date(s.state_entered_at).toISOString(),
      last_touch: touchJson(before.at(-1)),
      unanswered_outbound: unansweredAfter(s.state_entered_at),
    };
  }
  if (s.converted || s.terminal_states.includes(s.current_state)) return null;
  const unanswered = unansweredAfter(Number.POSITIVE_INFINITY);
  if (unanswered === 0) return null;
  const lastOutbound = touches.filter(isOutbound).at(-1)!;
  return {
    reason: 'no_response',
    state: s.current_state,
    at: new Date(lastOutbound.at).toISOString(),
    last_touch: touchJson(touches.at(-1)),
    unanswered_outbound: unanswered,
  };
};

export interface ChannelMetrics {
  touches: number;
  outbound: number;
  responses: number;
  /** Responses / outbound touches on the channel (can exceed 1: two clicks on one email); null without outbound. */
  response_rate: number | null;
  /** The channel's linear share of the journey's touches. */
  contribution_score: number;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export const channelMetrics = (touches: readonly TouchEvent[]): Record<string, ChannelMetrics> => {
  const byChannel = new Map<string, { touches: number; outbound: number; responses: number }>();
  for (const e of touches) {
    const m = byChannel.get(e.channel) ?? { touches: 0, outbound: 0, responses: 0 };
    m.touches++;
    if (isOutbound(e)) m.outbound++;
    if (isResponse(e)) m.responses++;
    byChannel.set(e.channel, m);
  }
  return Object.fromEntries(
    [...byChannel.keys()].sort().map((channel) => {
      const m = byChannel.get(channel)!;
      return [
        channel,
        { ...m, response_rate: m.outbound > 0 ? round(m.responses / m.outbound) : null, contribution_score: round(m.touches / touches.length) },
      ];
    }),
  );
};

/**
 * Journey score 0–100: 100 once converted, 0 when finished without converting, otherwise the predicted
 * conversion probability × 100, rounded. Null when there is no prediction (journey kinds without one).
 */
export const journeyScore = (converted: boolean, finished: boolean, probability: number | null): number | null => {
  if (converted) return 100;
  if (finished) return 0;
  return probability === null ? null : Math.round(probability * 100);
};
