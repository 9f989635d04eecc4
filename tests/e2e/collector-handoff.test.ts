// The hand-off in a real Chromium (Debian's, driven by playwright-core): a conversation hands off to a web page on
// another origin that loads <threadline>/collector.js, walks three steps, goes offline, exits, comes back online;
// every event arrives once on the conversation's GUID and no second journey appears ("session ghosting": 0). A page
// that goes away sends its exit intent by beacon; a refused token keeps the queue and tells the page.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
// CI installs Chromium (.ci/run); elsewhere a missing browser is a skip that says so.
if (!available && process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

const T = '/api/v2/tracking';

/** What the page has (the functions run in the browser: casts only, no Node code). */
type W = {
  Threadline: { init(o: { token: string }): unknown; step(name: string, props?: object): boolean; exit(reason?: string): boolean; pending(): number };
  problems: { code: string; status: number; queued: number }[];
  windowEvents: number;
  localStorage: { length: number };
};

/** The web view: its own origin, no CSP of its own, the collector from Threadline, the token from the fragment. */
const pageOf = (threadline: string) => `<!doctype html><html><head><meta charset="utf-8"><title>Book a service</title>
<script src="${threadline}/collector.js"></script></head><body><h1>Book a service</h1><script>
window.problems = []; window.windowEvents = 0;
window.addEventListener('threadline:error', function () { window.windowEvents++; });
Threadline.init({ onError: function (p) { window.problems.push(p); } });
</script></body></html>`;

describe.skipIf(!available)(`the web-view collector in Chromium (${available ? CHROMIUM : 'skipped: no /usr/bin/chromium; apt-get install chromium'})`, () => {
  let app: TestApp;
  let browser: Browser;
  let site: Server;
  let siteOrigin = '';

  beforeAll(async () => {
    // The page's server first: its origin is the one the collector must allow.
    site = createServer((req, res) => {
      // No favicon: a 404 for it would be the browser console's only complaint.
      if (!req.url?.startsWith('/flow')) return void res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageOf(app.url));
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    app = await startTestApp(storeTargets()[0]!, { config: { collectOrigins: [siteOrigin] } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((r) => site?.close(r));
  });

  const openConversation = async () => {
    const res = await app.post(`${T}/conversations`, { channel: 'CHAT', dealer_code: 'DET001', platform: 'whatsapp', categories: { department: 'service', query_nature: 'booking' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.guid as string;
  };
  const handoffUrl = async (guid: string, webview: string) => {
    const res = await app.post(`${T}/journey/${guid}/handoff`, { webview_id: webview, url: `${siteOrigin}/flow`, context: { intent: 'book_service' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.url as string;
  };
  const webviewEvents = async (guid: string) =>
    ((await app.get(`${T}/journey/${guid}`)).body.events as { event_id: string; event_type: string; channel: string; details: Record<string, unknown> }[]).filter((e) => e.channel === 'WEBVIEW');
  const drained = (page: Page) => page.waitForFunction(() => (globalThis as unknown as W).Threadline.pending() === 0);
  const journeyCount = async () => {
    await app.rt.projections.catchUp();
    return (await app.get(`${T}/journeys?limit=100`)).body.journeys.length as number;
  };

  it('follows the customer from the chat into the web view as one journey, offline included, every event once', async () => {
    const guid = await openConversation();
    const journeysBefore = await journeyCount();
    const context = await browser.newContext();
    const page = await context.newPage();
    const collects: string[] = [];
    page.on('request', (r) => r.url().endsWith('/api/v2/collect') && collects.push(r.method()));
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));

    await page.goto(await handoffUrl(guid, 'service-booking'));
    await drained(page);
    // The token is taken out of the address as soon as the collector has it.
    expect(page.url()).toBe(`${siteOrigin}/flow`);
    for (const step of ['vehicle', 'slot', 'confirm']) {
      await page.evaluate((s) => (globalThis as unknown as W).Threadline.step(s), step);
      await drained(page);
    }
    await context.setOffline(true);
    await page.evaluate(() => (globalThis as unknown as W).Threadline.exit('closed'));
    // Offline: the exit waits in localStorage, and the server has none yet.
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as W).localStorage.length)).toBe(1);
    expect(await page.evaluate(() => (globalThis as unknown as W).Threadline.pending())).toBe(1);
    expect((await webviewEvents(guid)).map((e) => e.event_type)).not.toContain('WEBVIEW_EXIT');
    await context.setOffline(false);
    await drained(page);
    expect(problems).toEqual([]);
    expect(collects.every((m) => m === 'POST')).toBe(true);
    await context.close();

    const events = await webviewEvents(guid);
    expect(events.map((e) => [e.event_type, e.details['step'] ?? null])).toEqual([
      ['WEBVIEW_OPENED', null],
      ['WEBVIEW_STEP', 'vehicle'],
      ['WEBVIEW_STEP', 'slot'],
      ['WEBVIEW_STEP', 'confirm'],
      ['WEBVIEW_EXIT', 'confirm'],
    ]);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    expect(events.every((e) => e.details['webview_id'] === 'service-booking')).toBe(true);
    expect(events[0]!.details).toEqual({ webview_id: 'service-booking', url: `${siteOrigin}/flow`, intent: 'book_service' });
    // Session ghosting: the web view made no journey of its own.
    expect(await journeyCount()).toBe(journeysBefore);

    await app.rt.projections.catchUp();
    const day = new Date().toISOString().slice(0, 10);
    const next = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const friction = await app.get(`/api/v2/analytics/friction?webview_id=service-booking&start_date=${day}&end_date=${next}`);
    expect(friction.status, JSON.stringify(friction.body)).toBe(200);
    expect(friction.body.totals).toMatchObject({ opened: 1, completed: 0, exited: 1 });
    expect(friction.body.steps.map((s: { step: string; reached: number }) => [s.step, s.reached])).toEqual([
      ['vehicle', 1],
      ['slot', 1],
      ['confirm', 1],
    ]);
    const confirm = friction.body.steps[2];
    expect(confirm).toMatchObject({ exited: 1, exit_reasons: [{ reason: 'closed', count: 1 }] });
  });

  it('sends the exit intent by beacon when the page goes away, once', async () => {
    const guid = await openConversation();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await handoffUrl(guid, 'trade-in'));
    await page.evaluate(() => (globalThis as unknown as W).Threadline.step('valuation'));
    await drained(page);
    // Nothing is queued now, and a page that is gone sends nothing else: only the beacon can carry this exit.
    expect(await page.evaluate(() => (globalThis as unknown as W).Threadline.pending())).toBe(0);
    await page.goto('about:blank');
    await expect.poll(async () => (await webviewEvents(guid)).filter((e) => e.event_type === 'WEBVIEW_EXIT').length).toBe(1);
    await context.close();
    const exit = (await webviewEvents(guid)).find((e) => e.event_type === 'WEBVIEW_EXIT')!;
    expect(exit.details).toEqual({ webview_id: 'trade-in', step: 'valuation', reason: 'page_hidden' });
  });

  it('keeps the queue and tells the page when the token is refused, without retrying, and sends it with a fresh token', async () => {
    const guid = await openConversation();
    const url = await handoffUrl(guid, 'finance');
    // One character in the middle of the signature changed: a tampered token.
    const at = url.lastIndexOf('.') + 10;
    const tampered = url.slice(0, at) + (url[at] === 'A' ? 'B' : 'A') + url.slice(at + 1);
    const context = await browser.newContext();
    const page = await context.newPage();
    let collects = 0;
    page.on('request', (r) => void (r.url().endsWith('/api/v2/collect') && collects++));
    await page.goto(tampered);
    await page.waitForFunction(() => (globalThis as unknown as W).problems.length === 1);
    const [problem] = await page.evaluate(() => (globalThis as unknown as W).problems);
    expect(problem).toMatchObject({ status: 401, code: 'handoff_token_invalid', queued: 1 });
    expect(await page.evaluate(() => (globalThis as unknown as W).windowEvents)).toBe(1);
    await page.evaluate(() => (globalThis as unknown as W).Threadline.step('rates'));
    // Past the collector's debounce: still nothing sent, both events kept.
    await page.waitForTimeout(1000);
    expect(await page.evaluate(() => (globalThis as unknown as W).Threadline.pending())).toBe(2);
    expect(collects).toBe(1);
    expect(await webviewEvents(guid)).toEqual([]);

    // A fresh hand-off for the same web view: the kept queue goes out with it, each event once, in the same run.
    const fresh = new URL(await handoffUrl(guid, 'finance')).hash.slice('#tl_token='.length);
    await page.evaluate((token) => (globalThis as unknown as W).Threadline.init({ token }), fresh);
    await drained(page);
    expect((await webviewEvents(guid)).map((e) => [e.event_type, e.details['step'] ?? null])).toEqual([
      ['WEBVIEW_OPENED', null],
      ['WEBVIEW_STEP', 'rates'],
    ]);
    await context.close();
  });
});
