// Opt-out replies: an inbound text that asks to stop contact is an opt-out, never engagement.

/** The carriers' STOP family (CTIA), matched as the whole message, case-insensitive, trimmed. */
export const OPT_OUT_WORDS: readonly string[] = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'];

const OPT_OUT = new Set(OPT_OUT_WORDS);
// `STOP-<first 8 of GUID>` is the PRD's per-journey reply; any `STOP-<code>` asks to stop just as clearly.
const STOP_CODE = /^STOP[-\s]+[A-Z0-9-]{1,64}$/;

/** Trailing punctuation and surrounding quotes do not change what a reply asks for ("Stop." is STOP). */
const normalise = (text: string): string => text.trim().replace(/^["'“”‘’]+|["'“”‘’.!]+$/g, '').trim().toUpperCase();

/** True when an inbound message's keyword or text is an opt-out. */
export const isOptOutText = (text: string): boolean => {
  const t = normalise(text);
  return OPT_OUT.has(t) || STOP_CODE.test(t);
};

/** The keyword a reply to `guid` uses to opt out of that one journey's messages. */
export const journeyStopKeyword = (guid: string): string => `STOP-${guid.slice(0, 8)}`;

/**
 * An inbound SMS (or SMS-sourced message) that is an opt-out: as classified where the reply was read (the Twilio
 * webhook classifies the whole message: "Stop by tomorrow?" is a question), else by its `keyword` or `text`.
 */
export const isOptOutReply = (eventType: string, channel: string, details: Readonly<Record<string, unknown>>): boolean => {
  const sms = eventType === 'SMS_RECEIVED' || (eventType === 'MESSAGE_RECEIVED' && (channel === 'SMS' || details['source'] === 'sms'));
  if (!sms) return false;
  if (typeof details['classification'] === 'string') return details['classification'] === 'OPT_OUT';
  return [details['keyword'], details['text']].some((v) => typeof v === 'string' && isOptOutText(v));
};
