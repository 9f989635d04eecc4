// What the friction report keeps of a conversation, one compact record per event: the web view's events, the
// escalations, the teams it was routed to and its categories. A conversation's funnel is a fold of these alone.

/** The tracking event types the funnel reads; every other type leaves it unchanged. */
export const FUNNEL_EVENT_TYPES = [
  'WEBVIEW_OPENED',
  'WEBVIEW_STEP',
  'WEBVIEW_EXIT',
  'WEBVIEW_COMPLETED',
  'ESCALATION_REQUESTED',
  'AGENT_ASSIGNED',
  'HANDOVER',
  'CATEGORIES_UPDATED',
] as const;
export type FunnelEventType = (typeof FUNNEL_EVENT_TYPES)[number] | 'CREATED';

/** The key of the record a conversation's creation leaves: no client event id can take it (`~` is not allowed there). */
export const CREATED_EVENT_ID = '~created';

export interface FunnelEvent {
  /** The tracking event's id (unique in its journey). */
  id: string;
  type: FunnelEventType;
  /** Event time, ms since the epoch. */
  at: number;
  webview_id: string | null;
  step: string | null;
  step_index: number | null;
  /** A web-view exit's reason. */
  reason: string | null;
  /** The team an escalation asked for, an assignment was made in, or a hand-over went to. */
  team: string | null;
  department: string | null;
  query_nature: string | null;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const index = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);

const blank = (id: string, type: FunnelEventType, at: number): FunnelEvent => ({
  id,
  type,
  at,
  webview_id: null,
  step: null,
  step_index: null,
  reason: null,
  team: null,
  department: null,
  query_nature: null,
});

/** The record of a tracking event, or null when the funnel has no use for it. */
export const funnelEventOf = (e: { event_id: string; event_type: string; occurred_at: string; details: Record<string, unknown> }): FunnelEvent | null => {
  const d = e.details;
  const base = blank(e.event_id, e.event_type as FunnelEventType, Date.parse(e.occurred_at));
  switch (e.event_type) {
    case 'WEBVIEW_OPENED':
    case 'WEBVIEW_COMPLETED':
      return text(d['webview_id']) ? { ...base, webview_id: text(d['webview_id']) } : null;
    case 'WEBVIEW_STEP':
      return text(d['webview_id']) && text(d['step']) ? { ...base, webview_id: text(d['webview_id']), step: text(d['step']), step_index: index(d['step_index']) } : null;
    case 'WEBVIEW_EXIT':
      return text(d['webview_id']) ? { ...base, webview_id: text(d['webview_id']), step: text(d['step']), reason: text(d['reason']) } : null;
    case 'ESCALATION_REQUESTED': {
      const r = { ...base, webview_id: text(d['webview_id']), step: text(d['step']), team: text(d['team']) };
      return r.webview_id || r.team ? r : null;
    }
    case 'AGENT_ASSIGNED':
      return text(d['team']) ? { ...base, team: text(d['team']) } : null;
    case 'HANDOVER':
      return text(d['to_team']) ? { ...base, team: text(d['to_team']) } : null;
    case 'CATEGORIES_UPDATED': {
      const r = { ...base, department: text(d['department']), query_nature: text(d['query_nature']) };
      return r.department || r.query_nature ? r : null;
    }
    default:
      return null;
  }
};

/** The record of a conversation's creation (its categories where it started), or null when it names none we read. */
export const funnelEventOfCreation = (startedAt: string, categories: { department?: string | undefined; query_nature?: string | undefined } | undefined): FunnelEvent | null => {
  const department = text(categories?.department);
  const queryNature = text(categories?.query_nature);
  return department || queryNature ? { ...blank(CREATED_EVENT_ID, 'CREATED', Date.parse(startedAt)), department, query_nature: queryNature } : null;
};
