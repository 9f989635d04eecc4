// The conversations capability's read models (report facts, web-view funnels) and their queries.
export {};
export { idleCandidates, type IdleCandidate } from './idle-candidates.ts';
export { claimIdleExpiryLease, prepareIdleExpiryLease, releaseIdleExpiryLease } from './idle-expiry-lease.ts';
export { resolveHandoffSecret } from './handoff-secret.ts';
export { webviewFunnelsProjection } from './webview-funnel-projection.ts';
export { WEBVIEW_FUNNEL_TABLES, type WebviewFunnelTables } from './webview-funnel-schema.ts';
export { loadFriction, type FrictionFilter } from './friction-queries.ts';
export { conversationsProjection } from './conversations-projection.ts';
export { CONVERSATIONS_TABLES, type ConversationsTables } from './conversations-schema.ts';
export { loadAgentReport, type AgentMetrics, type AgentReport } from './agent-report-queries.ts';
export { loadQueueReport, type QueueReport } from './queue-report-queries.ts';
export { loadHandoverReport, type HandoverReport } from './handover-report-queries.ts';
export { loadHeatmap, type HeatmapMetric } from './heatmap-queries.ts';
export { loadActive, type ActiveReport } from './active-queries.ts';
export type { ReportFilter } from './report-filter.ts';
export { cachedReport } from './report-cache.ts';
