// One-click unsubscribe (RFC 8058): mail clients POST `List-Unsubscribe=One-Click` to the List-Unsubscribe URL; a
// person who opens it in a browser gets a page whose button POSTs the same. A GET changes nothing, so link scanners
// that fetch every URL of a message unsubscribe no one.
import { z } from 'zod';
import { escapeAttribute } from '../../domain/channels/index.ts';
import { parseGuid } from '../../domain/journeys/index.ts';
import { ProblemError } from '../http/problems.ts';
import { bodyOf, route } from '../http/route.ts';
import { recordEvents } from './channel-events.ts';
import { unsubscribedEvents } from './email-events.ts';
import { readEmailToken, type UnsubscribeToken } from './email-tokens.ts';

const tokenParams = z.object({ token: z.string().describe('The signed token from the List-Unsubscribe header') });

/** helmet's `default-src 'none'` would block the page's inline style and its form; this page allows just those. */
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'Cache-Control': 'no-store',
};

const page = (title: string, body: string) =>
  `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}button{font:inherit;padding:.5rem 1.25rem;cursor:pointer}</style></head>
<body><h1>${title}</h1>
${body}
</body></html>
`;

const tokenOf = (secret: Buffer, token: string): UnsubscribeToken => {
  const t = readEmailToken(secret, 'unsubscribe', token);
  if (t === null) throw new ProblemError('not_found', 'No such unsubscribe link');
  return t;
};

const dealerOf = (t: UnsubscribeToken) => escapeAttribute(parseGuid(t.g)?.dealer ?? '');

export const unsubscribePage = route({
  method: 'get',
  path: '/u/{token}',
  summary: 'The unsubscribe link opened in a browser: a page asking to confirm (changes nothing)',
  tags: ['channels'],
  params: tokenParams,
  responses: { 200: { description: 'The confirmation page; its button POSTs List-Unsubscribe=One-Click', contentType: 'text/html' } },
  problems: ['not_found'],
  scope: 'public',
  handle: async ({ params, deps }) => {
    const t = tokenOf(deps.channels.secret, params.token);
    const html = page(
      'Unsubscribe',
      `<p>Stop receiving emails from dealer ${dealerOf(t)} at this address?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
    );
    return { status: 200, body: html, headers: PAGE_HEADERS };
  },
});

export const unsubscribeOneClick = route({
  method: 'post',
  path: '/u/{token}',
  summary: 'One-click unsubscribe (RFC 8058): records EMAIL_UNSUBSCRIBED and the opt-out of email at the dealer',
  description: "What mail clients send for a List-Unsubscribe-Post header, and the confirmation page's button. Stored durably before the answer; the address is suppressed for the journey's dealer once the read models catch up.",
  tags: ['channels'],
  params: tokenParams,
  body: { ...bodyOf(z.object({ 'List-Unsubscribe': z.literal('One-Click') })), mediaType: 'form' },
  responses: { 200: { description: 'Unsubscribed', contentType: 'text/html' } },
  problems: ['not_found'],
  scope: 'public',
  handle: async ({ params, deps, http, now, touched }) => {
    const t = tokenOf(deps.channels.secret, params.token);
    touched(t.g);
    const results = await recordEvents(http, unsubscribedEvents(t.g, t.m, t.h, now()));
    if (results.some((r) => r.status === 404)) throw new ProblemError('not_found', 'No such unsubscribe link');
    const html = page('You are unsubscribed', `<p>You will receive no more emails from dealer ${dealerOf(t)} at this address.</p>`);
    return { status: 200, body: html, headers: PAGE_HEADERS };
  },
});
