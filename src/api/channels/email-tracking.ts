// The open pixel and the tracked-link redirect. Both answer at once and record in the background; the pixel is a GIF
// whatever happens (a broken image in a customer's mail is our failure, not theirs), and a redirect goes only to
// the destination signed in a valid token: anything else is a 404, never a redirect.
import { z } from 'zod';
import { classifyClick, classifyOpen, isTrackableUrl } from '../../domain/channels/index.ts';
import type { AppDeps } from '../http/deps.ts';
import { ProblemError } from '../http/problems.ts';
import { route, type HttpRuntime } from '../http/route.ts';
import { recordInBackground } from './channel-events.ts';
import { clickMemoryOf } from './click-memory.ts';
import { clickedEvent, openedEvent } from './email-events.ts';
import { readEmailToken } from './email-tokens.ts';

/** A 1×1 transparent GIF (43 bytes). */
export const TRANSPARENT_GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

const HEADER_SAFE = /^[\x21-\x7e]+$/;

const tokenParams = z.object({ token: z.string().describe('The signed token from the prepared message') });

const clientOf = (req: { method: string; get(name: string): string | undefined }) => ({ method: req.method, userAgent: (req.get('user-agent') ?? '').slice(0, 1000) });

/** Nothing a pixel request sends can make it fail: a bad token, a store that is away and a defect all still get the image. */
const recordOpen = (deps: AppDeps, http: HttpRuntime, token: string, req: { method: string; get(name: string): string | undefined }, at: Date) => {
  try {
    const p = readEmailToken(deps.channels.secret, 'pixel', token);
    if (p === null) return;
    const client = clientOf(req);
    recordInBackground(deps, http, [openedEvent(p.g, p.m, at, client, classifyOpen({ userAgent: client.userAgent, method: client.method }))]);
  } catch (error) {
    deps.logger.warn({ err: error }, 'open not recorded');
  }
};

export const emailPixel = route({
  method: 'get',
  path: '/pixel/{token}.gif',
  summary: 'The open pixel: always a 1×1 transparent GIF; a valid token records EMAIL_OPENED',
  description: 'Answers the image at once, for any token; the open (with its machine verdict: Apple Mail Privacy Protection, image proxies, scanners) is recorded in the background.',
  tags: ['channels'],
  params: tokenParams,
  responses: { 200: { description: 'The image', contentType: 'image/gif' } },
  problems: [],
  scope: 'public',
  limit: 'unmetered',
  handle: async ({ params, req, res, deps, http, now }) => {
    let at: Date;
    try {
      at = now();
    } catch {
      at = new Date();
    }
    recordOpen(deps, http, params.token, req, at);
    // Written here, not through send(): no ETag, so no 304 for a client that revalidates; the image every time.
    // Webmail shows it from another origin, which helmet's default Cross-Origin-Resource-Policy (same-origin) forbids.
    res.status(200).set({ 'Content-Type': 'image/gif', 'Content-Length': String(TRANSPARENT_GIF.length), 'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0', Pragma: 'no-cache', Expires: '0', 'Cross-Origin-Resource-Policy': 'cross-origin' });
    res.end(TRANSPARENT_GIF);
  },
});

export const emailRedirect = route({
  method: 'get',
  path: '/r/{token}',
  summary: 'A tracked link: 302 to the destination signed in the token; records EMAIL_CLICKED',
  description:
    'HEAD answers the same 302 (flagged `head_request`). The click is recorded in the background with its machine verdict (scanners, previews, a click within 2 s of preparing, every link of the message within 5 s). An unknown or tampered token answers 404, never a redirect.',
  tags: ['channels'],
  params: tokenParams,
  responses: { 302: { description: 'To the destination; `Location` is only ever the signed one' } },
  problems: ['not_found'],
  scope: 'public',
  limit: 'unmetered',
  handle: async ({ params, req, deps, http, now }) => {
    const link = readEmailToken(deps.channels.secret, 'link', params.token);
    // Prepare signs normalised URLs (printable ASCII); anything else could not be sent as a header.
    if (link === null || !isTrackableUrl(link.u) || !HEADER_SAFE.test(link.u) || link.i >= link.n) throw new ProblemError('not_found', 'No such link', {}, { 'Cache-Control': 'no-store' });
    try {
      const at = now();
      const client = clientOf(req);
      const distinct = clickMemoryOf(deps).record(`${link.g} ${link.m}`, link.i, at.getTime());
      const machine = classifyClick({ userAgent: client.userAgent, method: client.method, sentAtMs: link.t, nowMs: at.getTime(), linksInMessage: link.n, distinctLinksClickedRecently: distinct });
      recordInBackground(deps, http, [clickedEvent(link.g, link.m, { index: link.i, url: link.u }, at, client, machine)]);
    } catch (error) {
      // The customer's redirect never depends on the record.
      deps.logger.warn({ err: error }, 'click not recorded');
    }
    return { status: 302, headers: { Location: link.u, 'Cache-Control': 'no-store' } };
  },
});
