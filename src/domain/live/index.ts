// The live outputs' domain: the envelopes other systems receive, and the fold that makes them from journey events.
export * from './live-envelope.ts';
