// What an inbound SMS reply asks for, and which journey it names: the rules of docs/channels.md (SMS), in the order
// they are tried. Pure: the webhook gathers the text; the classification decides what is derived from the reply.
import { isGuid, isOptOutText } from '../journeys/index.ts';

export const REPLY_CLASSIFICATIONS = ['OPT_OUT', 'OPT_IN', 'HELP', 'APPOINTMENT_REQUEST', 'QUESTION', 'OTHER'] as const;
export type ReplyClassification = (typeof REPLY_CLASSIFICATIONS)[number];

/** The carriers' opt-in and help keywords (CTIA), matched as the whole message like the STOP family. */
const OPT_IN_WORDS = new Set(['START', 'UNSTOP', 'YES']);
const HELP_WORDS = new Set(['HELP', 'INFO']);

/** Asking for a visit, in the words customers use: whole words, anywhere in the text. */
const APPOINTMENT = [
  /\b(book|booking|schedule|scheduling|appointments?|appts?|reschedule|rebook)\b/i,
  /\bcan (i|we) (come|bring|drop|stop|swing)\b/i,
  /\b(come in|bring it in|drop it off|drop off|stop by|swing by)\b/i,
];

const QUESTION_WORDS = /^(what|when|where|how|why|can|could|do|does|is|are)\b/i;

/** Surrounding quotes and trailing punctuation do not change a keyword ("Yes!" is YES), as for the STOP family. */
const keywordOf = (text: string): string => text.trim().replace(/^["'“”‘’]+|["'“”‘’.!]+$/g, '').trim().toUpperCase();

/** `STOP-<the whole GUID>` is longer than the STOP-<code> the opt-out rule knows, and asks the same. */
const isStopWithGuid = (keyword: string): boolean => {
  const m = /^STOP[-\s]+(\S+)$/.exec(keyword);
  return m !== null && isGuid(m[1]!);
};

/**
 * The first rule that holds: OPT_OUT (the whole message is a STOP-family word, `STOP-<code>` or `STOP-<GUID>`), OPT_IN, HELP (the
 * whole message is one of their keywords), APPOINTMENT_REQUEST, QUESTION (ends with `?` or opens with a question
 * word), else OTHER. Keywords are whole-message only, as carriers match them: "Cancel my appointment" is no opt-out.
 */
export const classifyReply = (text: string): ReplyClassification => {
  const keyword = keywordOf(text);
  if (isOptOutText(text) || isStopWithGuid(keyword)) return 'OPT_OUT';
  if (OPT_IN_WORDS.has(keyword)) return 'OPT_IN';
  if (HELP_WORDS.has(keyword)) return 'HELP';
  const t = text.trim();
  if (APPOINTMENT.some((re) => re.test(t))) return 'APPOINTMENT_REQUEST';
  if (t.endsWith('?') || QUESTION_WORDS.test(t)) return 'QUESTION';
  return 'OTHER';
};

/** Where a classification sends the reply for a person to act on, if anywhere. */
export const routeOfReply = (c: ReplyClassification): 'scheduling' | 'advisor' | null =>
  c === 'APPOINTMENT_REQUEST' ? 'scheduling' : c === 'QUESTION' ? 'advisor' : null;

/** The reply's first word (what SMS keywords are), at most 50 characters; '' for an empty reply. */
export const replyKeyword = (text: string): string => (text.trim().split(/\s+/)[0] ?? '').slice(0, 50);

/** Every GUID written in the reply (customers may type it in lower case), in order, each once. */
export const guidsInReply = (text: string): string[] => {
  const found = text
    .toUpperCase()
    .split(/[^A-Z0-9-]+/)
    .filter((token) => token.length >= 24 && isGuid(token));
  return [...new Set(found)];
};

/** `STOP-<code>`: the code a per-journey opt-out names (the first 8 characters of the GUID), upper case; else null. */
export const stopCodeOf = (text: string): string | null => {
  const m = /^STOP[-\s]+([A-Z0-9-]{1,32})$/.exec(keywordOf(text));
  return m ? m[1]! : null;
};
