// The journeys capability's application layer: its commands, and the issue of GUIDs.
export { journeyCommands } from './journey-commands.ts';
export { guidOfIdempotencyKey, issueGuid, openConversation, type GuidOutcome, type GuidRequest, type ConversationRequest } from './guid-issuer.ts';
export { logTrackingEvents, type LoggedEvent } from './log-tracking-events.ts';
export { createGroupCommit, type GroupCommit, type GroupCommitOptions } from './group-commit.ts';
