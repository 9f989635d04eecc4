// The Segment capability's domain: Segment's Tracking API messages, their limits, and their mapping onto journeys.
export * from './segment-clock.ts';
export * from './segment-event-type.ts';
export * from './segment-limits.ts';
export * from './segment-mapping.ts';
export * from './segment-messages.ts';
export * from './segment-paths.ts';
