// Segment's clock-skew rule: a message's timestamp and sentAt come from the same (possibly wrong) client clock, so
// occurred_at = timestamp + (receivedAt − sentAt) moves it onto the server's clock, keeping how long ago it happened.

export const CLOCK_CORRECTION = {
  /**
   * Below this, receivedAt − sentAt is indistinguishable from the request's time in flight (analytics-node's own
   * request timeout is 10 s), so the client clock is taken as right and the timestamp kept exactly as sent.
   */
  toleranceMs: 10_000,
  /**
   * Beyond this the client clock is broken, or sentAt is (a local time sent as UTC, seconds sent as milliseconds):
   * neither time can be trusted, so the event is placed at receivedAt, which it cannot have happened after.
   */
  maxMs: 24 * 3_600_000,
} as const;

export interface ClockReading {
  /** Event time on the server's clock. */
  occurredAt: Date;
  /** What was added to the timestamp (0 when none was). */
  correctionMs: number;
  /** The offset was beyond the cap: the client's times were set aside for receivedAt. */
  distrusted: boolean;
}

export const correctClock = (timestamp: Date | null, sentAt: Date | null, receivedAt: Date): ClockReading => {
  if (timestamp === null) return { occurredAt: receivedAt, correctionMs: 0, distrusted: false };
  if (sentAt === null) return { occurredAt: timestamp, correctionMs: 0, distrusted: false };
  const offset = receivedAt.getTime() - sentAt.getTime();
  if (Math.abs(offset) <= CLOCK_CORRECTION.toleranceMs) return { occurredAt: timestamp, correctionMs: 0, distrusted: false };
  if (Math.abs(offset) > CLOCK_CORRECTION.maxMs) return { occurredAt: receivedAt, correctionMs: 0, distrusted: true };
  return { occurredAt: new Date(timestamp.getTime() + offset), correctionMs: offset, distrusted: false };
};
