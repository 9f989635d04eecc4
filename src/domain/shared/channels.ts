// Channels and actors every tracking event names; the vocabulary shared by the API, read models and analytics.
export const CHANNELS = ['PHONE', 'EMAIL', 'SMS', 'PORTAL', 'CHAT', 'WEBVIEW', 'SYSTEM'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Customer-facing channels: only events on these count as touches for attribution and summaries. */
export const TOUCH_CHANNELS: ReadonlySet<Channel> = new Set(['EMAIL', 'SMS', 'PHONE', 'CHAT', 'WEBVIEW']);

export const ACTOR_TYPES = ['system', 'bot', 'human', 'customer'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];
export type Actor = {
  type: ActorType;
  id?: string | undefined;
}
