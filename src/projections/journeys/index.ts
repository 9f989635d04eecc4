// The journeys capability's read models: the projection, and the queries the API answers from.
export { journeysProjection } from './journey-projection.ts';
export { JOURNEYS_TABLES, type JourneysTables, type JourneySummaryTable, type TrackingEventsTable, type JourneyTransitionsTable } from './journeys-schema.ts';
export { getJourneyRows, listJourneys, summaryJson, type ActivityRow, type EventsPage, type JourneyFilter } from './journey-queries.ts';
export { journeyOutcomeAnalytics } from './journey-outcome-analytics.ts';
export { loadInsightJourneys, toTouchEvent } from './insight-queries.ts';
