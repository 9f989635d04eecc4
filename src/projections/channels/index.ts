// The channels capability's storage: its secret, the state its integrations register, and its read models.
export { resolveChannelSecret, type SecretsTables } from './channel-secret.ts';
export { prepareChannelTables } from './channel-tables.ts';
export { channelContactsProjection } from './contacts-projection.ts';
export { CHANNEL_CONTACTS_TABLES, type ChannelContactsTables } from './contacts-schema.ts';
export { isSuppressed, openJourneyOfContact, suppressionsOf, type SuppressionRow } from './contact-queries.ts';
export { insertShortLinks, linksOfMessage, shortLinkOf, type ShortLink, type ShortLinksTables } from './short-links.ts';
export {
  claimUnmatchedReply,
  insertUnmatchedReply,
  listUnmatchedReplies,
  releaseUnmatchedReply,
  unmatchedReplyById,
  unmatchedReplyBySid,
  type ReplyCursor,
  type UnmatchedReply,
  type UnmatchedRepliesTables,
} from './unmatched-replies.ts';
export { journeyByPrefix, latestJourneyPerDealer } from './reply-matching.ts';
export { portalSessionsProjection } from './portal-sessions-projection.ts';
export { PORTAL_SESSIONS_TABLES, type PortalSessionsTables } from './portal-sessions-schema.ts';
export { getPortalSession, idlePortalSessions, type IdleSession, type PortalSessionRow } from './portal-session-queries.ts';
export { journeyOfPortalSession, reservePortalSession } from './portal-session-index.ts';
