// Twilio Voice status callbacks as journey events: which CallStatus is which CALL_* type, and how a finished call's
// outcome is told (docs/channels.md has the table). Pure: the caller checks the signature and the GUID.
import { z } from 'zod';
import type { TrackingEvent } from '../journeys/index.ts';
import type { Actor } from '../shared/channels.ts';
import { toViolations, type Parsed } from '../shared/violation.ts';

/** Twilio's final statuses: the call is over, with this outcome unless the call details say otherwise. */
const FINAL = ['completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
const TYPES: Readonly<Record<string, string>> = {
  initiated: 'CALL_INITIATED',
  ringing: 'CALL_RINGING',
  'in-progress': 'CALL_ANSWERED',
  ...Object.fromEntries(FINAL.map((s) => [s, 'CALL_COMPLETED'])),
};

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
/** Years 2000 to 9999: anything else is no call's time. */
const plausibleTime = (s: string): boolean => {
  const ms = Date.parse(s);
  return ms >= Date.UTC(2000, 0, 1) && ms < Date.UTC(10000, 0, 1);
};
const opt = <T extends z.ZodType>(s: T) => s.optional();

/**
 * Twilio's parameters (form body) and the call details the sender put in the StatusCallback URL's query (or the
 * body). Twilio sends many more fields; they pass. Everything arrives as text.
 */
export const voiceStatusFields = z.looseObject({
  CallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/, "a Twilio CallSid: 'CA' and 32 hex digits"),
  CallStatus: z.string().min(1).max(30),
  CallDuration: opt(z.string().regex(/^\d{1,7}$/, 'whole seconds').transform(Number)),
  AnsweredBy: opt(z.string().max(50)),
  Direction: opt(z.string().max(50)),
  Timestamp: opt(z.string().max(100).refine(plausibleTime, 'an RFC 2822 date, e.g. Tue, 07 Dec 2024 10:05:00 +0000')),
  SequenceNumber: opt(z.string().regex(/^\d{1,9}$/, 'a whole number')),
  guid: opt(z.string().min(1).max(100)),
  agent_id: opt(z.string().min(1).max(200)),
  disposition: opt(z.string().min(1).max(100)),
  appointment_scheduled: opt(flag),
  callback_requested: opt(flag),
  sentiment_score: opt(z.string().regex(/^-?\d+(\.\d+)?$/, 'a number from -1 to 1').transform(Number).pipe(z.number().min(-1).max(1))),
});
export type VoiceStatus = z.output<typeof voiceStatusFields>;

export const parseVoiceStatus = (fields: Readonly<Record<string, unknown>>): Parsed<VoiceStatus> => {
  const parsed = voiceStatusFields.safeParse(fields);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, violations: toViolations(parsed.error) };
};

/** Statuses stored as events (`queued` and anything Twilio adds later are not). */
export const isMappedCallStatus = (status: string): boolean => Object.hasOwn(TYPES, status);

export type CallOutcome = 'connected' | 'voicemail' | 'no_answer' | 'busy' | 'failed' | 'appointment_scheduled';

/**
 * A finished call's outcome. `completed` means someone or something picked up: an answering machine (Twilio's
 * AMD, `machine_*`) is voicemail, a fax machine a failed call, anyone else (`human`, `unknown`, no AMD) a connected
 * call unless it lasted 0 s. `canceled` was hung up before anyone answered.
 */
export const callOutcome = (s: VoiceStatus): CallOutcome => {
  if (s.appointment_scheduled === true) return 'appointment_scheduled';
  switch (s.CallStatus) {
    case 'busy':
      return 'busy';
    case 'no-answer':
    case 'canceled':
      return 'no_answer';
    case 'failed':
      return 'failed';
  }
  const by = s.AnsweredBy ?? '';
  if (by.startsWith('machine')) return 'voicemail';
  if (by === 'fax') return 'failed';
  return s.CallDuration === 0 ? 'no_answer' : 'connected';
};

export interface VoiceEventTarget {
  guid: string;
  dealerCode: string | null;
  receivedAt: string;
}

const actorOf = (s: VoiceStatus): Actor =>
  s.Direction === 'inbound' ? { type: 'customer' } : s.agent_id ? { type: 'human', id: s.agent_id } : { type: 'system' };

const detailsOf = (type: string, s: VoiceStatus): Record<string, unknown> => {
  const common = { call_id: s.CallSid, provider: 'twilio', ...(s.agent_id ? { agent_id: s.agent_id } : {}), ...(s.Direction ? { direction: s.Direction } : {}) };
  switch (type) {
    case 'CALL_ANSWERED':
      return { ...common, ...(s.AnsweredBy ? { answered_by: s.AnsweredBy } : {}) };
    case 'CALL_COMPLETED':
      return {
        ...common,
        outcome: callOutcome(s),
        call_status: s.CallStatus,
        ...(s.CallDuration !== undefined ? { duration_seconds: s.CallDuration } : {}),
        ...(s.AnsweredBy ? { answered_by: s.AnsweredBy } : {}),
        ...(s.disposition ? { disposition: s.disposition } : {}),
        ...(s.appointment_scheduled !== undefined ? { appointment_scheduled: s.appointment_scheduled } : {}),
        ...(s.callback_requested !== undefined ? { callback_requested: s.callback_requested } : {}),
        ...(s.sentiment_score !== undefined ? { sentiment_score: s.sentiment_score } : {}),
      };
    default:
      return common;
  }
};

/** The status as a tracking event, or null for a status that is not stored. One event per call and status. */
export const voiceTrackingEvent = (s: VoiceStatus, t: VoiceEventTarget): TrackingEvent | null => {
  const type = isMappedCallStatus(s.CallStatus) ? TYPES[s.CallStatus]! : null;
  if (!type) return null;
  // Twilio's own time of the status; without one, when it reached us.
  const occurred_at = s.Timestamp ? new Date(Date.parse(s.Timestamp)).toISOString() : t.receivedAt;
  return {
    event_id: `twilio:${s.CallSid}:${s.CallStatus}`,
    guid: t.guid,
    event_type: type,
    channel: 'PHONE',
    occurred_at,
    received_at: t.receivedAt,
    actor: actorOf(s),
    dealer_code: t.dealerCode,
    session_id: null,
    user_id: null,
    details: detailsOf(type, s),
  };
};
