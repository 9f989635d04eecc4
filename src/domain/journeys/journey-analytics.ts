// Per-journey analytics from its events and state intervals: duration, touches, response times, time in state.

export interface AnalyticsEvent {
  event_id: string;
  channel: string;
  occurred_at: Date;
  is_touch: boolean;
  direction: string;
}

export interface StateInterval {
  to_state: string;
  entered_at: Date;
  left_at: Date | null;
}

export interface ResponseSample {
  outbound_event_id: string;
  response_event_id: string;
  channel: string;
  seconds: number;
}

export interface JourneyAnalytics {
  total_duration: number;
  touchpoints: number;
  channels_engaged: string[];
  response_times: { count: number; average_seconds: number | null; median_seconds: number | null; samples: ResponseSample[] };
  time_in_state: Record<string, number>;
  as_of: string;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** Response-time pairs listed per journey (all of them are counted). */
export const MAX_SAMPLES = 100;

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Response time pairs each customer response with the latest unanswered outbound event before it.
 * Time in the current state runs to `asOf`; terminal states whose interval is open are not counted.
 */
export const journeyAnalytics = (
  createdAt: Date,
  events: AnalyticsEvent[],
  intervals: StateInterval[],
  terminalStates: readonly string[],
  asOf: Date,
): JourneyAnalytics => {
  const byTime = [...events].sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime());
  const touches = byTime.filter((e) => e.is_touch);
  const samples: ResponseSample[] = [];
  let pending: AnalyticsEvent | null = null;
  for (const e of byTime) {
    if (e.direction === 'outbound') pending = e;
    else if (e.direction === 'inbound' && pending) {
      samples.push({
        outbound_event_id: pending.event_id,
        response_event_id: e.event_id,
        channel: e.channel,
        seconds: seconds(e.occurred_at.getTime() - pending.occurred_at.getTime()),
      });
      pending = null;
    }
  }
  const timeInState: Record<string, number> = {};
  for (const i of intervals) {
    if (!i.left_at && terminalStates.includes(i.to_state)) continue;
    const end = i.left_at ?? asOf;
    timeInState[i.to_state] = (timeInState[i.to_state] ?? 0) + Math.max(0, seconds(end.getTime() - i.entered_at.getTime()));
  }
  const last = byTime.at(-1)?.occurred_at.getTime() ?? createdAt.getTime();
  const rts = samples.map((s) => s.seconds);
  return {
    total_duration: Math.max(0, seconds(last - createdAt.getTime())),
    touchpoints: touches.length,
    channels_engaged: [...new Set(touches.map((e) => e.channel))].sort(),
    response_times: {
      count: rts.length,
      average_seconds: rts.length ? rts.reduce((a, b) => a + b, 0) / rts.length : null,
      median_seconds: median(rts),
      // The figures cover every pair; the list stops at the first MAX_SAMPLES (a chatty bot has thousands).
      samples: samples.slice(0, MAX_SAMPLES),
    },
    time_in_state: timeInState,
    as_of: asOf.toISOString(),
  };
};
