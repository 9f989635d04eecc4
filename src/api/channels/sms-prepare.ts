// POST /api/v2/channels/sms/prepare: the text to send, its links shortened to `/s/{code}` and the journey's opt-out
// line appended; SMS_SENT and the contact point recorded, the links registered, all durably before the answer.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { contactHash } from '../../application/channels/index.ts';
import { distinctLinks, phoneNumber, prepareSmsText, SHORT_CODE_LENGTH, SMS_MAX_LENGTH, smsSegments } from '../../domain/channels/index.ts';
import { isGuid, parseGuid } from '../../domain/journeys/index.ts';
import { insertShortLinks, isSuppressed, linksOfMessage, type ShortLink } from '../../projections/channels/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { seesGuid } from '../http/dealer-scope.ts';
import type { AppDeps } from '../http/deps.ts';
import { invalid, ProblemError } from '../http/problems.ts';
import { bodyOf, route } from '../http/route.ts';
import { recordEvents } from './channel-events.ts';
import { smsEvent } from './sms-events.ts';
import { cacheShortLinks, newShortCode } from './short-link-store.ts';

/** Our message ids end up inside event ids (`sms:<id>:sent`, at most 128 characters in all). */
export const MESSAGE_ID = /^[A-Za-z0-9._:@-]{1,64}$/;
const messageId = z.string().regex(MESSAGE_ID, '1 to 64 letters, digits or . _ : @ -');

const prepareBody = z.strictObject({
  guid: z.string().refine(isGuid, 'a journey GUID, e.g. FORD-2024-12-07-BAT-CRT-DET001-A7B9C2'),
  to: phoneNumber,
  text: z.string().min(1).max(SMS_MAX_LENGTH),
  message_id: messageId.optional().describe('Your id for the message (a retry with the same id answers the same text and codes); a UUID when absent'),
});

const prepared = z.object({
  message_id: z.string(),
  text: z.string().describe('What to send: links replaced by short links, the opt-out line appended'),
  links: z.array(z.object({ code: z.string(), url: z.string() })),
  segments: z.number().int().min(1),
});

const conflict = () => new ProblemError('idempotency_key_reused', 'This message_id was prepared with other links: use a new message_id for another text');

/** The codes of the message's links by index: those a prepare of the same message registered, else new ones, stored. */
const registerLinks = async (deps: AppDeps, guid: string, message: string, urls: readonly string[], at: Date): Promise<string[]> => {
  // A code taken by another message (a collision: about 1 in 10^17) is redrawn on the next round.
  for (let round = 0; round < 3; round++) {
    const held = await linksOfMessage(narrow(deps.db), guid, message);
    if (held.some((l) => urls[l.link_index] !== l.url) || (held.length > 0 && held[0]!.link_count !== urls.length)) throw conflict();
    const missing = urls.flatMap((url, i) => (held.some((l) => l.link_index === i) ? [] : [{ url, i }]));
    if (missing.length === 0) {
      cacheShortLinks(deps, held);
      return held.map((l) => l.code);
    }
    const rows: ShortLink[] = missing.map(({ url, i }) => ({ code: newShortCode(), guid, message_id: message, url, link_index: i, link_count: urls.length, created_at: at }));
    await insertShortLinks(narrow(deps.db), rows);
  }
  throw new Error(`short links of message ${message} could not be registered`);
};

export const prepareSms = route({
  method: 'post',
  path: '/api/v2/channels/sms/prepare',
  summary: 'Prepare an SMS: short links for its URLs, the opt-out line, SMS_SENT recorded',
  description:
    'Every http(s) URL in the text becomes `<public URL>/s/<code>`, which redirects to it and records SMS_CLICKED; the PRD\'s `Reply STOP-<first 8 of GUID> to opt out` is appended. SMS_SENT and the phone number (as a keyed hash, so that replies from it find the journey) are recorded durably before the answer. A number that opted out at the journey\'s dealer answers 409 suppressed.',
  tags: ['channels'],
  body: bodyOf(prepareBody),
  responses: { 200: { description: 'The text to send and its links', schema: prepared } },
  problems: ['unknown_guid', 'suppressed', 'idempotency_key_reused'],
  scope: 'journeys:write',
  handle: async ({ body, deps, now, principal, touched, http }) => {
    const { guid, to, text } = body;
    touched(guid);
    if (!seesGuid(principal, guid)) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
    const dealer = parseGuid(guid)!.dealer;
    const hash = contactHash(deps.channels.secret, 'phone', to);
    if (await isSuppressed(narrow(deps.db), dealer, 'SMS', hash)) throw new ProblemError('suppressed', `This number opted out of SMS at dealer ${dealer}; an opt-in from it (START) lifts that`);
    const urls = distinctLinks(text);
    const shortBase = `${deps.config.publicUrl}/s`;
    // Every code has the same length, so the length is known before any code is drawn or anything stored.
    const draft = prepareSmsText(text, guid, shortBase, () => '0'.repeat(SHORT_CODE_LENGTH)).text;
    if (draft.length > SMS_MAX_LENGTH) throw invalid([{ path: 'text', message: `${draft.length} characters with short links and the opt-out line; at most ${SMS_MAX_LENGTH}` }]);
    const message = body.message_id ?? randomUUID();
    const at = now();
    const held = await linksOfMessage(narrow(deps.db), guid, message);
    if (held.some((l) => urls[l.link_index] !== l.url)) throw conflict();
    const segments = smsSegments(draft);
    const system = { type: 'system' as const };
    const [sent] = await recordEvents(http, [
      smsEvent(guid, 'SMS_SENT', `sms:${message}:sent`, at, system, { message_id: message, provider: 'threadline', segments }),
      smsEvent(guid, 'CONTACT_POINT_ADDED', `contact:phone:${hash}`, at, system, { kind: 'phone', hash }),
    ]);
    if (sent!.status === 404) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
    const codes = await registerLinks(deps, guid, message, urls, at);
    const out = prepareSmsText(text, guid, shortBase, (_url, i) => codes[i]!);
    return { status: 200, body: { message_id: message, text: out.text, links: out.links, segments } };
  },
});
