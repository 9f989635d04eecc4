// POST /api/v2/channels/email/prepare: a dealer's email gateway hands over a message before sending it and gets it
// back tracked (links through /r, the open pixel, one-click unsubscribe headers); the send is recorded durably first.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { contactHash } from '../../application/channels/index.ts';
import { emailAddress, linksOf, MAX_EMAIL_HTML_BYTES, MAX_TRACKED_LINKS, pixelTag, rewriteHtmlLinks, rewriteTextLinks, withPixel } from '../../domain/channels/index.ts';
import { isGuid, parseGuid } from '../../domain/journeys/index.ts';
import type { Violation } from '../../domain/shared/violation.ts';
import { isSuppressed } from '../../projections/channels/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { seesGuid } from '../http/dealer-scope.ts';
import { invalid, ProblemError } from '../http/problems.ts';
import { bodyOf, route } from '../http/route.ts';
import { recordEvents } from './channel-events.ts';
import { preparedEvents } from './email-events.ts';
import { signEmailToken } from './email-tokens.ts';

const bytes = (max: number) => z.string().refine((s) => Buffer.byteLength(s) <= max, `at most ${max / 1024} KB`);
const id = z.string().min(1).max(200);

export const prepareBody = z.strictObject({
  guid: z.string().refine(isGuid, 'not a Threadline GUID (PREFIX-YYYY-MM-DD-CCC-SSS-DEALER-XXXXXX)'),
  to: emailAddress,
  html: bytes(MAX_EMAIL_HTML_BYTES),
  text: bytes(MAX_EMAIL_HTML_BYTES).optional(),
  // Part of every event id of the message (at most 128 characters in all).
  message_id: z.string().regex(/^[A-Za-z0-9._:@-]{1,80}$/, '1 to 80 letters, digits or . _ : @ -').optional(),
  template_id: id.optional(),
  // Sent as a mail header: printable ASCII only, no line breaks.
  campaign_id: id.regex(/^[\x20-\x7e]+$/, 'printable ASCII').optional(),
  variant: id.optional(),
});

export const preparedEmail = z.object({
  message_id: z.string(),
  html: z.string(),
  text: z.string().optional(),
  headers: z.object({
    'X-Ford-GUID': z.string(),
    'X-Campaign-ID': z.string().optional(),
    'List-Unsubscribe': z.string(),
    'List-Unsubscribe-Post': z.literal('List-Unsubscribe=One-Click'),
  }),
});

/** A destination whose token would pass MAX_TOKEN_LENGTH stays untracked (JSON of the URL plus ~400 bytes of the rest, base64). */
const MAX_DESTINATION_JSON = 2600;

export const prepareEmail = route({
  method: 'post',
  path: '/api/v2/channels/email/prepare',
  summary: 'Track an email before sending it: links, open pixel, one-click unsubscribe headers',
  description:
    'Every http(s) `<a href>` (and URL in `text`) is rewritten to a signed `/r/{token}` redirect, a 1×1 pixel is placed before `</body>`, and the List-Unsubscribe headers to set are returned. EMAIL_SENT and the address (as a hash) are recorded before the answer. An address that opted out of email at the journey\'s dealer answers 409 `suppressed`.',
  tags: ['channels'],
  body: bodyOf(prepareBody),
  responses: { 200: { description: 'The message to send, tracked, and the headers to add', schema: preparedEmail } },
  problems: ['unknown_guid', 'suppressed'],
  scope: 'journeys:write',
  handle: async ({ body, deps, now, principal, touched, http }) => {
    const { guid } = body;
    touched(guid);
    if (!seesGuid(principal, guid)) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
    const dealer = parseGuid(guid)!.dealer;
    const { secret } = deps.channels;
    const hash = contactHash(secret, 'email', body.to);
    if (await isSuppressed(narrow(deps.db), dealer, 'EMAIL', hash)) throw new ProblemError('suppressed', `The address opted out of email at dealer ${dealer}`);

    const links = linksOf(body.html, body.text);
    const tooMany: Violation[] = [
      ...(links.htmlLinks > MAX_TRACKED_LINKS ? [{ path: 'html', message: `at most ${MAX_TRACKED_LINKS} tracked links (has ${links.htmlLinks})` }] : []),
      ...(links.textLinks > MAX_TRACKED_LINKS ? [{ path: 'text', message: `at most ${MAX_TRACKED_LINKS} tracked links (has ${links.textLinks})` }] : []),
    ];
    if (tooMany.length > 0) throw invalid(tooMany);

    const at = now();
    const t = at.getTime();
    const m = body.message_id ?? `tl-${randomUUID()}`;
    const base = deps.config.publicUrl;
    const destinations = links.destinations.filter((u) => JSON.stringify(u).length <= MAX_DESTINATION_JSON);
    const tracked = new Map(destinations.map((u, i) => [u, `${base}/r/${signEmailToken(secret, 'link', { g: guid, m, u, i, n: destinations.length, t })}`]));
    const urlFor = (u: string) => tracked.get(u) ?? null;
    const pixel = `${base}/pixel/${signEmailToken(secret, 'pixel', { g: guid, m, t })}.gif`;
    const unsubscribe = `${base}/u/${signEmailToken(secret, 'unsubscribe', { g: guid, m, t, h: hash })}`;

    const results = await recordEvents(http, preparedEvents({ guid, messageId: m, templateId: body.template_id, campaignId: body.campaign_id, variant: body.variant, addressHash: hash, at }));
    if (results.some((r) => r.status === 404)) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
    return {
      status: 200,
      body: {
        message_id: m,
        html: withPixel(rewriteHtmlLinks(body.html, urlFor), pixelTag(pixel)),
        ...(body.text !== undefined ? { text: rewriteTextLinks(body.text, urlFor) } : {}),
        headers: {
          'X-Ford-GUID': guid,
          ...(body.campaign_id ? { 'X-Campaign-ID': body.campaign_id } : {}),
          'List-Unsubscribe': `<${unsubscribe}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' as const,
        },
      },
    };
  },
});
