// The attribution capability's read model (journey paths) and its queries: attribution, prediction.
export { journeyPathsProjection } from './journey-paths-projection.ts';
export { ATTRIBUTION_TABLES, parseTouches, type AttributionTables, type JourneyPathsTable, type Touch } from './journey-paths-schema.ts';
export { getJourneyPathRow, loadAttributionInput, loadOpenPathGroups, loadTrainingGroups, topOpenJourneys, type JourneyPathRow } from './attribution-queries.ts';
export { conversionModel, type ConversionModel } from './conversion-model.ts';
export { toJourneyPath } from './journey-paths.ts';
