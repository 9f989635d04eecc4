// Reading the loosely typed fields of providers' payloads: ids, times in epoch seconds, the sender's variables.

export type Fields = Readonly<Record<string, unknown>>;

export const isRecord = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Ids the catalogue keeps (1 to 200 characters); anything else is absent. */
export const idOf = (v: unknown): string | null => (typeof v === 'string' && v.length >= 1 && v.length <= 200 ? v : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : null);

/** Free text cut to what a details field keeps. */
export const textOf = (v: unknown, max: number): string | null => (typeof v === 'string' && v.trim() !== '' ? v.slice(0, max) : null);

/** Year 2000 to 9999: a provider's event time outside it is a broken payload, not a time. */
const EARLIEST_S = 946_684_800;
const LATEST_S = 253_402_300_799;

/** Epoch seconds (an integer from SendGrid, a fraction from Mailgun, a numeric string from either) as ISO 8601. */
export const isoFromEpochSeconds = (v: unknown): string | null => {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d{1,12}(\.\d{1,9})?$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < EARLIEST_S || n > LATEST_S) return null;
  return new Date(Math.round(n * 1000)).toISOString();
};

/**
 * The journey GUID and Threadline's message id the sender attached to the message. `guid` / `message_id` are the
 * documented names; `threadline_guid` / `threadline_message_id` win when present, for senders whose own systems
 * already use `guid`.
 */
export const journeyVariables = (vars: Fields): { guid: string | null; messageId: string | null } => ({
  guid: idOf(vars['threadline_guid']) ?? idOf(vars['guid']),
  messageId: idOf(vars['threadline_message_id']) ?? idOf(vars['message_id']),
});
