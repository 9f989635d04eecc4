// Dealer-portal sessions as their journey's events tell them: which event each portal action records (with its
// details checked against the catalogue), and one session's state folded from the journey's tracking events.
import { z } from 'zod';
import { catalogueEntry, type TrackingEvent } from '../journeys/index.ts';
import { toViolations, type Parsed } from '../shared/violation.ts';

/** `ps_` and 20 base62 characters (about 119 bits). */
export const PORTAL_SESSION_ID = /^ps_[0-9A-Za-z]{20}$/;
export const PORTAL_ACTION_NAME = /^[a-z0-9_]{1,100}$/;

/** The actions with an event type of their own; any other action name is recorded as PORTAL_ACTION {action}. */
export const PORTAL_ACTION_EVENTS = {
  view_lead: 'PORTAL_VIEW_LEAD',
  call_customer: 'PORTAL_CALL_CUSTOMER',
  schedule_appointment: 'PORTAL_SCHEDULE_APPOINTMENT',
  add_note: 'PORTAL_ADD_NOTE',
} as const;

export const PORTAL_ACTION_TYPES: ReadonlySet<string> = new Set([...Object.values(PORTAL_ACTION_EVENTS), 'PORTAL_ACTION']);
const ACTION_OF_TYPE = new Map<string, string>(Object.entries(PORTAL_ACTION_EVENTS).map(([action, type]) => [type, action]));

/** A note's text is PII: only its length is kept, so the body may carry the text or the length, nothing else. */
const noteDetails = z.strictObject({ text: z.string().max(100_000).optional(), note_length: z.number().int().nonnegative().optional() });

/**
 * The event type and details an action records, the details checked against the event catalogue (every violation
 * listed under `details.`). The session's id is set by the server, whatever the body says.
 */
export const portalActionEvent = (sessionId: string, action: string, input: Record<string, unknown>): Parsed<{ eventType: string; details: Record<string, unknown> }> => {
  const known = Object.hasOwn(PORTAL_ACTION_EVENTS, action) ? PORTAL_ACTION_EVENTS[action as keyof typeof PORTAL_ACTION_EVENTS] : undefined;
  const eventType = known ?? 'PORTAL_ACTION';
  let details: Record<string, unknown> = { ...input, portal_session_id: sessionId, ...(known ? {} : { action }) };
  if (eventType === 'PORTAL_ADD_NOTE') {
    const note = noteDetails.safeParse(input);
    if (!note.success) return { ok: false, violations: toViolations(note.error, ['details']) };
    details = { portal_session_id: sessionId, note_length: note.data.text !== undefined ? [...note.data.text].length : (note.data.note_length ?? 0) };
  }
  const checked = catalogueEntry(eventType)!.details.safeParse(details);
  return checked.success ? { ok: true, value: { eventType, details: checked.data } } : { ok: false, violations: toViolations(checked.error, ['details']) };
};

export interface PortalSessionState {
  sessionId: string;
  guid: string;
  userId: string | null;
  dealerCode: string | null;
  role: string | null;
  startedAt: string;
  /** The start or the newest action, by event time. */
  lastActivityAt: string;
  end: { at: string; reason: string } | null;
}

const sessionIdOf = (e: Pick<TrackingEvent, 'details'>): string | null => {
  const id = e.details['portal_session_id'];
  return typeof id === 'string' ? id : null;
};

const later = (a: string, b: string) => (Date.parse(b) > Date.parse(a) ? b : a);

/** The session as the journey's events (in stream order) say, or null when it never started there. */
export const portalSessionOf = (events: readonly TrackingEvent[], sessionId: string): PortalSessionState | null => {
  let s: PortalSessionState | null = null;
  const activity: string[] = [];
  const ends: { at: string; reason: string }[] = [];
  for (const e of events) {
    if (!e.event_type.startsWith('PORTAL_') || sessionIdOf(e) !== sessionId) continue;
    if (e.event_type === 'PORTAL_SESSION_START' && !s) {
      const role = e.details['role'];
      s = { sessionId, guid: e.guid, userId: e.user_id, dealerCode: e.dealer_code, role: typeof role === 'string' ? role : null, startedAt: e.occurred_at, lastActivityAt: e.occurred_at, end: null };
    } else if (e.event_type === 'PORTAL_SESSION_END') ends.push({ at: e.occurred_at, reason: String(e.details['reason'] ?? 'ended') });
    else if (PORTAL_ACTION_TYPES.has(e.event_type)) activity.push(e.occurred_at);
  }
  if (!s) return null;
  for (const at of activity) s.lastActivityAt = later(s.lastActivityAt, at);
  // The earliest end by event time is the one in force (the read model follows the same rule).
  for (const end of ends) if (!s.end || Date.parse(end.at) < Date.parse(s.end.at)) s.end = end;
  return s;
};

/** The action name an event of the session's action list shows. */
export const portalActionName = (e: Pick<TrackingEvent, 'event_type' | 'details'>): string | null => {
  if (e.event_type === 'PORTAL_ACTION') return typeof e.details['action'] === 'string' ? e.details['action'] : null;
  return ACTION_OF_TYPE.get(e.event_type) ?? null;
};

/** Whether the session was idle past the TTL at `now` (the idle worker's rule: last activity older than now - TTL). */
export const isIdle = (s: Pick<PortalSessionState, 'lastActivityAt' | 'end'>, ttlMs: number, now: Date): boolean => s.end === null && Date.parse(s.lastActivityAt) < now.getTime() - ttlMs;
