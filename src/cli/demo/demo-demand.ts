// When demo conversations happen: demand by local day of week and hour, and when each team is open to answer.
import type { Draws } from './demo-random.ts';
import { OPENING_HOURS, type Team } from './demo-cast.ts';

const HOUR = 3_600_000;

/** Relative demand by local day of week (0 = Sunday) and hour: busy weekday mornings, quiet nights and Sundays. */
const BY_DAY = [0.45, 1.25, 1.15, 1.1, 1.05, 1, 0.7];
const BY_HOUR = [0.08, 0.05, 0.03, 0.03, 0.04, 0.08, 0.25, 0.6, 1.1, 1.6, 1.8, 1.7, 1.3, 1.35, 1.4, 1.3, 1.2, 1.05, 0.85, 0.75, 0.65, 0.5, 0.3, 0.15];
const PEAK = Math.max(...BY_DAY) * Math.max(...BY_HOUR);
const MEAN = (BY_DAY.reduce((a, b) => a + b) / 7) * (BY_HOUR.reduce((a, b) => a + b) / 24);

export interface LocalClock {
  /** Local day of week (0 = Sunday) and hour of an instant. */
  at(ms: number): { day: number; hour: number };
}

/**
 * Local time through Intl, once per UTC hour (zones with whole-hour offsets, as the demo's, change only on the hour):
 * formatting dates is the slow part of generating a conversation otherwise.
 */
export const localClock = (timeZone: string): LocalClock => {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const cache = new Map<number, { day: number; hour: number }>();
  return {
    at(ms) {
      const key = Math.floor(ms / HOUR);
      let local = cache.get(key);
      if (!local) {
        const parts = format.formatToParts(new Date(key * HOUR));
        const part = (type: string) => parts.find((p) => p.type === type)!.value;
        local = { day: days.indexOf(part('weekday')), hour: Number(part('hour')) };
        cache.set(key, local);
      }
      return local;
    },
  };
};

/** How busy an instant is against the average (1 = an average hour). */
export const loadAt = (clock: LocalClock, ms: number): number => {
  const { day, hour } = clock.at(ms);
  return (BY_DAY[day]! * BY_HOUR[hour]!) / MEAN;
};

/** A start time in [from, to) drawn with the demand pattern (rejection sampling against the peak hour). */
export const demandTime = (d: Draws, clock: LocalClock, from: number, to: number): number => {
  for (;;) {
    const ms = from + Math.floor(d.next() * (to - from));
    const { day, hour } = clock.at(ms);
    if (d.next() * PEAK < BY_DAY[day]! * BY_HOUR[hour]!) return ms;
  }
};

export const isOpen = (clock: LocalClock, team: Team, ms: number): boolean => {
  const { day, hour } = clock.at(ms);
  const hours = OPENING_HOURS[team][day];
  return hours !== null && hours !== undefined && hour >= hours[0] && hour < hours[1];
};

/** The next instant the team is open (ms itself when open now); a week ahead at most. */
export const nextOpening = (clock: LocalClock, team: Team, ms: number): number => {
  if (isOpen(clock, team, ms)) return ms;
  for (let t = Math.ceil(ms / HOUR) * HOUR; t < ms + 8 * 24 * HOUR; t += HOUR) if (isOpen(clock, team, t)) return t;
  return ms;
};
