// The conversations domain: how conversation events fold into report facts, idle limits, the hand-off's claims,
// and the mapping of chat platforms' webhooks to conversation events.
export {};
export * from './idle-limits.ts';
export * from './idle-expiry.ts';
export * from './handoff-claims.ts';
export * from './collect-events.ts';
export * from './webview-funnel-events.ts';
export * from './webview-funnel.ts';
export * from './webview-run-steps.ts';
export * from './conversation-input.ts';
export * from './conversation-facts.ts';
export * from './friction-report.ts';
export { mapChatwootEvent, type ChatwootPlan, type ChatwootMappingOptions } from './chatwoot-mapping.ts';
export { CHATWOOT_PLATFORMS, type ChatwootConversationRef } from './chatwoot-conversation.ts';
export type { ChatwootTrackingEvent } from './chatwoot-messages.ts';
