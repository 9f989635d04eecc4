// Idle limits as configuration: how long a conversation may sit in a state, and an outreach journey wait for a
// response, without activity before the TTL worker ends it (docs/conversations.md "Idle limits").

/** The conversation states that may move to EXPIRED (the lifecycle's `allowed` table; a unit test keeps them in step). */
export const EXPIRABLE_STATES = ['INBOUND_QUEUE', 'BOT_SESSION', 'PENDING_AGENT', 'HUMAN_ASSISTANCE'] as const;

/**
 * Where an outreach journey waits for the customer's response to contact: CONTACTED. QUEUED is not (nobody has
 * been contacted yet: no response is expected), nor ENGAGED and later (the customer did respond).
 */
export const ABANDONABLE_STATES = ['CONTACTED'] as const;

const HOUR = 3_600_000;
export const DEFAULT_CONVERSATION_TTL_MS: Readonly<Record<string, number>> = {
  INBOUND_QUEUE: 2 * HOUR,
  BOT_SESSION: 30 * 60_000,
  PENDING_AGENT: 2 * HOUR,
  HUMAN_ASSISTANCE: 24 * HOUR,
};
export const DEFAULT_OUTREACH_ABANDON_DAYS = 14;
const DAY = 24 * HOUR;

export interface IdleLimits {
  /** Per conversation state: how long without activity before SESSION_EXPIRED (ms); a state left out never expires. */
  conversation: Readonly<Record<string, number>>;
  /** How long an outreach journey in CONTACTED goes without contact either way before ABANDONED (ms); null: never. */
  outreachAbandonMs: number | null;
}

export const outreachAbandonMs = (days: number): number | null => (days > 0 ? days * DAY : null);

/** The limit of a journey in `state`, or null when it never goes idle there. */
export const idleLimitOf = (limits: IdleLimits, kind: string, state: string): number | null => {
  if (kind === 'conversation') return Object.hasOwn(limits.conversation, state) ? limits.conversation[state]! : null;
  if (kind === 'outreach') return (ABANDONABLE_STATES as readonly string[]).includes(state) ? limits.outreachAbandonMs : null;
  return null;
};

/** True when no limit is on: the worker has nothing to look for. */
export const noIdleLimits = (limits: IdleLimits): boolean => Object.keys(limits.conversation).length === 0 && limits.outreachAbandonMs === null;

const OFF = new Set(['off', '0', 'none']);
const MIN_LIMIT_MS = 1000;

export type ParsedTtl = { ok: true; value: Record<string, number> } | { ok: false; reasons: string[] };

/**
 * `THREADLINE_CONVERSATION_TTL`: `STATE=duration` pairs, comma-separated (`BOT_SESSION=30m,PENDING_AGENT=2h`); a
 * state left out keeps its default, `STATE=off` (or 0) turns that state's limit off, and `off` alone turns every one
 * off. `durationMs` reads the configuration's duration notation (undefined when it is none). Lists every mistake.
 */
export const parseConversationTtl = (text: string, durationMs: (v: string) => number | undefined): ParsedTtl => {
  const limits: Record<string, number> = { ...DEFAULT_CONVERSATION_TTL_MS };
  if (OFF.has(text.trim().toLowerCase())) return { ok: true, value: {} };
  const reasons: string[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const eq = part.indexOf('=');
    if (eq < 0) {
      reasons.push(`"${part}": expected STATE=duration, e.g. BOT_SESSION=30m (or "off" alone for no limits)`);
      continue;
    }
    const state = part.slice(0, eq).trim().toUpperCase();
    const value = part.slice(eq + 1).trim().toLowerCase();
    if (!(EXPIRABLE_STATES as readonly string[]).includes(state)) {
      reasons.push(`"${state}" is not a conversation state that can expire (${EXPIRABLE_STATES.join(', ')})`);
      continue;
    }
    if (seen.has(state)) reasons.push(`${state} is given twice`);
    seen.add(state);
    if (OFF.has(value)) {
      delete limits[state];
      continue;
    }
    const ms = durationMs(value);
    if (ms === undefined) reasons.push(`${state}=${value}: not a duration such as 30m, 2h or 24h (or off)`);
    else if (ms < MIN_LIMIT_MS) reasons.push(`${state}=${value}: at least 1s (or off)`);
    else limits[state] = ms;
  }
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, value: limits };
};
