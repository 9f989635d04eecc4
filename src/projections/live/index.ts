// The live outputs' storage: the outbox every consumer reads after its own cursor.
export { liveOutboxProjection } from './live-outbox-projection.ts';
export { LIVE_OUTBOX_TABLES, type LiveOutboxTables } from './live-outbox-schema.ts';
export { compareCursors, cursorText, latestCursor, parseCursor, pruneEnvelopes, readEnvelopes, START_CURSOR, type EnvelopeCursor, type EnvelopeFilter, type StoredEnvelope } from './live-envelope-queries.ts';
export { prepareLiveTables } from './live-tables.ts';
export { advancePublisherCursor, claimPublisherCursor, lowestPublisherPosition, publisherCursor, releasePublisherCursor, type PublisherCursorTables } from './publisher-cursor.ts';
